"""Alembic environment: runs on the connection rewardkit.migrate hands it (SQLite or PostgreSQL)."""

from alembic import context

from rewardkit.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `rewardkit migrate`, which supplies the database connection.")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
