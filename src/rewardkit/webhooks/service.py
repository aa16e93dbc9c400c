"""Webhook endpoints, fan-out of events to deliveries, and the delivery rules.

Fan-out runs inside the transaction that writes the event, so a delivery (and its job) exists
exactly when the event does: nothing is lost between a commit and a send.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth.principals import Principal
from rewardkit.events import service as events
from rewardkit.events.models import Event
from rewardkit.jobs import service as jobs
from rewardkit.kit import sql, ssrf, versioning
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import ValidationFailed
from rewardkit.kit.ids import new_id
from rewardkit.kit.pagination import decode_cursor, page
from rewardkit.kit.params import utc
from rewardkit.webhooks import repository, signing
from rewardkit.webhooks.errors import (
    EndpointLimitReached,
    EndpointNotFound,
    EventNotFound,
    InvalidWebhookUrl,
    UnknownEventType,
)
from rewardkit.webhooks.models import DELIVER_JOB, WEBHOOK_TEST, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from rewardkit.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EventOut,
)

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

_DELIVERIES = sql.table(WebhookDelivery)


def schedule(ctx: Runtime) -> list[int]:
    return [int(x) for x in ctx.settings.webhook_retry_schedule.split(",")]


def wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return "*" in endpoint.enabled_events or event_type in endpoint.enabled_events


async def fan_out(s: AsyncSession, made: list[Event]) -> None:
    """Subscriber of events.emit: one delivery + one job per enabled endpoint that wants an event, for
    all the events of a write in one more write (sql.write_all: one round trip on PostgreSQL)."""
    # An order emits two or three events in one transaction, a batch many: read each org's endpoints
    # once per transaction.
    memo: dict[tuple[str, str], list[WebhookEndpoint]] = s.info.setdefault("webhook_endpoints", {})
    deliveries: list[WebhookDelivery] = []
    for event in made:
        if event.org_id is None:
            continue
        scope = (event.org_id, event.mode)
        if scope not in memo:
            memo[scope] = await repository.enabled_endpoints(s, event.org_id, event.mode)
        deliveries += [_new_delivery(endpoint, event) for endpoint in memo[scope] if wants(endpoint, event.type)]
    await _write(s, deliveries)


def _new_delivery(endpoint: WebhookEndpoint, event: Event) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        id=new_id("whd"),
        endpoint_id=endpoint.id,
        event_id=event.id,
        status="pending",
        attempts=0,
        created_at=now,
        updated_at=now,
    )


async def _write(s: AsyncSession, deliveries: list[WebhookDelivery]) -> None:
    """The deliveries and a job for each, in one write; the workers are woken after the commit."""
    if not deliveries:
        return
    # max_attempts is generous: the delivery itself decides when the schedule is exhausted.
    queued = jobs.new_queued(DELIVER_JOB, [{"delivery_id": d.id} for d in deliveries], max_attempts=100)
    await sql.write_all(s, [sql.Insert(_DELIVERIES, [sql.row_values(d) for d in deliveries]), jobs.insert_rows(queued)])
    jobs.notify_after_commit(s)


async def _queue(s: AsyncSession, endpoint: WebhookEndpoint, event: Event) -> WebhookDelivery:
    delivery = _new_delivery(endpoint, event)
    await _write(s, [delivery])
    return delivery


# How long creating an endpoint waits for DNS: a name that does not answer in time is accepted (its
# delivery checks again), as is one that does not resolve yet (DNS may be set up after the endpoint).
RESOLVE_AT_CREATION_SECONDS = 2.0


async def _check_url(ctx: Runtime, url: str, mode: str) -> None:
    """The URL's syntax and, in live mode, where its name resolves now: a name that resolves to a
    loopback, private or metadata address is refused at once (every delivery checks again, after
    resolving, and connects to the checked address)."""
    allow_private = _allow_private(ctx, mode)
    try:
        parsed = ssrf.check_url(url, live=mode == "live", allow_private=allow_private)
        if mode == "live" and parsed.ip is None:
            await asyncio.wait_for(
                ssrf.resolve_safe(parsed.host, parsed.port, allow_private=allow_private), RESOLVE_AT_CREATION_SECONDS
            )
    except ssrf.UnsafeDestination as exc:
        raise InvalidWebhookUrl(f"{url!r} cannot receive webhooks: {exc.reason}.") from exc
    except (httpx.ConnectError, TimeoutError):
        pass  # does not resolve (yet), or not in time: each delivery resolves and checks it


def _allow_private(ctx: Runtime, mode: str) -> bool:
    return mode == "test" and ctx.settings.webhook_allow_private_in_test


def render_endpoint(e: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    return EndpointOut(
        id=e.id,
        livemode=e.mode == "live",
        url=e.url,
        description=e.description,
        enabled_events=e.enabled_events,
        enabled=e.enabled,
        ordered=e.ordered,
        disabled_reason=e.disabled_reason,
        secret=secret,
        api_version=e.api_version,
        created_at=e.created_at,
        updated_at=e.updated_at,
    ).model_dump(mode="json")


def check_event_types(ctx: Runtime, types: list[str] | None) -> list[str] | None:
    """`enabled_events` as stored: known types (those the runtime's modules declare) or `*`, sorted and
    without repeats; a 422 naming the unknown ones."""
    if types is None:
        return None
    unknown = [t for t in types if t != "*" and t not in ctx.events.types]
    if unknown:
        known = ", ".join(sorted(ctx.events.types))
        raise ValidationFailed(
            errors=[
                {
                    "field": "enabled_events",
                    "pointer": "/enabled_events",
                    "in": "body",
                    "message": f"unknown event types {unknown}; known: {known} or *",
                    "code": "value_error",
                }
            ]
        )
    return sorted(set(types))


async def create_endpoint(
    ctx: Runtime, ident: Principal, body: EndpointCreate, api_version: str = versioning.LATEST
) -> dict[str, Any]:
    enabled_events = check_event_types(ctx, body.enabled_events) or ["*"]
    await _check_url(ctx, body.url, ident.mode)
    secret = signing.new_secret()
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        org_id=ident.org_id,
        mode=ident.mode,
        url=body.url,
        description=body.description,
        enabled_events=enabled_events,
        enabled=body.enabled,
        ordered=body.ordered,
        secret=ctx.keyring.encrypt(secret),
        api_version=api_version,
        created_at=now,
        updated_at=now,
    )
    cap = ctx.settings.webhook_max_endpoints
    async with ctx.db.unit_of_work() as s:
        # Counted under a lock in the creating transaction: concurrent creations cannot exceed the cap.
        await repository.lock_endpoints_of(s, ident.org_id, ident.mode)
        if await repository.count_endpoints(s, ident.org_id, ident.mode) >= cap:
            raise EndpointLimitReached(
                f"This org already has {cap} {ident.mode} mode webhook endpoints, the most allowed. "
                "Delete one you no longer use, or subscribe an existing one to more events.",
                limit=cap,
            )
        s.add(endpoint)
    return render_endpoint(endpoint, secret)


async def list_endpoints(ctx: Runtime, ident: Principal, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """The endpoints of the key's org and mode, oldest first, a page at a time."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.endpoints(s, ident.org_id, ident.mode, after=decode_cursor(cursor), limit=limit)
    return page(rows, limit, key=lambda e: e.id, render=render_endpoint)


async def get_endpoint(ctx: Runtime, ident: Principal, endpoint_id: str) -> WebhookEndpoint:
    async with ctx.db.unit_of_work(readonly=True) as s:
        found = await repository.endpoint(s, ident.org_id, ident.mode, endpoint_id)
    if found is None:
        raise EndpointNotFound(f"No webhook endpoint {endpoint_id} for this API key.")
    return found


async def list_deliveries(
    ctx: Runtime, ident: Principal, endpoint_id: str, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The endpoint's deliveries, newest first, each with its attempts: one read-only unit of work."""
    async with ctx.db.unit_of_work(readonly=True) as s:
        if await repository.endpoint(s, ident.org_id, ident.mode, endpoint_id) is None:
            raise EndpointNotFound(f"No webhook endpoint {endpoint_id} for this API key.")
        rows = await repository.deliveries(s, endpoint_id, decode_cursor(cursor), limit)
        attempts = await repository.attempts_of(s, [d.id for d, _ in rows[:limit]])
    return page(rows, limit, key=lambda r: r[0].id, render=lambda r: render_delivery(r[0], r[1], attempts))


def render_delivery(d: WebhookDelivery, event_type: str, attempts: dict[str, list[WebhookAttempt]]) -> dict[str, Any]:
    return DeliveryOut(
        id=d.id,
        endpoint_id=d.endpoint_id,
        event_id=d.event_id,
        event_type=event_type,
        status=d.status,
        attempts=[
            AttemptOut(
                attempt=a.attempt,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                response_excerpt=a.response_excerpt,
                error=a.error,
                at=a.created_at,
            )
            for a in attempts.get(d.id, [])
        ],
        created_at=d.created_at,
    ).model_dump(mode="json")


async def update_endpoint(ctx: Runtime, ident: Principal, endpoint_id: str, body: EndpointUpdate) -> dict[str, Any]:
    enabled_events = check_event_types(ctx, body.enabled_events)
    await get_endpoint(ctx, ident, endpoint_id)
    values: dict[str, Any] = body.model_dump(exclude_unset=True, exclude_none=True)
    if enabled_events is not None:
        values["enabled_events"] = enabled_events
    if "url" in values:
        await _check_url(ctx, values["url"], ident.mode)
    if values.get("enabled") is True:  # re-enabling clears the reason and the failure clock
        values.update(disabled_reason=None, failing_since=None)
    values["updated_at"] = utcnow()
    async with ctx.db.unit_of_work() as s:
        await repository.update_endpoint(s, endpoint_id, values)
    return render_endpoint(await get_endpoint(ctx, ident, endpoint_id))


async def delete_endpoint(ctx: Runtime, ident: Principal, endpoint_id: str) -> dict[str, Any]:
    endpoint = await get_endpoint(ctx, ident, endpoint_id)
    async with ctx.db.unit_of_work() as s:
        found = await repository.endpoint(s, ident.org_id, ident.mode, endpoint_id)
        if found is not None:
            await s.delete(found)
    return {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}


async def rotate_secret(ctx: Runtime, ident: Principal, endpoint_id: str, overlap_hours: float) -> dict[str, Any]:
    endpoint = await get_endpoint(ctx, ident, endpoint_id)
    secret = signing.new_secret()
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        await repository.update_endpoint(
            s,
            endpoint_id,
            {
                "secret": ctx.keyring.encrypt(secret),
                "previous_secret": endpoint.secret if overlap_hours > 0 else None,
                "previous_secret_expires_at": now + timedelta(hours=overlap_hours) if overlap_hours > 0 else None,
                "updated_at": now,
            },
        )
    return render_endpoint(await get_endpoint(ctx, ident, endpoint_id), secret)


def signing_secrets(ctx: Runtime, endpoint: WebhookEndpoint) -> list[str]:
    """The current secret, plus the previous one while its overlap lasts."""
    out = [ctx.keyring.decrypt(endpoint.secret)]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > utcnow()
    ):
        out.append(ctx.keyring.decrypt(endpoint.previous_secret))
    return out


async def send_test(ctx: Runtime, ident: Principal, endpoint_id: str) -> dict[str, Any]:
    """A `webhook.test` event, delivered to this endpoint only (whatever events it subscribes to)."""
    endpoint = await get_endpoint(ctx, ident, endpoint_id)
    async with ctx.db.unit_of_work() as s:
        event = await ctx.events.emit(
            s,
            ident.org_id,
            ident.mode,
            WEBHOOK_TEST,
            {"object": "webhook_test", "endpoint_id": endpoint.id, "message": "It works."},
            fan_out=False,
            resource_id=endpoint.id,  # counted with the endpoint's other events (webhook_endpoint.disabled)
        )
        delivery = await _queue(s, endpoint, event)
    return {
        "object": "webhook_delivery",
        "id": delivery.id,
        "event_id": event.id,
        "endpoint_id": endpoint.id,
        "status": "pending",
    }


async def redeliver(ctx: Runtime, ident: Principal, event_id: str, endpoint_id: str | None) -> dict[str, Any]:
    async with ctx.db.unit_of_work() as s:
        event = await repository.event(s, ident.org_id, ident.mode, event_id)
        if event is None:
            raise EventNotFound(f"No event {event_id} for this API key.")
        if endpoint_id:
            one = await repository.endpoint(s, ident.org_id, ident.mode, endpoint_id)
            if one is None:
                raise EndpointNotFound(f"No webhook endpoint {endpoint_id} for this API key.")
            targets = [one]
        else:
            targets = [
                e for e in await repository.enabled_endpoints(s, ident.org_id, ident.mode) if wants(e, event.type)
            ]
        created = [_new_delivery(e, event) for e in targets]
        await _write(s, created)
    return {
        "object": "list",
        "data": [
            {
                "object": "webhook_delivery",
                "id": d.id,
                "event_id": d.event_id,
                "endpoint_id": d.endpoint_id,
                "status": d.status,
            }
            for d in created
        ],
        "has_more": False,
        "next_cursor": None,
    }


async def list_events(
    ctx: Runtime,
    ident: Principal,
    *,
    types: list[str] | None,
    created_gte: datetime | None,
    created_lte: datetime | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """The org's events (this mode), newest first, filtered: one read-only unit of work."""
    for t in types or []:
        if t not in ctx.events.types:
            raise UnknownEventType(f"Unknown event type {t!r}. Known: {', '.join(sorted(ctx.events.types))}.")
    gte, lte = utc(created_gte, "created_gte"), utc(created_lte, "created_lte")
    before = decode_cursor(cursor)
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = await repository.events(
            s, ident.org_id, ident.mode, types=types, created_gte=gte, created_lte=lte, before=before, limit=limit
        )
    return page(rows, limit, key=lambda e: e.id, render=lambda e: render_event(ctx, e))


async def get_event(ctx: Runtime, ident: Principal, event_id: str) -> dict[str, Any]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        event = await repository.event(s, ident.org_id, ident.mode, event_id)
    if event is None:
        raise EventNotFound(f"No event {event_id} for this API key.")
    return render_event(ctx, event)


def render_event(ctx: Runtime, e: Event) -> dict[str, Any]:
    return EventOut(
        id=e.id,
        type=e.type,
        livemode=e.mode == "live",
        created_at=e.created_at,
        resource_id=e.resource_id,
        sequence=e.sequence,
        data=events.data_of(ctx.keyring, e),
    ).model_dump(mode="json")


def payload(ctx: Runtime, e: Event, api_version: str = versioning.LATEST) -> bytes:
    """The body we POST: {id, type, created_at, resource_id, sequence, data}, data being the full object
    (the same fields as the events API's event, docs/webhooks.md), in the endpoint's API version (events
    store the latest shape; an older endpoint's payload is downgraded here, at send time)."""
    return orjson.dumps(
        versioning.downgrade(
            {
                "id": e.id,
                "type": e.type,
                "created_at": e.created_at.isoformat().replace("+00:00", "Z"),
                "resource_id": e.resource_id,
                "sequence": e.sequence,
                "data": events.data_of(ctx.keyring, e),
            },
            "event",
            api_version,
        )
    )
