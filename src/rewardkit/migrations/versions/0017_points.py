"""reward points: programs (each a ledger asset of its own), members, lots with expiry and points
transactions (#14)

Revision ID: 0017
Revises: 0014 (the lead re-chains it onto the head at merge)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_programs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("points_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("expiry_months", sa.Integer(), nullable=True),
        sa.Column("expiry_round_to", sa.String(length=16), nullable=True),
        sa.Column("pending_days", sa.Integer(), nullable=False),
        sa.Column("funding", sa.String(length=16), nullable=False),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        sa.Column("expiring_notice_days", sa.Integer(), nullable=True),
        sa.Column("asset", sa.String(length=24), nullable=False),
        sa.Column("outstanding", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("funding IN ('on_redemption','prefunded')", name=op.f("ck_points_programs_funding")),
        sa.CheckConstraint("outstanding >= 0", name=op.f("ck_points_programs_outstanding")),
        sa.CheckConstraint("points_per_unit > 0", name=op.f("ck_points_programs_points_per_unit")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_points_programs_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_programs")),
    )
    with op.batch_alter_table("points_programs", schema=None) as batch_op:
        batch_op.create_index("ix_points_programs_scope", ["org_id", "mode", "id"], unique=False)

    op.create_table(
        "points_members",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_earned", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("pending >= 0", name=op.f("ck_points_members_pending")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_points_members_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_members_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_members")),
        sa.UniqueConstraint("program_id", "member_id", name="uq_points_members_member"),
    )
    op.create_table(
        "points_lots",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("member_pk", sa.String(length=40), nullable=False),
        sa.Column("credit_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','available','expired','reversed')", name=op.f("ck_points_lots_status")
        ),
        sa.CheckConstraint("remaining >= 0 AND remaining <= points", name=op.f("ck_points_lots_remaining")),
        sa.ForeignKeyConstraint(
            ["member_pk"], ["points_members.id"], name=op.f("fk_points_lots_member_pk_points_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_lots_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_lots")),
    )
    with op.batch_alter_table("points_lots", schema=None) as batch_op:
        batch_op.create_index("ix_points_lots_member", ["member_pk", "status", "expires_at", "id"], unique=False)

    op.create_table(
        "points_transactions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("program_id", sa.String(length=40), nullable=False),
        sa.Column("member_pk", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("pending_after", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.Column("reverses", sa.String(length=40), nullable=True),
        sa.Column("reversed_by", sa.String(length=40), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cash_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('credit','debit','reversal','expiry')", name=op.f("ck_points_transactions_type")),
        sa.CheckConstraint("points >= 0", name=op.f("ck_points_transactions_points")),
        sa.ForeignKeyConstraint(
            ["member_pk"], ["points_members.id"], name=op.f("fk_points_transactions_member_pk_points_members")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_points_transactions_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["points_programs.id"], name=op.f("fk_points_transactions_program_id_points_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_transactions")),
        sa.UniqueConstraint("program_id", "reference", name="uq_points_transactions_reference"),
    )
    with op.batch_alter_table("points_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_points_transactions_member", ["member_pk", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("points_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_points_transactions_member")

    op.drop_table("points_transactions")
    with op.batch_alter_table("points_lots", schema=None) as batch_op:
        batch_op.drop_index("ix_points_lots_member")

    op.drop_table("points_lots")
    op.drop_table("points_members")
    with op.batch_alter_table("points_programs", schema=None) as batch_op:
        batch_op.drop_index("ix_points_programs_scope")

    op.drop_table("points_programs")
