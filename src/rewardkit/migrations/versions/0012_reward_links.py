"""reward links: the link (value held in a ledger reservation, token stored as an HMAC and
encrypted) and its timeline (#13)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reward_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("choice", sa.JSON(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=True),
        sa.Column("recipient_email", sa.Text(), nullable=True),
        sa.Column("recipient_phone", sa.Text(), nullable=True),
        sa.Column("recipient_country", sa.String(length=2), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allow_split", sa.Boolean(), nullable=False),
        sa.Column("reminders", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.String(length=5), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('created','delivered','opened','partially_claimed','claimed','expired','canceled')",
            name=op.f("ck_reward_links_status"),
        ),
        sa.CheckConstraint("remaining >= 0 AND remaining <= value_minor", name=op.f("ck_reward_links_remaining")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_reward_links_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reward_links_token_hash")),
    )
    with op.batch_alter_table("reward_links", schema=None) as batch_op:
        batch_op.create_index("ix_reward_links_external", ["org_id", "mode", "external_id"], unique=False)
        batch_op.create_index("ix_reward_links_scope", ["org_id", "mode", "id"], unique=False)
    op.create_table(
        "reward_link_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("link_id", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["reward_links.id"], name=op.f("fk_reward_link_transitions_link_id_reward_links")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_link_transitions")),
    )
    with op.batch_alter_table("reward_link_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_reward_link_transitions_link", ["link_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reward_link_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_reward_link_transitions_link")
    op.drop_table("reward_link_transitions")
    with op.batch_alter_table("reward_links", schema=None) as batch_op:
        batch_op.drop_index("ix_reward_links_scope")
        batch_op.drop_index("ix_reward_links_external")
    op.drop_table("reward_links")
