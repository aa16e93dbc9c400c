"""All SQL of webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.models import Event
from rewardkit.kit import sql
from rewardkit.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def endpoint(s: AsyncSession, org_id: str, mode: str, endpoint_id: str) -> WebhookEndpoint | None:
    q = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.org_id == org_id, WebhookEndpoint.mode == mode
    )
    return (await s.execute(q)).scalar_one_or_none()


async def endpoints(s: AsyncSession, org_id: str, mode: str) -> list[WebhookEndpoint]:
    q = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.mode == mode)
        .order_by(WebhookEndpoint.id)
    )
    return list((await s.execute(q)).scalars())


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


async def delivery_bundle(s: AsyncSession, delivery_id: str) -> tuple[WebhookDelivery, WebhookEndpoint, Event] | None:
    q = (
        select(WebhookDelivery, WebhookEndpoint, Event)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    row = (await s.execute(q)).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def record_attempt(
    s: AsyncSession, attempt: WebhookAttempt, delivery_id: str, status: str, now: datetime
) -> None:
    s.add(attempt)
    await s.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status=status, attempts=attempt.attempt, updated_at=now)
    )


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
