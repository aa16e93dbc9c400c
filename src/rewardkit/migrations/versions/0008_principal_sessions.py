"""principal sessions: signed-in principals that are not API keys (storefront members, reward link
visitors, dashboard users)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "principal_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_principal_sessions_mode")),
        sa.CheckConstraint(
            "kind IN ('member_session', 'link_visitor', 'dashboard_user')", name=op.f("ck_principal_sessions_kind")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_principal_sessions_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principal_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_principal_sessions_token_hash")),
    )
    with op.batch_alter_table("principal_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_principal_sessions_subject", ["org_id", "mode", "kind", "subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("principal_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_principal_sessions_subject")
    op.drop_table("principal_sessions")
