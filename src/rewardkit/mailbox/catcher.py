"""The development mail catcher: an SMTP server (aiosmtpd) on loopback inside the API process that
keeps the last messages it receives in memory, for the pages at /dev/mail (mailbox/pages.py).

`rewardkit serve` turns it on in development when no SMTP server is configured (REWARDKIT_MAIL_CATCHER),
so a newcomer sees the email a link sends. It runs on the API's own event loop (no thread), listens on
127.0.0.1 only, accepts any sender and recipient, and never runs in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from itertools import count
from typing import Any

from aiosmtpd.smtp import SMTP

log = logging.getLogger("rewardkit.mail")

KEEP = 200  # messages kept; the oldest goes first
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Caught:
    id: int
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)  # policy.default makes EmailMessage objects
        return msg

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    def body(self, subtype: str) -> str | None:
        """The text/`subtype` body (plain or html), or None."""
        part = self.message.get_body((subtype,))
        return None if part is None else str(part.get_content())  # type: ignore[attr-defined]


class _Keep:
    """The aiosmtpd handler: every message is accepted and kept."""

    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        self.catcher.keep(str(envelope.mail_from or ""), tuple(envelope.rcpt_tos), bytes(raw))
        return "250 2.0.0 Caught by the rewardkit mail catcher"


class MailCatcher:
    """A runtime part (mailbox/module.py). `enabled` only in development with REWARDKIT_MAIL_CATCHER on
    and no REWARDKIT_SMTP_URL; start() is called by the mail pages' lifespan (mailbox/pages.py)."""

    def __init__(self, enabled: bool, port: int = 1025, keep: int = KEEP) -> None:
        self.enabled = enabled
        self.wanted_port = port
        self.port: int | None = None  # where it listens, once started
        self.taken = False  # enabled, but its port was taken: the mail goes to whoever listens there
        self._server: asyncio.Server | None = None
        self._messages: deque[Caught] = deque(maxlen=keep)
        self._ids = count(1)

    @classmethod
    def open(cls, rt: Any) -> MailCatcher:
        s = rt.settings
        return cls(s.mail_catcher and s.environment == "development" and not s.smtp_url, s.mail_catcher_port)

    async def start(self) -> int | None:
        """Listen on 127.0.0.1 (the port asked for, or any free one for 0); returns the port, or None
        when disabled or when the port is taken (another `rewardkit serve`: its catcher gets the mail)."""
        if not self.enabled or self._server is not None:
            return self.port
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                lambda: SMTP(_Keep(self), hostname="rewardkit-mail-catcher"), HOST, self.wanted_port
            )
        except OSError as exc:
            log.warning("mail catcher not started: %s:%s is not free (%s); this server's mail goes to the catcher "
                        "listening there", HOST, self.wanted_port, exc.strerror)  # fmt: skip
            self.taken = True
            return None
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("mail catcher listening on %s:%s", HOST, self.port)
        return self.port

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # wait_closed also waits for open client connections: an idle one must not hold up shutdown
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    def keep(self, mail_from: str, rcpt_tos: tuple[str, ...], raw: bytes) -> Caught:
        caught = Caught(next(self._ids), datetime.now(UTC), mail_from, rcpt_tos, raw)
        self._messages.append(caught)
        return caught

    def messages(self) -> list[Caught]:
        """Newest first."""
        return list(reversed(self._messages))

    def get(self, message_id: int) -> Caught | None:
        return next((m for m in self._messages if m.id == message_id), None)
