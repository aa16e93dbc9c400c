"""The worker loop: claim due jobs with a lease, run their handlers, record the outcome.

Handlers are plain async functions `handler(ctx, payload, attempt)` registered by kind; they must be
idempotent, because a job whose worker died is run again once its lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import structlog

from rewardkit.jobs import repository
from rewardkit.jobs.models import Job
from rewardkit.jobs.service import CHANNEL, Defer, Retry, Run, current_run, defer_values, retry_values, succeeded_values
from rewardkit.kit.db import utcnow
from rewardkit.kit.module import JobHandler

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.jobs")

Handler = JobHandler  # handler(runtime, payload, attempt)


class Outcome(NamedTuple):
    """A job run's final status (succeeded, queued for a retry, dead, ...) and what its handler returned
    (None unless it succeeded)."""

    status: str
    result: Any


class Worker:
    def __init__(
        self,
        ctx: Runtime,
        handlers: dict[str, Handler],
        *,
        concurrency: int = 8,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.5,
        name: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.handlers = handlers
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.poll = poll_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.backoff_base = ctx.settings.job_backoff_base_seconds
        self._running: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._rescued_at = -math.inf
        self._vacuum_checked = time.monotonic()
        self._vacuum: asyncio.Task[bool] | None = None

    def wake(self) -> None:
        """Called after enqueueing in this process, so the job does not wait for the next poll."""
        self._wake.set()

    async def claim(self, limit: int, job_id: int | None = None) -> list[Job]:
        # Jobs of dead workers (expired leases) are looked for at most once per poll interval: leases
        # last a minute, and that search is the expensive part of a claim (repository.claim).
        now = time.monotonic()
        rescue = now - self._rescued_at >= self.poll
        if rescue:
            self._rescued_at = now
        async with self.ctx.db.unit_of_work() as s:
            return await repository.claim(s, self.name, utcnow(), self.lease, limit, job_id, rescue=rescue)

    async def execute(self, job: Job) -> str:
        """Run one claimed job to an outcome: succeeded, retry (queued) or dead."""
        return (await self.execute_for_result(job)).status

    async def execute_for_result(self, job: Job) -> Outcome:
        """As execute, with what the handler returned (None unless it succeeded)."""
        # Every log line of the run names its job (kit/logs.py merges these context variables).
        with structlog.contextvars.bound_contextvars(job_id=job.id, job_kind=job.kind):
            return await self._execute(job)

    async def _execute(self, job: Job) -> Outcome:
        handler = self.handlers.get(job.kind)
        now = utcnow()
        run = Run(job.id, self.name)
        token = current_run.set(run)
        result: Any = None
        try:
            if handler is None:
                raise RuntimeError(f"no handler for job kind {job.kind!r}")
            result = await handler(self.ctx, job.payload, job.attempts)
        except Defer as d:
            values = defer_values(job, f"deferred: {d}", d.delay, utcnow())
        except Retry as r:
            values = retry_values(job, f"retry: {r}", r.delay, utcnow(), self.ctx.settings.job_backoff_base_seconds)
        except Exception as exc:  # the job's failure is recorded, the worker carries on
            log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, type(exc).__name__)
            values = retry_values(
                job, f"{type(exc).__name__}: {exc}", None, utcnow(), self.ctx.settings.job_backoff_base_seconds
            )
        else:
            values = succeeded_values(now)
        finally:
            current_run.reset(token)
        if not (run.finished and values["status"] == "succeeded"):  # the handler may have finished it already
            async with self.ctx.db.unit_of_work() as s:
                await repository.finish(s, job.id, self.name, values)
        # The status only: last_error may quote a supplier's or receiver's answer.
        log.debug("job attempt %s ended: %s", job.attempts, values["status"])
        self.wake()  # a job often queues others (webhook deliveries): look for them now, not at the next poll
        return Outcome(str(values["status"]), result if values["status"] == "succeeded" else None)

    async def vacuum_if_dead(self, threshold: int | None = None) -> bool:
        """PostgreSQL: VACUUM the jobs table if it holds at least `threshold` dead rows (default
        REWARDKIT_JOB_VACUUM_DEAD_ROWS). A burst of finished jobs leaves dead entries in the claim's
        index that every claim reads until a VACUUM; autovacuum waits for far more of them on a table
        that keeps a week of history, or may be off. Returns whether it vacuumed."""
        threshold = self.ctx.settings.job_vacuum_dead_rows if threshold is None else threshold
        if self.ctx.db.is_sqlite:
            return False  # SQLite removes index entries in place: nothing to vacuum
        async with self.ctx.db.unit_of_work(readonly=True) as s:
            dead = await repository.dead_rows(s)
        if dead < threshold:
            return False
        async with self.ctx.db.engine.connect() as conn:
            await repository.vacuum(conn)
        log.info("vacuumed the jobs table (%s dead rows)", dead)
        return True

    def _maybe_vacuum(self) -> None:
        """At most one check every job_vacuum_check_seconds, in the background: claims go on meanwhile."""
        settings = self.ctx.settings
        now = time.monotonic()
        if self.ctx.db.is_sqlite or settings.job_vacuum_dead_rows == 0:
            return
        if now - self._vacuum_checked < settings.job_vacuum_check_seconds or (self._vacuum and not self._vacuum.done()):
            return
        self._vacuum_checked = now
        self._vacuum = asyncio.create_task(self._vacuum_quietly())

    async def _vacuum_quietly(self) -> bool:
        try:
            return await self.vacuum_if_dead()
        except Exception as exc:  # e.g. the database role does not own the table: autovacuum still does it
            log.warning("could not vacuum the jobs table: %s", exc)
            return False

    async def run_now(self, job_id: int) -> bool:
        """Claim one specific job and run it here (the synchronous fast path of an API call)."""
        jobs = await self.claim(1, job_id)
        if not jobs:
            return False
        await self.execute(jobs[0])
        return True

    async def run_once(self) -> int:
        """Claim and run as many due jobs as there are free slots; returns how many were started."""
        free = self.concurrency - len(self._running)
        if free <= 0:
            return 0
        jobs = await self.claim(free)
        for job in jobs:
            task = asyncio.create_task(self.execute(job))  # type: ignore[arg-type]
            self._running.add(task)  # type: ignore[arg-type]
            task.add_done_callback(self._running.discard)
        return len(jobs)

    async def drain(self, max_seconds: float = 30.0) -> None:
        """Run until no job is due and none is running (tests and one-off maintenance)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        while loop.time() < deadline:
            started = await self.run_once()
            if self._running:
                await asyncio.wait(self._running, timeout=self.poll)
            elif not started:
                return
        raise TimeoutError("jobs still running after drain timeout")

    async def _listen(self, stop: asyncio.Event) -> None:
        """PostgreSQL: LISTEN for jobs enqueued by other processes (jobs.service NOTIFYs at commit), so
        a webhook is sent milliseconds after its event, not at the next poll. Polling stays the
        fallback: a lost connection only costs latency, and is retried."""
        import asyncpg

        dsn = self.ctx.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not stop.is_set():
            conn = None
            try:
                conn = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, gone=lost: gone.set())
                await conn.add_listener(CHANNEL, lambda *_args: self._wake.set())
                self._wake.set()  # anything enqueued while we were not listening
                waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())}
                _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for w in pending:
                    w.cancel()
            except Exception as exc:  # whatever it is, keep polling and try again: never end the listener
                log.warning("job notifications unavailable (%s); polling every %ss", type(exc).__name__, self.poll)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=5)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)

    async def run(self, stop: asyncio.Event) -> None:
        from rewardkit.jobs.tasks import schedule_maintenance

        try:
            await schedule_maintenance(self.ctx)
        except Exception:  # housekeeping must never keep a worker from starting
            log.exception("could not schedule maintenance")
        listener = None
        if not self.ctx.db.is_sqlite:
            listener = asyncio.create_task(self._listen(stop))
        try:
            await self._loop(stop)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before claiming: a wake-up that arrives while we claim is not lost
            try:
                started = await self.run_once()
            except Exception:  # the database may be briefly away; keep polling
                log.exception("worker poll failed")
                started = 0
            self._maybe_vacuum()
            if started == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
        if self._running:
            await asyncio.wait(self._running, timeout=self.lease.total_seconds())
        if self._vacuum is not None:
            await self._vacuum  # never raises (_vacuum_quietly)
