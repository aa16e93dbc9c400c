"""The `sms.send` job: one attempt to hand a queued message to its mode's provider, outside any
transaction, then one transaction that records what happened.

A permanent failure (invalid or unsubscribed recipient, credentials refused) fails the message at
once; a temporary one (429, 5xx, timeout) is retried with the jobs' exponential backoff (longer if
the provider sent Retry-After) until `REWARDKIT_SMS_MAX_ATTEMPTS`, then fails the message. At least
once: a crash after the provider accepted but before we recorded it sends again (same idempotency ref).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rewardkit.jobs.service import Retry, backoff, finish_current
from rewardkit.kit.sms import SmsError, SmsResult, sandbox_outcome
from rewardkit.sms import service
from rewardkit.sms.gateway import SmsGateway

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


async def send(ctx: Runtime, payload: dict[str, Any], attempt: int) -> None:
    sms_id = str(payload["sms_id"])
    max_attempts = int(payload.get("max_attempts") or ctx.settings.sms_max_attempts)
    async with ctx.db.unit_of_work(readonly=True) as s:
        loaded = await service.load_for_send(s, ctx, sms_id)
    if loaded is None:
        return  # canceled, or already recorded by an earlier run
    message, to, body = loaded
    provider_name = "sandbox"
    result: SmsResult | None = None
    try:
        if message.mode == "test":
            result = sandbox_outcome(to, attempt, message.id)
        if result is None:
            provider = ctx.part(SmsGateway).provider(message.mode)
            if provider is None:
                raise SmsError("not_configured", "no SMS provider is configured for live mode", permanent=True)
            provider_name = provider.name
            result = await provider.send(to, body, idempotency_ref=message.id)
    except SmsError as exc:
        final = exc.permanent or attempt >= max_attempts
        async with ctx.db.unit_of_work() as s:
            await service.record_failure(s, message, attempt, provider_name, exc, final=final)
            if final:
                await finish_current(s)
        if not final:
            delay = backoff(attempt, base=ctx.settings.job_backoff_base_seconds)
            # Our code only: the provider's message may quote what we sent.
            raise Retry(f"sms {exc.code}", delay=max(delay, exc.retry_after or 0.0)) from None
        return
    async with ctx.db.unit_of_work() as s:
        await service.record_sent(s, message, attempt, provider_name, result)
        await finish_current(s)
