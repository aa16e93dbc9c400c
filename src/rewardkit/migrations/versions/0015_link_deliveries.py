"""link deliveries: every email or text message sent for a reward link (its first delivery, reminders,
resends) with its outcome; the destination encrypted with its HMAC for bounce lookups (#13)

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("link_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("destination_hash", sa.String(length=64), nullable=False),
        sa.Column("destination_masked", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("mail_job_id", sa.BigInteger(), nullable=True),
        sa.Column("sms_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('email','sms')", name=op.f("ck_link_deliveries_channel")),
        sa.CheckConstraint("kind IN ('link','reminder','resend')", name=op.f("ck_link_deliveries_kind")),
        sa.CheckConstraint(
            "status IN ('queued','sent','delivered','failed','bounced')", name=op.f("ck_link_deliveries_status")
        ),
        sa.ForeignKeyConstraint(["link_id"], ["reward_links.id"], name=op.f("fk_link_deliveries_link_id_reward_links")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_link_deliveries_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_deliveries")),
    )
    with op.batch_alter_table("link_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_link_deliveries_link", ["link_id", "id"], unique=False)
        batch_op.create_index("ix_link_deliveries_message", ["message_id"], unique=False)
        batch_op.create_index("ix_link_deliveries_destination", ["org_id", "mode", "destination_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_link_deliveries_destination")
        batch_op.drop_index("ix_link_deliveries_message")
        batch_op.drop_index("ix_link_deliveries_link")
    op.drop_table("link_deliveries")
