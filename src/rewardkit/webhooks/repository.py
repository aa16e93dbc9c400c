"""All SQL of webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.models import Event
from rewardkit.kit import sql
from rewardkit.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def endpoint(s: AsyncSession, org_id: str, mode: str, endpoint_id: str) -> WebhookEndpoint | None:
    q = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.org_id == org_id, WebhookEndpoint.mode == mode
    )
    return (await s.execute(q)).scalar_one_or_none()


async def endpoints(
    s: AsyncSession, org_id: str, mode: str, *, after: str | None = None, limit: int | None = None
) -> list[WebhookEndpoint]:
    """Oldest first (ids are time-sortable); `after` a cursor's id, `limit` + 1 rows to learn has_more."""
    q = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.mode == mode)
        .order_by(WebhookEndpoint.id)
    )
    if after is not None:
        q = q.where(WebhookEndpoint.id > after)
    if limit is not None:
        q = q.limit(limit + 1)
    return list((await s.execute(q)).scalars())


async def count_endpoints(s: AsyncSession, org_id: str, mode: str) -> int:
    q = select(func.count()).where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.mode == mode)
    return int((await s.execute(q)).scalar_one())


async def lock_endpoints_of(s: AsyncSession, org_id: str, mode: str) -> None:
    """Until the commit, no other transaction may add an endpoint for this org and mode: two creations
    at once must not both see room under the cap. PostgreSQL: a transaction-scoped advisory lock on the
    (org, mode) pair, which locks no table row; SQLite: a write transaction already has the database
    to itself (BEGIN IMMEDIATE)."""
    if s.get_bind().dialect.name == "postgresql":
        await s.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:scope, 0))"),
            {"scope": f"webhook_endpoints:{org_id}:{mode}"},
        )


_ENDPOINTS = sql.table(WebhookEndpoint)
_ENABLED = (
    select(_ENDPOINTS)
    .where(_ENDPOINTS.c.org_id == bindparam("org_id"), _ENDPOINTS.c.mode == bindparam("mode"), _ENDPOINTS.c.enabled)
    .order_by(_ENDPOINTS.c.id)
)


async def enabled_endpoints(s: AsyncSession, org_id: str, mode: str) -> list[WebhookEndpoint]:
    """Read for every event (Core: on the order hot path); detached objects, read-only here."""
    rows = await sql.run(s, _ENABLED, {"org_id": org_id, "mode": mode})
    return [sql.from_row(WebhookEndpoint, r) for r in rows]


async def update_endpoint(s: AsyncSession, endpoint_id: str, values: dict[str, Any]) -> None:
    await s.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(**values))


# Every delivery reads its bundle and records its attempt: Core statements, built once.
_DELIVERIES, _ATTEMPTS, _EVENTS = sql.table(WebhookDelivery), sql.table(WebhookAttempt), sql.table(Event)
_BUNDLE = (
    select(_DELIVERIES, _ENDPOINTS, _EVENTS)
    .select_from(
        _DELIVERIES.join(_ENDPOINTS, _ENDPOINTS.c.id == _DELIVERIES.c.endpoint_id).join(
            _EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id
        )
    )
    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)
_INSERT_ATTEMPT = insert(_ATTEMPTS)
_DELIVERY_STATUS = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
    .values(status=bindparam("status"), attempts=bindparam("attempts"), updated_at=bindparam("updated_at"))
)


# Ordered delivery: is an earlier event of the same resource still pending to this endpoint? Read
# through events' (org_id, mode, resource_id, sequence) unique index and deliveries' event_id index.
_EARLIER_PENDING = (
    select(_DELIVERIES.c.id)
    .select_from(_DELIVERIES.join(_EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id))
    .where(
        _EVENTS.c.org_id == bindparam("org_id"),
        _EVENTS.c.mode == bindparam("mode"),
        _EVENTS.c.resource_id == bindparam("resource_id"),
        _EVENTS.c.sequence < bindparam("sequence"),
        _DELIVERIES.c.endpoint_id == bindparam("endpoint_id"),
        _DELIVERIES.c.status == "pending",
    )
    .limit(1)
)


async def earlier_pending(s: AsyncSession, endpoint: WebhookEndpoint, resource_id: str, sequence: int) -> str | None:
    """The id of a pending delivery to this endpoint of an earlier event of the resource, if any."""
    params = {
        "endpoint_id": endpoint.id,
        "org_id": endpoint.org_id,
        "mode": endpoint.mode,
        "resource_id": resource_id,
        "sequence": sequence,
    }
    found: str | None = (await sql.run(s, _EARLIER_PENDING, params)).scalar_one_or_none()
    return found


class Bundle(NamedTuple):
    """What one delivery attempt needs: the delivery, its endpoint and its event, in one read."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: Event


async def delivery_bundle(s: AsyncSession, delivery_id: str) -> Bundle | None:
    row = (await sql.run(s, _BUNDLE, {"delivery_id": delivery_id})).one_or_none()
    if row is None:
        return None
    return Bundle(
        sql.from_row(WebhookDelivery, row, prefix="webhook_deliveries_"),
        sql.from_row(WebhookEndpoint, row, prefix="webhook_endpoints_"),
        sql.from_row(Event, row, prefix="events_"),
    )


async def record_attempt(
    s: AsyncSession, attempt: WebhookAttempt, delivery_id: str, status: str, now: datetime
) -> None:
    await sql.run(s, _INSERT_ATTEMPT, sql.row_values(attempt))
    params = {"delivery_id": delivery_id, "status": status, "attempts": attempt.attempt, "updated_at": now}
    await sql.run(s, _DELIVERY_STATUS, params)


async def deliveries(
    s: AsyncSession, endpoint_id: str, before: str | None, limit: int
) -> list[tuple[WebhookDelivery, str]]:
    q = (
        select(WebhookDelivery, Event.type)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit + 1)
    )
    if before:
        q = q.where(WebhookDelivery.id < before)
    return [(d, t) for d, t in (await s.execute(q)).all()]


async def attempts_of(s: AsyncSession, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    if not delivery_ids:
        return {}
    q = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)).order_by(WebhookAttempt.id)
    out: dict[str, list[WebhookAttempt]] = {}
    for a in (await s.execute(q)).scalars():
        out.setdefault(a.delivery_id, []).append(a)
    return out


async def event(s: AsyncSession, org_id: str, mode: str, event_id: str) -> Event | None:
    q = select(Event).where(Event.id == event_id, Event.org_id == org_id, Event.mode == mode)
    return (await s.execute(q)).scalar_one_or_none()


async def events(
    s: AsyncSession,
    org_id: str,
    mode: str,
    *,
    types: list[str] | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    before: str | None,
    limit: int,
) -> list[Event]:
    q = select(Event).where(Event.org_id == org_id, Event.mode == mode).order_by(Event.id.desc()).limit(limit + 1)
    if types:
        q = q.where(Event.type.in_(types))
    if created_gte:
        q = q.where(Event.created_at >= created_gte)
    if created_lte:
        q = q.where(Event.created_at <= created_lte)
    if before:
        q = q.where(Event.id < before)
    return list((await s.execute(q)).scalars())
