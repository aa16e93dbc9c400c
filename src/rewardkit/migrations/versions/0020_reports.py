"""reports: report runs and their published files (compressed chunks), report schedules, closed
monthly statement periods (#16)

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=24), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("byte_count", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("schedule_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("format IN ('csv','jsonl')", name=op.f("ck_report_runs_format")),
        sa.CheckConstraint("status IN ('pending','succeeded','failed')", name=op.f("ck_report_runs_status")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_report_runs_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
    )
    op.create_index("ix_report_runs_scope", "report_runs", ["org_id", "mode", "id"], unique=False)
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=24), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.String(length=40), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("frequency IN ('daily','monthly')", name=op.f("ck_report_schedules_frequency")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_report_schedules_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index("ix_report_schedules_due", "report_schedules", ["next_run_at"], unique=False)
    op.create_index("ix_report_schedules_scope", "report_schedules", ["org_id", "mode", "id"], unique=False)
    op.create_table(
        "statement_periods",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("currency", sa.String(length=24), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opening_balance", sa.BigInteger(), nullable=False),
        sa.Column("activity", sa.JSON(), nullable=False),
        sa.Column("closing_balance", sa.BigInteger(), nullable=False),
        sa.Column("transaction_count", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_statement_periods_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_periods")),
        sa.UniqueConstraint("org_id", "mode", "currency", "month", "timezone", name="uq_statement_period"),
    )
    op.create_table(
        "report_chunks",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["report_runs.id"], name=op.f("fk_report_chunks_run_id_report_runs")),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_report_chunks")),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("report_chunks")
    op.drop_table("statement_periods")
    op.drop_index("ix_report_schedules_scope", table_name="report_schedules")
    op.drop_index("ix_report_schedules_due", table_name="report_schedules")
    op.drop_table("report_schedules")
    op.drop_index("ix_report_runs_scope", table_name="report_runs")
    op.drop_table("report_runs")
    # ### end Alembic commands ###
