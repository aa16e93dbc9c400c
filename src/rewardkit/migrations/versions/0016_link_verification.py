"""reward links: `verification` ("none" | "email_otp") and the one-time codes sent to the recipient
before a link reveals its choices (code stored as an HMAC, attempts counted) (#13)

Revision ID: 0016
Revises: 0014 (in the l13-page branch; 0015 once the delivery branch's migration is merged)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("reward_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=10), server_default="none", nullable=False))
    op.create_table(
        "link_verifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("link_id", sa.String(length=40), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["reward_links.id"], name=op.f("fk_link_verifications_link_id_reward_links")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_verifications")),
    )
    with op.batch_alter_table("link_verifications", schema=None) as batch_op:
        batch_op.create_index("ix_link_verifications_link", ["link_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_verifications", schema=None) as batch_op:
        batch_op.drop_index("ix_link_verifications_link")
    op.drop_table("link_verifications")
    with op.batch_alter_table("reward_links", schema=None) as batch_op:
        batch_op.drop_column("verification")
