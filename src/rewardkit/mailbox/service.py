"""Queueing an email: render it in the org's branding now, seal it, and queue its `mail.send` job in the
caller's transaction, so the email exists exactly when the data it is about commits (docs/email.md).

The job's payload holds ids in clear (org, mode, kind, the caller's reference) and the rendered
message encrypted with the keyring: the recipient's address and a link's URL (the token is the
credential) are never stored in clear.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.auth import service as auth
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.mail import build_message, new_message_id
from rewardkit.mailbox import repository
from rewardkit.mailbox.errors import EmailTemplateInvalid, InvalidRecipientEmail
from rewardkit.mailbox.models import LINK, OTP, REMINDER, SEND_JOB, MailTemplate
from rewardkit.mailbox.render import PARTS, VARIABLES, builtin_source, render_email
from rewardkit.mailbox.schemas import EmailTemplateOut

if TYPE_CHECKING:
    from email.message import EmailMessage

    from rewardkit.kit.crypto import Keyring
    from rewardkit.runtime import Runtime


log = logging.getLogger("rewardkit.mail")


@dataclass(frozen=True)
class Outgoing:
    """One rendered email as the job keeps it (sealed in its payload)."""

    to: str
    mail_from: str
    subject: str
    text: str
    html: str
    message_id: str

    def message(self) -> EmailMessage:
        return build_message(
            mail_from=self.mail_from, to=self.to, subject=self.subject, text=self.text, html=self.html,
            message_id=self.message_id,
        )  # fmt: skip

    def seal(self, keyring: Keyring) -> str:
        return keyring.encrypt(json.dumps(self.__dict__))

    @classmethod
    def unseal(cls, keyring: Keyring, token: str) -> Outgoing:
        return cls(**json.loads(keyring.decrypt(token)))


def clean_address(to: str) -> str:
    """The normalised address (syntax only, no DNS, as branding's support_email); InvalidRecipientEmail."""
    try:
        found = validate_email(to.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidRecipientEmail(f"Not a valid email address: {exc}") from exc
    return str(found.normalized)


async def queue_email(
    s: AsyncSession,
    rt: Runtime,
    *,
    org_id: str,
    mode: str,
    to: str,
    kind: str,
    context: dict[str, Any],
    ref: str,
    notify: str | None = None,
    message_id: str | None = None,
) -> int:
    """Render the `kind` email (link, reminder, otp) for `to` with `context` (the kind's variables,
    mailbox/render.py) in the org's branding, and queue its sending in the caller's transaction
    (`s`, never committed here). `ref` names what the email is about (e.g. "rwl_…:delivery:1"); it is
    in the job's payload and in log lines. Returns the job id. Raises InvalidRecipientEmail, or
    ValueError for a kind or variable that does not exist (a programming error).

    `notify`: a job kind queued when the email is final (sent, or refused for good / out of attempts)
    with `{"ref", "status": "sent"|"failed", "error", "message_id", "attempts"}`, as sms' notify=.
    `message_id`: the Message-ID to send it with (the caller keeps it, so a bounce report finds the
    email); made here if not given."""
    address = clean_address(to)
    branding = await auth.get_branding(s, org_id)
    own = await repository.get_template(s, org_id, kind)
    try:
        subject, text, html = render_email(kind, context, branding, _overrides(own))
    except EmailTemplateInvalid:
        if own is None:
            raise
        # The org's template rendered with sample values when it was saved, but not with these: the
        # email still goes, in the built-in template, rather than failing the caller's request.
        log.warning("the %s email template of %s does not render for %s; using the built-in one", kind, org_id, ref)
        subject, text, html = render_email(kind, context, branding)
    mail_from = rt.settings.mail_from
    outgoing = Outgoing(address, mail_from, subject, text, html, message_id or new_message_id(mail_from))
    outgoing.message()  # a header that cannot be written fails here, in the caller's request, not in the job
    attempts = rt.settings.mail_max_attempts
    payload = {"org_id": org_id, "mode": mode, "kind": kind, "ref": ref, "message": outgoing.seal(rt.keyring),
               "notify": notify, "max_attempts": attempts}  # fmt: skip
    job = await jobs.enqueue(s, SEND_JOB, payload, max_attempts=attempts)
    return int(job.id)


# --- an org's own templates (GET/PUT/DELETE /v1/email_templates/{kind}) ------------------------------

_COMMON_SAMPLE = {"recipient_name": "Ada Lovelace", "sender_name": "Acme", "message": "Thank you for all your work!"}
SAMPLES: dict[str, dict[str, Any]] = {
    LINK: {**_COMMON_SAMPLE, "url": "https://rewards.example/l/sample", "value": "$25.00", "expires_at": "2027-03-01"},
    REMINDER: {**_COMMON_SAMPLE, "url": "https://rewards.example/l/sample", "value": "$25.00",
               "expires_at": "2027-03-01", "days_left": 3},
    OTP: {**_COMMON_SAMPLE, "code": "482913", "minutes": 10},
}  # fmt: skip


def _overrides(row: MailTemplate | None) -> dict[str, str | None] | None:
    return None if row is None else {"subject": row.subject, "text": row.text, "html": row.html}


def render_template(kind: str, row: MailTemplate | None) -> dict[str, Any]:
    own = _overrides(row) or {}
    return EmailTemplateOut(
        kind=kind,  # type: ignore[arg-type]  # one of KINDS: the route's path type
        subject=own.get("subject") or builtin_source(kind, "subject"),
        text=own.get("text") or builtin_source(kind, "text"),
        html=own.get("html") or builtin_source(kind, "html"),
        custom_parts=[p for p in PARTS if own.get(p) is not None],  # type: ignore[misc]
        variables=["brand", *VARIABLES[kind]],
        updated_at=row.updated_at if row is not None else None,
    ).model_dump(mode="json")


def check_template(kind: str, parts: dict[str, str | None], branding: auth.Branding) -> None:
    """Raise EmailTemplateInvalid unless the parts render with sample values, and again with the
    optional ones (recipient, sender, message) left out, as an email may be sent without them."""
    render_email(kind, SAMPLES[kind], branding, parts)
    render_email(kind, {**SAMPLES[kind], **dict.fromkeys(_COMMON_SAMPLE)}, branding, parts)


async def email_template(rt: Runtime, org_id: str, kind: str) -> dict[str, Any]:
    """GET /v1/email_templates/{kind}."""
    async with rt.db.unit_of_work(readonly=True) as s:
        return render_template(kind, await repository.get_template(s, org_id, kind))


async def replace_email_template(rt: Runtime, org_id: str, kind: str, parts: dict[str, str | None]) -> dict[str, Any]:
    """PUT /v1/email_templates/{kind}: checked by rendering first, so nothing that fails is stored."""
    async with rt.db.unit_of_work() as s:
        check_template(kind, parts, await auth.get_branding(s, org_id))
        if all(v is None for v in parts.values()):
            await repository.delete_template(s, org_id, kind)  # nothing of its own left: all built in
        else:
            await repository.save_template(s, org_id, kind, parts, utcnow())
        return render_template(kind, await repository.get_template(s, org_id, kind))


async def reset_email_template(rt: Runtime, org_id: str, kind: str) -> dict[str, Any]:
    """DELETE /v1/email_templates/{kind}: back to the built-in templates (also when there were none)."""
    async with rt.db.unit_of_work() as s:
        await repository.delete_template(s, org_id, kind)
    return render_template(kind, None)
