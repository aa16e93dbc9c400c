"""The composition root: build the runtime and the job runner from the modules, for the API
(create_app), `rewardkit worker` and every CLI command alike."""

from __future__ import annotations

from collections.abc import Iterable

from rewardkit.config import Settings
from rewardkit.jobs.worker import Handler, Worker
from rewardkit.kit.db import Database, create_engine
from rewardkit.kit.module import Module
from rewardkit.modules import MODULES
from rewardkit.runtime import Runtime, keyring_for


def build_runtime(
    settings: Settings,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    modules: Iterable[Module] = MODULES,
) -> Runtime:
    engine = create_engine(
        settings.database_url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow if max_overflow is None else max_overflow,
        echo=settings.log_sql,
    )
    return Runtime(settings, Database(engine), keyring_for(settings), modules)


def job_handlers(modules: Iterable[Module] = MODULES) -> dict[str, Handler]:
    """Every job kind of every module and its handler; a kind declared twice is a start-up error."""
    handlers: dict[str, Handler] = {}
    for m in modules:
        for kind, handler in m.jobs.items():
            if kind in handlers:
                raise RuntimeError(f"job kind {kind!r} is declared by two modules")
            handlers[kind] = handler
    return handlers


def build_worker(rt: Runtime, concurrency: int | None = None) -> Worker:
    """The process's job runner, kept on the runtime (the fast path of orders runs its jobs)."""
    s = rt.settings
    rt.worker = Worker(
        rt,
        job_handlers(rt.modules),
        concurrency=concurrency or s.worker_concurrency,
        lease_seconds=s.job_lease_seconds,
        poll_seconds=s.job_poll_seconds,
    )
    return rt.worker
