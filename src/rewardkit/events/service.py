"""Events: emitted inside the caller's unit of work, so an event exists exactly when its change does."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.models import TYPES, Event
from rewardkit.kit import sql
from rewardkit.kit.crypto import Keyring
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id

_EVENTS = sql.table(Event)
_INSERT = insert(_EVENTS)

# Called with the new events of a write, inside the same transaction (webhook fan-out hooks in here).
_SUBSCRIBERS: list[Any] = []


def subscribe(fn: Any) -> None:
    if fn not in _SUBSCRIBERS:  # create_app may run several times in one process (tests)
        _SUBSCRIBERS.append(fn)


async def emit(
    s: AsyncSession,
    keyring: Keyring,
    org_id: str | None,
    mode: str,
    type_: str,
    data: dict[str, Any],
    *,
    fan_out: bool = True,
) -> Event:
    if type_ not in TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    payload = keyring.encrypt(orjson.dumps(data).decode())
    event = Event(id=new_id("evt"), org_id=org_id, mode=mode, type=type_, payload=payload, created_at=utcnow())
    await sql.run(s, _INSERT, sql.row_values(event))  # Core: events are written on every order's hot path
    if fan_out:
        for fn in _SUBSCRIBERS:
            await fn(s, [event])
    return event


def new_events(keyring: Keyring, items: list[tuple[str | None, str, str, dict[str, Any]]]) -> list[Event]:
    """emit() for a batch of (org_id, mode, type, data), not written yet: write them with insert_rows in
    one round trip with other rows (sql.write_all), then fan_out."""
    now = utcnow()
    made = []
    for org_id, mode, type_, data in items:
        if type_ not in TYPES:
            raise ValueError(f"unknown event type {type_!r}")
        payload = keyring.encrypt(orjson.dumps(data).decode())
        made.append(Event(id=new_id("evt"), org_id=org_id, mode=mode, type=type_, payload=payload, created_at=now))
    return made


def insert_rows(made: list[Event]) -> sql.Insert:
    return sql.Insert(_EVENTS, [sql.row_values(e) for e in made])


async def fan_out(s: AsyncSession, made: list[Event]) -> None:
    """The written events to their subscribers (webhook deliveries), in the same transaction."""
    if made:
        for fn in _SUBSCRIBERS:
            await fn(s, made)


def data_of(keyring: Keyring, event: Event) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(keyring.decrypt(event.payload))
    return data
