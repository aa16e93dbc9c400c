"""The delivery job: sign, POST with SSRF checks at send time, log the attempt, decide what next.

At-least-once: a crash after the receiver answered but before we recorded it sends again (with the
same webhook-id, so receivers can de-duplicate).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from rewardkit.jobs.service import Defer, finish_current
from rewardkit.kit import faults
from rewardkit.kit.db import utcnow
from rewardkit.kit.outbound import Policy, UnsafeDestination
from rewardkit.webhooks import repository, service, signing
from rewardkit.webhooks.models import ENDPOINT_DISABLED, WebhookAttempt, WebhookEndpoint

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

# `Retry-After` (seconds, on a 429 or 503) may delay a retry, never hasten it: the next attempt is at
# max(the schedule's delay for this attempt number, Retry-After), Retry-After clamped to this. The
# schedule position is the attempt number whatever the answers, so the whole retry window is never
# shorter than the schedule's, and no retry waits longer than max(its schedule delay, this) (docs/webhooks.md).
MAX_RETRY_AFTER = 6 * 3600.0

# A pending delivery whose endpoint is disabled is neither attempted nor failed: it waits, looking again
# this often, and resumes with its next attempt once the endpoint is enabled again (docs/webhooks.md).
DISABLED_RECHECK_SECONDS = 60.0

# A healthy endpoint frees a slot within milliseconds: wait that long for one rather than putting the
# delivery back for half a second (which made a burst to one endpoint slow); a slow endpoint's
# deliveries still go back to the queue, so they do not hold worker slots other endpoints need.
SLOT_WAIT_SECONDS = 0.25

# Ordered delivery: a resource's event whose predecessor to the same endpoint is still pending looks
# again this often (without spending an attempt); it never holds a worker slot while it waits.
ORDERED_RECHECK_SECONDS = 1.0


class Deliveries:
    """What deliveries share in a process (a runtime part, webhooks/module.py): how many deliveries each
    endpoint has in flight, so one slow endpoint cannot take every worker slot and delay other
    endpoints' (and other orgs') deliveries, and the outbound policies. The HTTP client is the
    runtime's `outbound` (kit/outbound.py), shared with the http supplier."""

    def __init__(self) -> None:
        self.in_flight: dict[str, int] = defaultdict(int)
        self._freed: dict[str, asyncio.Condition] = {}
        self._policies: dict[tuple[float, bool, bool], Policy] = {}

    @classmethod
    def open(cls, rt: object) -> Deliveries:
        return cls()

    async def take_slot(self, endpoint_id: str, cap: int) -> bool:
        if self.in_flight[endpoint_id] < cap:
            self.in_flight[endpoint_id] += 1
            return True
        freed = self._freed.setdefault(endpoint_id, asyncio.Condition())
        async with freed:
            try:
                await asyncio.wait_for(freed.wait_for(lambda: self.in_flight[endpoint_id] < cap), SLOT_WAIT_SECONDS)
            except TimeoutError:
                return False
            self.in_flight[endpoint_id] += 1
            return True

    async def free_slot(self, endpoint_id: str) -> None:
        self.in_flight[endpoint_id] -= 1
        freed = self._freed.get(endpoint_id)
        if freed is not None:
            async with freed:
                freed.notify(1)

    def policy(self, timeout: float, live: bool, allow_private: bool) -> Policy:
        """A customer-supplied URL: pinned to the checked addresses, https in live mode (one Policy per
        kind, made once)."""
        key = (timeout, live, allow_private)
        found = self._policies.get(key)
        if found is None:
            found = self._policies[key] = Policy(
                timeout=timeout, max_response_bytes=4096, https_only=live, allow_private=allow_private
            )
        return found


def _retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


