"""event sequences: each event names the resource it is about and its place among that resource's
events; webhook endpoints may ask for ordered delivery (#12)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_sequences",
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("resource_id", sa.String(length=40), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "resource_id", name=op.f("pk_event_sequences")),
    )
    # Events written before this revision keep NULL: their order is not known after the fact.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resource_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint("uq_events_resource_sequence", ["org_id", "mode", "resource_id", "sequence"])
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ordered", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("ordered")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_events_resource_sequence", type_="unique")
        batch_op.drop_column("sequence")
        batch_op.drop_column("resource_id")
    op.drop_table("event_sequences")
