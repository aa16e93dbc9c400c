"""Events: emitted inside the caller's unit of work, so an event exists exactly when its change does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.models import Event
from rewardkit.kit import sql
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.module import Subscriber

_EVENTS = sql.table(Event)
_INSERT = insert(_EVENTS)


class NewEvent(NamedTuple):
    """An event to write: who it belongs to (operator-level events have no org), its type and object."""

    org_id: str | None
    mode: str
    type: str
    data: dict[str, Any]


class EventBus:
    """The process's events: the known types (each domain declares its own in its module.py), the
    keyring their payloads are encrypted with, and the subscribers every write's events are handed to
    inside its transaction (webhook fan-out). Owned by the runtime."""

    def __init__(self, keyring: Keyring, types: Iterable[str], subscribers: Iterable[Subscriber] = ()) -> None:
        self.keyring = keyring
        self.types = frozenset(types)
        self.subscribers = tuple(subscribers)

    async def emit(
        self, s: AsyncSession, org_id: str | None, mode: str, type_: str, data: dict[str, Any], *, fan_out: bool = True
    ) -> Event:
        (event,) = self.new([NewEvent(org_id, mode, type_, data)])
        await sql.run(s, _INSERT, sql.row_values(event))  # Core: events are written on every order's hot path
        if fan_out:
            await self.fan_out(s, [event])
        return event

    def new(self, items: list[NewEvent]) -> list[Event]:
        """emit() for a batch, not written yet: write them with insert_rows in one round trip with other
        rows (sql.write_all), then fan_out."""
        now = utcnow()
        made = []
        for org_id, mode, type_, data in items:
            if type_ not in self.types:
                raise ValueError(f"unknown event type {type_!r}")
            payload = self.keyring.encrypt(orjson.dumps(data).decode())
            made.append(Event(id=new_id("evt"), org_id=org_id, mode=mode, type=type_, payload=payload, created_at=now))
        return made

    async def fan_out(self, s: AsyncSession, made: list[Event]) -> None:
        """The written events to their subscribers (webhook deliveries), in the same transaction."""
        if made:
            for fn in self.subscribers:
                await fn(s, made)


def insert_rows(made: list[Event]) -> sql.Insert:
    return sql.Insert(_EVENTS, [sql.row_values(e) for e in made])


def data_of(keyring: Keyring, event: Event) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(keyring.decrypt(event.payload))
    return data
