"""Events: emitted inside the caller's unit of work, so an event exists exactly when its change does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Insert, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.models import Event, EventSequence
from rewardkit.kit import sql
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.module import Subscriber

_EVENTS = sql.table(Event)
_INSERT = insert(_EVENTS)
_SEQUENCES = sql.table(EventSequence)
_SET_SEQUENCE = update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id")).values(sequence=bindparam("number"))


def _take_numbers(dialect: Any) -> Insert:
    """Reserve `last_sequence` more numbers for a resource and return its new last: an upsert, so the
    first event of a resource needs no row beforehand and two transactions for the same resource
    queue on its row (PostgreSQL row lock; SQLite has one writer) instead of reading the same last."""
    stmt = dialect.insert(_SEQUENCES)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["scope", "resource_id"],
        set_={"last_sequence": _SEQUENCES.c.last_sequence + stmt.excluded.last_sequence},
    ).returning(_SEQUENCES.c.scope, _SEQUENCES.c.resource_id, _SEQUENCES.c.last_sequence)


_TAKE_NUMBERS = {name: _take_numbers(dialect) for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


class NewEvent(NamedTuple):
    """An event to write: who it belongs to (operator-level events have no org), its type and object."""

    org_id: str | None
    mode: str
    type: str
    data: dict[str, Any]
    # The object the event's sequence number counts; default: the `id` of `data`.
    resource_id: str | None = None


class EventBus:
    """The process's events: the known types (each domain declares its own in its module.py), the
    keyring their payloads are encrypted with, and the subscribers every write's events are handed to
    inside its transaction (webhook fan-out). Owned by the runtime."""

    def __init__(
        self,
        keyring: Keyring,
        types: Iterable[str],
        subscribers: Iterable[Subscriber] = (),
        ranks: Mapping[str, int] | None = None,
    ) -> None:
        self.keyring = keyring
        self.types = frozenset(types)
        self.subscribers = tuple(subscribers)
        # Ranked types (Module.event_ranks): the sequence is the type's step in its resource's
        # lifecycle, known before any write. Orders' events are ranked: counting them cost 2 upserts
        # and 2 updates per order (24 -> 28 statements, -10 % max orders/s in bench.compare, 3 runs).
        self.ranks = dict(ranks or {})

    async def emit(
        self,
        s: AsyncSession,
        org_id: str | None,
        mode: str,
        type_: str,
        data: dict[str, Any],
        *,
        fan_out: bool = True,
        resource_id: str | None = None,
    ) -> Event:
        (event,) = self.new([NewEvent(org_id, mode, type_, data, resource_id)])
        await number(s, [event])
        await sql.run(s, _INSERT, sql.row_values(event))  # Core: events are written on every order's hot path
        if fan_out:
            await self.fan_out(s, [event])
        return event

    def new(self, items: list[NewEvent]) -> list[Event]:
        """emit() for a batch, not written yet: write them with insert_rows in one round trip with other
        rows (sql.write_all), then fan_out, which numbers them (in the same transaction)."""
        now = utcnow()
        made = []
        for org_id, mode, type_, data, resource_id in items:
            if type_ not in self.types:
                raise ValueError(f"unknown event type {type_!r}")
            payload = self.keyring.encrypt(orjson.dumps(data).decode())
            about = resource_id or (data["id"] if isinstance(data.get("id"), str) else None)
            made.append(
                Event(
                    id=new_id("evt"),
                    org_id=org_id,
                    mode=mode,
                    type=type_,
                    payload=payload,
                    created_at=now,
                    resource_id=about,
                    sequence=self.ranks.get(type_) if about is not None else None,
                )
            )
        return made

    async def fan_out(self, s: AsyncSession, made: list[Event]) -> None:
        """The written events to their subscribers (webhook deliveries), in the same transaction; events
        written by insert_rows get their sequence numbers here first."""
        if made:
            late = await number(s, made)
            if late:
                await sql.run(s, _SET_SEQUENCE, [{"event_id": e.id, "number": e.sequence} for e in late])
            for fn in self.subscribers:
                await fn(s, made)


async def number(s: AsyncSession, made: list[Event]) -> list[Event]:
    """Give each event about a resource the next sequence numbers of that resource, in list order (the
    order they were emitted in), in the caller's transaction; returns the events numbered. One
    statement for all the resources of a write, in resource id order (two writes touching the same
    resources lock their counter rows in the same order: no deadlock)."""
    todo = [e for e in made if e.resource_id is not None and e.sequence is None]
    if not todo:
        return []
    wanted: dict[tuple[str, str], int] = {}
    for e in todo:
        wanted[_key(e)] = wanted.get(_key(e), 0) + 1
    rows = [{"scope": k[0], "resource_id": k[1], "last_sequence": wanted[k]} for k in sorted(wanted)]
    result = await sql.run(s, _TAKE_NUMBERS[s.get_bind().dialect.name], rows)
    # The first number of each resource's run: its new last minus how many it took, plus one.
    following = {(r.scope, r.resource_id): r.last_sequence - wanted[r.scope, r.resource_id] + 1 for r in result}
    for e in todo:
        e.sequence = following[_key(e)]
        following[_key(e)] += 1
    return todo


def _key(e: Event) -> tuple[str, str]:
    """The counter row of an event's resource: resource ids are unique within an org and mode."""
    assert e.resource_id is not None
    return f"{e.org_id or ''}:{e.mode}", e.resource_id


def insert_rows(made: list[Event]) -> sql.Insert:
    return sql.Insert(_EVENTS, [sql.row_values(e) for e in made])


def data_of(keyring: Keyring, event: Event) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(keyring.decrypt(event.payload))
    return data
