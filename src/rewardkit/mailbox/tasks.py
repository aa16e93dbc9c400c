"""The `mail.send` job: unseal the rendered email, send it over SMTP, decide what next.

A temporary failure (4xx, no connection, a timeout, credentials refused) is retried with the jobs'
exponential backoff up to REWARDKIT_MAIL_MAX_ATTEMPTS; a permanent refusal (5xx) makes the job dead at
once, its reason in `last_error` (`rewardkit jobs list --status dead`). The sandbox's refusing address
(reject@sandbox.rewardkit.dev) is not an operational failure: like the sandbox's failing SMS numbers,
its job succeeds with a "failed", permanent result, and the delivery it notifies is `failed`.
At-least-once: a crash after the server accepted the message but before the job was recorded sends it
again, with the same Message-ID (docs/email.md).

With `notify` in the payload (queue_email's notify=), the final outcome (sent; refused for good; the
last attempt failed) queues that job kind with {ref, status, error, message_id, attempts, permanent} in the
transaction that finishes this job. Test mode's magic addresses (kit/mail.SANDBOX) never reach SMTP.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rewardkit.jobs.service import Retry, enqueue, fail_current, finish_current
from rewardkit.kit.mail import Mailer, MailError, SendResult, sandbox_outcome
from rewardkit.mailbox.service import Outgoing

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.mail")


async def send(rt: Runtime, payload: dict[str, Any], attempt: int) -> dict[str, Any]:
    outgoing = Outgoing.unseal(rt.keyring, payload["message"])
    notify = payload.get("notify")
    sandboxed = False  # the refusal is the sandbox's own (a magic address), not a mail server's
    try:
        result: SendResult | None = None
        if payload.get("mode") == "test":
            sandboxed = True
            result = sandbox_outcome(outgoing.to, outgoing.message_id)
            sandboxed = False
        if result is None:
            result = await rt.part(Mailer).send(outgoing.message())
    except MailError as exc:
        last = attempt >= int(payload.get("max_attempts") or rt.settings.mail_max_attempts)
        if not exc.permanent and not (notify and last):
            raise Retry(f"attempt {attempt}: {exc.reason}") from exc
        log.warning("mail %s (%s, %s) refused for good: %s", outgoing.message_id, payload["kind"], payload["ref"],
                    exc.reason)  # fmt: skip
        async with rt.db.unit_of_work() as s:
            await _notify(s, payload, outgoing.message_id, "failed", exc.reason, attempt, exc.permanent)
            if sandboxed:  # what the test asked for happened: the job did its work (as sms.send does)
                await finish_current(s)
            else:
                await fail_current(s, f"{'permanent' if exc.permanent else 'last attempt'}: {exc.reason}")
        return {"status": "failed", "message_id": outgoing.message_id, "code": exc.code, "reason": exc.reason,
                "permanent": exc.permanent, "sandbox": sandboxed}  # fmt: skip
    if notify:
        async with rt.db.unit_of_work() as s:
            await _notify(s, payload, outgoing.message_id, "sent", None, attempt, False)
            await finish_current(s)
    return {"status": "sent", "message_id": result.message_id, "response": result.response}


async def _notify(
    s: AsyncSession, payload: dict[str, Any], message_id: str, status: str, error: str | None, attempt: int,
    permanent: bool,
) -> None:  # fmt: skip
    kind = payload.get("notify")
    if not kind:
        return
    body = {"ref": payload["ref"], "status": status, "error": error, "message_id": message_id, "attempts": attempt,
            "permanent": permanent}  # fmt: skip
    # Keyed by the Message-ID: one email, one outcome, even if this job ran twice.
    await enqueue(s, kind, body, unique_key=f"mail-result:{message_id}")
