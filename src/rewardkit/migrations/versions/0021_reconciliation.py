"""reconciliation: supplier statements matched against our orders, their lines (both sides) and the
immutable resolutions of those that did not match (#16)

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("supplier", sa.String(length=40), nullable=False),
        sa.Column("mapping", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("date_tolerance_days", sa.Integer(), nullable=False),
        sa.Column("amount_tolerance_minor", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_bytes", sa.BigInteger(), nullable=False),
        sa.Column("lines_total", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("missing_here", sa.Integer(), nullable=False),
        sa.Column("missing_there", sa.Integer(), nullable=False),
        sa.Column("amount_mismatch", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_reconciliations_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
    )
    with op.batch_alter_table("reconciliations", schema=None) as batch_op:
        batch_op.create_index("ix_reconciliations_scope", ["org_id", "mode", "id"], unique=False)

    op.create_table(
        "reconciliation_lines",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reconciliation_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.String(length=40), nullable=True),
        sa.Column("their_line", sa.Integer(), nullable=True),
        sa.Column("their_reference", sa.String(length=120), nullable=True),
        sa.Column("their_amount", sa.BigInteger(), nullable=True),
        sa.Column("their_currency", sa.String(length=3), nullable=True),
        sa.Column("their_date", sa.Date(), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("our_reference", sa.String(length=120), nullable=True),
        sa.Column("our_amount", sa.BigInteger(), nullable=True),
        sa.Column("our_currency", sa.String(length=3), nullable=True),
        sa.Column("our_date", sa.Date(), nullable=True),
        sa.Column("our_status", sa.String(length=12), nullable=True),
        sa.Column("resolution", sa.String(length=10), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('matched','missing_here','missing_there','amount_mismatch')",
            name=op.f("ck_reconciliation_lines_status"),
        ),
        sa.CheckConstraint(
            "resolution IN ('adjust','accept','write_off')", name=op.f("ck_reconciliation_lines_resolution")
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliations.id"],
            name=op.f("fk_reconciliation_lines_reconciliation_id_reconciliations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_lines")),
    )
    with op.batch_alter_table("reconciliation_lines", schema=None) as batch_op:
        batch_op.create_index("ix_reconciliation_lines_all", ["reconciliation_id", "id"], unique=False)
        batch_op.create_index("ix_reconciliation_lines_status", ["reconciliation_id", "status", "id"], unique=False)

    op.create_table(
        "reconciliation_resolutions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reconciliation_id", sa.String(length=40), nullable=False),
        sa.Column("line_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("principal_id", sa.String(length=40), nullable=False),
        sa.Column("ledger_transaction_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["reconciliation_lines.id"],
            name=op.f("fk_reconciliation_resolutions_line_id_reconciliation_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliations.id"],
            name=op.f("fk_reconciliation_resolutions_reconciliation_id_reconciliations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_resolutions")),
        sa.UniqueConstraint("line_id", name="uq_reconciliation_resolutions_line"),
    )
    with op.batch_alter_table("reconciliation_resolutions", schema=None) as batch_op:
        batch_op.create_index("ix_reconciliation_resolutions_rcn", ["reconciliation_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reconciliation_resolutions", schema=None) as batch_op:
        batch_op.drop_index("ix_reconciliation_resolutions_rcn")
    op.drop_table("reconciliation_resolutions")
    with op.batch_alter_table("reconciliation_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_reconciliation_lines_status")
        batch_op.drop_index("ix_reconciliation_lines_all")
    op.drop_table("reconciliation_lines")
    with op.batch_alter_table("reconciliations", schema=None) as batch_op:
        batch_op.drop_index("ix_reconciliations_scope")
    op.drop_table("reconciliations")
