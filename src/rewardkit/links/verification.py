"""Email one-time codes of links made with `verification: "email_otp"` (docs/links.md "Email verification").

A code is 6 random digits, valid CODE_LIFETIME, kept only as the HMAC of "<link id>:<code>" under the
keyring (a leaked table opens nothing, and a code is bound to its link). Each code takes MAX_ATTEMPTS
wrong guesses, counted by a guarded UPDATE (two concurrent guesses never both get the last attempt);
then it is dead and a new one must be sent. Sends are throttled per link: one per
`link_otp_resend_seconds`, at most `link_otp_per_hour` per hour. So a guesser gets at most
5 x per_hour tries an hour at a 1-in-10^6 code.

A checked code buys a verification token, "<expiry epoch>.<HMAC of link id and expiry>": stateless,
bound to the link, valid GRANT_LIFETIME, sent back as the `Link-Verification` header (the hosted page
keeps it in an HttpOnly, SameSite=Strict cookie). The table's SQL lives here with its rules: nothing
else reads it.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.links.models import LinkVerification

if TYPE_CHECKING:
    from rewardkit.kit.crypto import Keyring

CODE_LIFETIME = timedelta(minutes=10)
GRANT_LIFETIME = timedelta(minutes=30)
MAX_ATTEMPTS = 5
HEADER = "Link-Verification"


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _code_value(link_id: str, code: str) -> str:
    return f"link-otp:{link_id}:{code}"


def matches(keyring: Keyring, link_id: str, code: str, code_hash: str) -> bool:
    return any(hmac.compare_digest(h, code_hash) for h in keyring.hashes(_code_value(link_id, code)))


def mask(email: str) -> str:
    """a***@example.com: enough for the recipient to know which inbox to look in."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


# --- the verification token ---------------------------------------------------------------------------


def grant(keyring: Keyring, link_id: str, now: datetime) -> tuple[str, datetime]:
    expires = int((now + GRANT_LIFETIME).timestamp())
    return f"{expires}.{keyring.hash(f'link-verified:{link_id}:{expires}')}", datetime.fromtimestamp(expires, UTC)


def granted(keyring: Keyring, link_id: str, token: str | None, now: datetime) -> bool:
    """Whether `token` is a live verification token of this link (any key of the keyring)."""
    if not token or len(token) > 100:
        return False
    expires, _, sig = token.partition(".")
    if not expires.isdigit() or int(expires) <= now.timestamp():
        return False
    return any(hmac.compare_digest(h, sig) for h in keyring.hashes(f"link-verified:{link_id}:{expires}"))


# --- SQL of link_verifications ------------------------------------------------------------------------


async def current(s: AsyncSession, link_id: str) -> LinkVerification | None:
    """The link's newest code: the only one that may be checked."""
    q = select(LinkVerification).where(LinkVerification.link_id == link_id).order_by(LinkVerification.id.desc())
    return (await s.execute(q.limit(1))).scalar_one_or_none()


async def sent_since(s: AsyncSession, link_id: str, since: datetime) -> tuple[int, datetime | None]:
    """How many codes were sent since `since`, and the first of them."""
    q = select(func.count(), func.min(LinkVerification.sent_at)).where(
        LinkVerification.link_id == link_id, LinkVerification.sent_at > since
    )
    n, first = (await s.execute(q)).one()
    return int(n), first


async def add(s: AsyncSession, keyring: Keyring, link_id: str, code: str, now: datetime) -> LinkVerification:
    row = LinkVerification(
        link_id=link_id,
        code_hash=keyring.hash(_code_value(link_id, code)),
        attempts=0,
        expires_at=now + CODE_LIFETIME,
        sent_at=now,
        verified_at=None,
    )
    s.add(row)
    await s.flush()
    return row


async def wrong(s: AsyncSession, row_id: int) -> int | None:
    """Count one wrong guess; the attempts now, or None if the code was already dead."""
    stmt = (
        update(LinkVerification)
        .where(LinkVerification.id == row_id, LinkVerification.attempts < MAX_ATTEMPTS)
        .values(attempts=LinkVerification.attempts + 1)
        .returning(LinkVerification.attempts)
        .execution_options(synchronize_session=False)
    )
    got = (await s.execute(stmt)).one_or_none()
    return None if got is None else int(got.attempts)


async def verified(s: AsyncSession, row_id: int, now: datetime) -> bool:
    """Use the code, once: a code checked right is spent (a second check finds nothing waiting)."""
    stmt = (
        update(LinkVerification)
        .where(
            LinkVerification.id == row_id,
            LinkVerification.verified_at.is_(None),
            LinkVerification.attempts < MAX_ATTEMPTS,
        )
        .values(verified_at=now)
        .returning(LinkVerification.id)
        .execution_options(synchronize_session=False)
    )
    return (await s.execute(stmt)).one_or_none() is not None