async def deliver(ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
    delivery_id = payload["delivery_id"]
    waiting_for: str | None = None
    async with ctx.db.unit_of_work(readonly=True) as s:
        bundle = await repository.delivery_bundle(s, delivery_id)
        if bundle is not None and bundle.endpoint.ordered and bundle.event.resource_id and bundle.event.sequence:
            waiting_for = await repository.earlier_pending(
                s, bundle.endpoint, bundle.event.resource_id, bundle.event.sequence
            )
    if bundle is None:
        return  # the endpoint was deleted
    delivery, endpoint, event = bundle
    if delivery.status != "pending":
        return
    if not endpoint.enabled:
        # No attempt row (the last one already holds this attempt number) and no status change: the
        # delivery keeps its place in the schedule until the endpoint is enabled again or deleted.
        raise Defer(f"endpoint {endpoint.id} is disabled", delay=DISABLED_RECHECK_SECONDS)
    if waiting_for is not None:
        # Per resource only: the lookup is by this event's resource, so other resources' deliveries
        # to this endpoint go on meanwhile (no head-of-line blocking across resources).
        raise Defer(f"waiting for {waiting_for}, an earlier event of {event.resource_id}", ORDERED_RECHECK_SECONDS)
    number = delivery.attempts + 1
    # Built before a slot is taken: either can raise (an event or secret under a retired key), and a slot
    # taken outside the try/finally below would never be given back.
    body = service.payload(ctx, event, endpoint.api_version)
    headers = signing.headers(service.signing_secrets(ctx, endpoint), event.id, int(time.time()), body)
    slots = ctx.part(Deliveries)
    if not await slots.take_slot(endpoint.id, ctx.settings.webhook_max_in_flight_per_endpoint):
        raise Defer(f"endpoint {endpoint.id} is busy", delay=0.5)
    status_code: int | None = None
    excerpt, error, resp_headers = "", None, {}
    started = time.perf_counter()
    try:
        policy = slots.policy(
            ctx.settings.webhook_timeout_seconds, endpoint.mode == "live", service._allow_private(ctx, endpoint.mode)
        )
        resp = await ctx.outbound.post_guarded(policy, endpoint.url, content=body, headers=headers)
        status_code, excerpt, resp_headers = resp.status_code, resp.body_excerpt, resp.headers
    except UnsafeDestination as exc:
        error = f"refused: {exc.reason}"
    except httpx.TimeoutException:
        error = f"timed out after {ctx.settings.webhook_timeout_seconds:g}s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
    finally:
        await slots.free_slot(endpoint.id)
    latency = int((time.perf_counter() - started) * 1000)
    faults.checkpoint("deliver:sent")  # crash tests: the receiver has it, we have not recorded it

    if status_code is not None and 200 <= status_code < 300:
        await _finish(ctx, delivery_id, number, "succeeded", status_code, latency, excerpt, None, endpoint, ok=True)
        return
    if status_code == 410:  # the receiver says: gone for good
        await _finish(ctx, delivery_id, number, "failed", status_code, latency, excerpt, error)
        await _disable(ctx, endpoint, "the endpoint answered 410 Gone")
        return
    delays = service.schedule(ctx)
    exhausted = number > len(delays)
    await _finish(
        ctx, delivery_id, number, "failed" if exhausted else "pending", status_code, latency, excerpt, error, endpoint
    )
    if exhausted:
        return
    delay = next_delay(delays, number, status_code, resp_headers)
    raise Defer(f"attempt {number} got {status_code or error}", delay=delay)


def next_delay(delays: list[int], number: int, status_code: int | None, headers: dict[str, str]) -> float:
    """Seconds until the attempt after attempt `number`: the schedule's delay for that number, or a longer
    Retry-After (429/503 only, clamped to MAX_RETRY_AFTER). Never shorter than the schedule's."""
    delay = float(delays[number - 1])
    if status_code in (429, 503):
        delay = max(delay, _retry_after(headers) or 0.0)
    return delay


async def _finish(
    ctx: Runtime,
    delivery_id: str,
    number: int,
    status: str,
    status_code: int | None,
    latency: int,
    excerpt: str,
    error: str | None,
    endpoint: WebhookEndpoint | None = None,
    ok: bool = False,
) -> None:
    now = utcnow()
    if number:  # rewardkit_webhook_deliveries{outcome}: succeeded, retry (pending again) or failed for good
        ctx.metrics.deliveries.labels("retry" if status == "pending" else status).inc()
    async with ctx.db.unit_of_work() as s:
        if number:
            attempt = WebhookAttempt(
                delivery_id=delivery_id,
                attempt=number,
                status_code=status_code,
                latency_ms=latency,
                response_excerpt=excerpt[:1024],
                error=error,
                created_at=now,
            )
            await repository.record_attempt(s, attempt, delivery_id, status, now)
        if endpoint is None:
            return
        if ok:
            if endpoint.failing_since is not None:
                await repository.update_endpoint(s, endpoint.id, {"failing_since": None})
            await finish_current(s)  # delivered: the job is done in this same commit
            return
        since = endpoint.failing_since or now
        if endpoint.failing_since is None:
            await repository.update_endpoint(s, endpoint.id, {"failing_since": now})
    if endpoint is not None and not ok and since <= now - timedelta(hours=ctx.settings.webhook_disable_after_hours):
        await _disable(ctx, endpoint, f"every delivery failed for {ctx.settings.webhook_disable_after_hours:g} hours")


async def _disable(ctx: Runtime, endpoint: WebhookEndpoint, reason: str) -> None:
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        await repository.update_endpoint(
            s, endpoint.id, {"enabled": False, "disabled_reason": reason, "updated_at": now}
        )
        await ctx.events.emit(
            s,
            endpoint.org_id,
            endpoint.mode,
            ENDPOINT_DISABLED,
            {"object": "webhook_endpoint", "id": endpoint.id, "url": endpoint.url, "reason": reason},
            # fans out to the org's other endpoints; this one is already disabled, so not to it
        )
