"""Text messages: queue one in the caller's transaction, and the rules the `sms.send` job applies.

The face other domains call (a reward link's delivery):

    msg = await sms.service.queue_sms(s, rt, org_id=..., mode=..., to="+14155550123", body="...",
                                      reference="rld_…", notify="links.sms_result")

writes the message (number and body encrypted) and its `sms.send` job in the caller's transaction,
so both commit with the link or neither does. When the message is final (`sent`, `failed`), a job of
kind `notify` (if given) is queued in the same transaction with `{"sms_id", "reference", "status",
"error_code"}`: the caller learns the outcome without sms knowing who called it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.phone import PhoneNumberInvalid, mask, parse_e164
from rewardkit.kit.sms import MAX_BODY_CHARS, SmsError, SmsResult
from rewardkit.sms import repository
from rewardkit.sms.errors import InvalidPhoneNumber, SmsBodyInvalid, SmsUnavailable
from rewardkit.sms.gateway import SmsGateway
from rewardkit.sms.models import SEND_JOB, SmsMessage

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


def job_key(sms_id: str) -> str:
    return f"sms:{sms_id}"


async def queue_sms(
    s: AsyncSession,
    rt: Runtime,
    *,
    org_id: str,
    mode: str,
    to: str,
    body: str,
    reference: str = "",
    notify: str | None = None,
    country: str | None = None,
    max_attempts: int | None = None,
) -> SmsMessage:
    """Queue one message in the caller's transaction (never commits). `to` is normalised to E.164
    (`country`, if given, is where the recipient must be). `max_attempts` (default
    REWARDKIT_SMS_MAX_ATTEMPTS) bounds the retries: a one-time code is worthless after a few minutes.
    Raises InvalidPhoneNumber, SmsBodyInvalid or SmsUnavailable (all 422 problems) and then writes nothing."""
    if rt.part(SmsGateway).provider(mode) is None:
        raise SmsUnavailable(
            "No SMS provider is configured for live mode on this server (REWARDKIT_SMS_PROVIDER); "
            "choose another delivery."
        )
    try:
        e164 = parse_e164(to, country=country)
    except PhoneNumberInvalid as exc:
        raise InvalidPhoneNumber(f"The phone number {exc.message}.", reason=exc.reason) from None
    if not body.strip() or len(body) > MAX_BODY_CHARS:
        raise SmsBodyInvalid(f"A text message must have 1 to {MAX_BODY_CHARS} characters; this one has {len(body)}.")
    now = utcnow()
    message = SmsMessage(
        id=new_id("sms"),
        org_id=org_id,
        mode=mode,
        reference=reference,
        to_masked=mask(e164),
        to_sealed=rt.keyring.encrypt(e164),
        body_sealed=rt.keyring.encrypt(body),
        status="queued",
        attempts=0,
        notify=notify,
        created_at=now,
        updated_at=now,
    )
    await repository.add(s, message)
    # The payload names the row only: the number and the body never sit in the jobs table in clear.
    max_attempts = max(1, max_attempts or rt.settings.sms_max_attempts)
    payload = {"sms_id": message.id, "max_attempts": max_attempts}
    await jobs.enqueue(s, SEND_JOB, payload, unique_key=job_key(message.id), max_attempts=max_attempts)
    return message


async def get_message(s: AsyncSession, org_id: str, mode: str, sms_id: str) -> SmsMessage | None:
    """In the caller's session: the message, if it is this org's in this mode."""
    return await repository.get_scoped(s, org_id, mode, sms_id)


async def cancel_sms(s: AsyncSession, sms_id: str, reason: str = "canceled") -> bool:
    """In the caller's transaction: a message not sent yet will not be (its job ends); False if it was
    already final. A send already in flight may still reach the phone."""
    now = utcnow()
    if not await repository.update_queued(
        s, sms_id, {"status": "canceled", "body_sealed": None, "error_message": reason[:300], "updated_at": now}
    ):
        return False
    await jobs.stop(s, job_key(sms_id), reason)
    return True


# --- what the sms.send job reads and records (sms/tasks.py) ------------------------------------------


async def load_for_send(s: AsyncSession, rt: Runtime, sms_id: str) -> tuple[SmsMessage, str, str] | None:
    """The queued message with its number and body decrypted; None if it is gone or no longer queued."""
    message = await repository.get(s, sms_id)
    if message is None or message.status != "queued" or message.body_sealed is None:
        return None
    return message, rt.keyring.decrypt(message.to_sealed), rt.keyring.decrypt(message.body_sealed)


async def record_sent(s: AsyncSession, message: SmsMessage, attempt: int, provider: str, result: SmsResult) -> bool:
    now = utcnow()
    values: dict[str, Any] = {
        "status": "sent", "attempts": attempt, "provider": provider, "provider_id": result.provider_id[:64] or None,
        "body_sealed": None, "error_code": None, "provider_code": None, "error_message": None,
        "updated_at": now, "sent_at": now,
    }  # fmt: skip
    if not await repository.update_queued(s, message.id, values):
        return False
    await _notify(s, message, "sent", None)
    return True


async def record_failure(
    s: AsyncSession, message: SmsMessage, attempt: int, provider: str, error: SmsError, *, final: bool
) -> bool:
    """A failed attempt: the message is `failed` if `final`, else it stays queued for the retry."""
    values: dict[str, Any] = {
        "attempts": attempt, "provider": provider, "error_code": error.code, "provider_code": error.provider_code,
        "error_message": error.message[:300], "updated_at": utcnow(),
    }  # fmt: skip
    if final:
        values.update(status="failed", body_sealed=None)
    if not await repository.update_queued(s, message.id, values):
        return False
    if final:
        await _notify(s, message, "failed", error.code)
    return True


async def _notify(s: AsyncSession, message: SmsMessage, status: str, error_code: str | None) -> None:
    if message.notify:
        payload = {"sms_id": message.id, "reference": message.reference, "status": status, "error_code": error_code}
        await jobs.enqueue(s, message.notify, payload, unique_key=f"sms-result:{message.id}")
