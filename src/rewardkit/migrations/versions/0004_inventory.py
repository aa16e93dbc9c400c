"""inventory codes (the inventory supplier)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "inventory_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("pin", sa.Text(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('available','used')", name=op.f("ck_inventory_codes_status")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_inventory_codes_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_inventory_codes_code_hash")),
        sa.UniqueConstraint("order_id", name=op.f("uq_inventory_codes_order_id")),
    )
    with op.batch_alter_table("inventory_codes", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_codes_pick", ["product_id", "amount", "status", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("inventory_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_codes_pick")

    op.drop_table("inventory_codes")
