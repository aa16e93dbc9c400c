"""Retention: rows older than a kept period, deleted in bounded batches by the maintenance job.

Each module declares its `Purge` rules (kit/module.py `retention`); the maintenance job (jobs/tasks.py)
runs them in module order. A batch is one short transaction that deletes at most `batch` rows picked
by primary key, so a purge never holds locks on a hot table for long and never rewrites a table in
one statement; a run stops after `max_batches` batches per rule, and the next run carries on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select

from rewardkit.kit.db import Database


@dataclass(frozen=True)
class Purge:
    name: str  # what the logs and docs call it: "events", "succeeded jobs", …
    table: Any  # the ORM class
    # How long its rows are kept, from the settings (`Any`: kit knows no Settings class).
    keep: Callable[[Any], timedelta]
    # Which rows may go, given the cutoff (now - keep): the age test and whatever must still hold them.
    where: Callable[[datetime], ColumnElement[bool]]


@dataclass(frozen=True)
class Purged:
    name: str
    rows: int
    batches: int
    complete: bool  # False: the run stopped at max_batches with rows left for the next run


async def purge(db: Database, rule: Purge, cutoff: datetime, *, batch: int, max_batches: int) -> Purged:
    (pk,) = rule.table.__table__.primary_key.columns
    pick = select(pk).where(rule.where(cutoff)).limit(batch)
    if not db.is_sqlite:
        # Rows a live transaction holds (a job being finished) are left for the next batch, never waited on.
        pick = pick.with_for_update(skip_locked=True)
    stmt = delete(rule.table).where(pk.in_(pick))
    total = batches = 0
    while batches < max_batches:
        async with db.unit_of_work() as s:
            deleted = int((await s.execute(stmt)).rowcount)  # type: ignore[attr-defined]
        batches += 1
        total += deleted
        if deleted < batch:
            return Purged(rule.name, total, batches, True)
        await asyncio.sleep(0)  # let the process's requests and jobs run between batches
    return Purged(rule.name, total, batches, False)
