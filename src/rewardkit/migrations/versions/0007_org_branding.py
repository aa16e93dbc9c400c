"""org branding: display name, logo, accent colour and support email of the hosted pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("brand_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("brand_logo_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("brand_accent", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("support_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_column("support_email")
        batch_op.drop_column("brand_accent")
        batch_op.drop_column("brand_logo_url")
        batch_op.drop_column("brand_name")
