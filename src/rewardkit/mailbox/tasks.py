"""The `mail.send` job: unseal the rendered email, send it over SMTP, decide what next.

A temporary failure (4xx, no connection, a timeout, credentials refused) is retried with the jobs'
exponential backoff up to REWARDKIT_MAIL_MAX_ATTEMPTS; a permanent refusal (5xx) makes the job dead at
once, its reason in `last_error` (`rewardkit jobs list --status dead`). At-least-once: a crash after
the server accepted the message but before the job was recorded sends it again, with the same
Message-ID (docs/email.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rewardkit.jobs.service import Retry, fail_current
from rewardkit.kit.mail import Mailer, MailError
from rewardkit.mailbox.service import Outgoing

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

log = logging.getLogger("rewardkit.mail")


async def send(rt: Runtime, payload: dict[str, Any], attempt: int) -> dict[str, Any]:
    outgoing = Outgoing.unseal(rt.keyring, payload["message"])
    try:
        result = await rt.part(Mailer).send(outgoing.message())
    except MailError as exc:
        if not exc.permanent:
            raise Retry(f"attempt {attempt}: {exc.reason}") from exc
        log.warning("mail %s (%s, %s) refused for good: %s", outgoing.message_id, payload["kind"], payload["ref"],
                    exc.reason)  # fmt: skip
        async with rt.db.unit_of_work() as s:
            await fail_current(s, f"permanent: {exc.reason}")
        return {"status": "failed", "message_id": outgoing.message_id, "code": exc.code, "reason": exc.reason}
    return {"status": "sent", "message_id": result.message_id, "response": result.response}
