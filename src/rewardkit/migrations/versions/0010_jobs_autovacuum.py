"""jobs: vacuumed after a fixed number of dead rows on PostgreSQL, not after a fifth of the table

Every claim and finish of a job leaves a dead row version and dead index entries in ix_jobs_due that
claims read until VACUUM removes them. With the default thresholds, autovacuum waits until a fifth
of the table is dead, and the table holds a week of succeeded jobs (retention), so after a burst the
workers read the dead entries for a long time (docs/jobs.md "Dead index entries", with the figures).
Storage parameters are PostgreSQL's only; on SQLite a revision with nothing to do.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_threshold")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE jobs RESET ({', '.join(SETTINGS)})")
