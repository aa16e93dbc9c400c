"""API versions: the version an API key is pinned to, and the version a webhook endpoint's payloads
are written in (#17). Rows made before this migration hold the first version, 2026-11-01, so the
integrations and receivers that exist never see a shape change; new keys and endpoints are given one
by the code (the latest, or the one asked for).

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_version", sa.String(length=10), server_default="2026-11-01", nullable=False))
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_version", sa.String(length=10), server_default="2026-11-01", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("api_version")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("api_version")
