"""reward points: earning rules, activities (with the credits each rule made, for the caps) and tiers
(#14)

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "points_rules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("points_fixed", sa.BigInteger(), nullable=True),
        sa.Column("per_unit_property", sa.String(length=40), nullable=True),
        sa.Column("per_unit_points", sa.BigInteger(), nullable=True),
        sa.Column("per_unit_per", sa.BigInteger(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=True),
        sa.Column("monthly_cap", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(points_fixed IS NULL) <> (per_unit_property IS NULL)", name=op.f("ck_points_rules_one_kind")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_points_rules_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_rules_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_rules")),
    )
    with op.batch_alter_table("points_rules", schema=None) as batch_op:
        batch_op.create_index("ix_points_rules_program", ["program_id", "event_type", "id"], unique=False)

    op.create_table(
        "points_tier_policies",
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("window_months", sa.Integer(), nullable=True),
        sa.Column("downgrade", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "downgrade IN ('immediate','end_of_period')", name=op.f("ck_points_tier_policies_downgrade")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_tier_policies_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_points_tier_policies")),
    )
    op.create_table(
        "points_activities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("member_pk", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credits", sa.JSON(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_pk"], ["points_members.id"], name=op.f("fk_points_activities_member_pk_points_members")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_points_activities_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_activities_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_activities")),
        sa.UniqueConstraint("program_id", "reference", name="uq_points_activities_reference"),
    )
    with op.batch_alter_table("points_activities", schema=None) as batch_op:
        batch_op.create_index("ix_points_activities_program", ["program_id", "id"], unique=False)

    op.create_table(
        "points_member_tiers",
        sa.Column("member_pk", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=60), nullable=True),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downgrade_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_pk"], ["points_members.id"], name=op.f("fk_points_member_tiers_member_pk_points_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_member_tiers_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("member_pk", name=op.f("pk_points_member_tiers")),
    )
    op.create_table(
        "points_rule_credits",
        sa.Column("activity_id", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("member_pk", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["points_activities.id"], name=op.f("fk_points_rule_credits_activity_id_points_activities")
        ),
        sa.ForeignKeyConstraint(
            ["member_pk"], ["points_members.id"], name=op.f("fk_points_rule_credits_member_pk_points_members")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["points_rules.id"], name=op.f("fk_points_rule_credits_rule_id_points_rules")
        ),
        sa.PrimaryKeyConstraint("activity_id", "rule_id", name=op.f("pk_points_rule_credits")),
    )
    with op.batch_alter_table("points_rule_credits", schema=None) as batch_op:
        batch_op.create_index("ix_points_rule_credits_cap", ["rule_id", "member_pk", "month", "day"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("points_rule_credits", schema=None) as batch_op:
        batch_op.drop_index("ix_points_rule_credits_cap")

    op.drop_table("points_rule_credits")
    op.drop_table("points_member_tiers")
    with op.batch_alter_table("points_activities", schema=None) as batch_op:
        batch_op.drop_index("ix_points_activities_program")

    op.drop_table("points_activities")
    op.drop_table("points_tier_policies")
    with op.batch_alter_table("points_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_points_rules_program")

    op.drop_table("points_rules")
