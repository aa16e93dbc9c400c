"""Build the process-wide context and worker: shared by the API (create_app) and `rewardkit worker`."""

from __future__ import annotations

from rewardkit.config import Settings
from rewardkit.events import service as events
from rewardkit.jobs.worker import Worker
from rewardkit.kit.context import AppContext, keyring_for
from rewardkit.kit.db import Database, create_engine
from rewardkit.kit.idempotency import IdempotencyStore
from rewardkit.suppliers.registry import Registry
from rewardkit.tasks import HANDLERS
from rewardkit.webhooks import service as webhooks


def build_context(settings: Settings, pool_size: int | None = None) -> AppContext:
    engine = create_engine(
        settings.database_url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        echo=settings.log_sql,
    )
    db = Database(engine)
    keyring = keyring_for(settings)
    ctx = AppContext(
        settings=settings,
        db=db,
        keyring=keyring,
        idempotency=IdempotencyStore(db, keyring, settings.idempotency_ttl_hours, settings.idempotency_lock_seconds),
    )
    ctx.caches["suppliers"] = Registry.from_file(settings.suppliers_file, ctx)
    wire_events()
    return ctx


def wire_events() -> None:
    """Every event fans out to webhook deliveries, in its own transaction: the API, the workers and
    every CLI command that writes events (wallets fund) call this."""
    events.subscribe(webhooks.fan_out)


def build_worker(ctx: AppContext, concurrency: int | None = None) -> Worker:
    s = ctx.settings
    return Worker(
        ctx,
        HANDLERS,
        concurrency=concurrency or s.worker_concurrency,
        lease_seconds=s.job_lease_seconds,
        poll_seconds=s.job_poll_seconds,
    )
