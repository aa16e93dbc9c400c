"""Outgoing email over SMTP (aiosmtplib): the settings parsed from one URL, the message builder, and
the `Mailer`, which sends each message on a connection of its own and tells a permanent refusal (5xx:
do not retry) from a temporary failure (4xx, a connection that fails, a timeout: retry). docs/email.md.

Kit, so it knows no domain: what to send and when (templates, the `mail.send` job) is the mailbox
domain's; the Mailer is its runtime part.
"""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

log = logging.getLogger("rewardkit.mail")

TlsMode = Literal["none", "starttls", "tls"]
_SCHEMES: dict[str, tuple[TlsMode, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
LOCAL_HOST = "127.0.0.1"


class MailError(Exception):
    """A message that was not sent. `permanent`: the server refused it for good (a 5xx answer to the
    sender, a recipient or the data): do not retry. Otherwise (a 4xx answer, no connection, a timeout,
    TLS or credentials the server refused, no SMTP server configured) a later attempt may succeed."""

    def __init__(self, reason: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send. `host` None: no SMTP server configured (REWARDKIT_SMTP_URL empty)."""

    host: str | None
    port: int
    tls: TlsMode
    mail_from: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr, a log line or an error
    timeout: float = 15.0
    ca_file: str | None = None

    @classmethod
    def parse(cls, url: str, mail_from: str, timeout: float = 15.0, ca_file: str = "") -> MailSettings:
        """`smtp://[user:pass@]host[:25]` (plain), `smtp+starttls://…[:587]` or `smtp://…?starttls=1`
        (STARTTLS required), `smtps://…[:465]` (implicit TLS). Raises ValueError (never quoting the
        password) for anything else."""
        _check_from(mail_from)
        if not url.strip():
            return cls(None, 0, "none", mail_from, timeout=timeout, ca_file=ca_file or None)
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise ValueError(
                f"REWARDKIT_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme!r}"
            )
        tls, default_port = _SCHEMES[scheme]
        for name, values in parse_qs(parts.query, keep_blank_values=True).items():
            if name != "starttls":
                raise ValueError(f"REWARDKIT_SMTP_URL: unknown parameter {name!r} (only starttls)")
            value = values[-1].lower()
            if value not in _TRUE + _FALSE:
                raise ValueError("REWARDKIT_SMTP_URL: starttls must be 1 or 0")
            if value in _TRUE:
                if tls == "tls":
                    raise ValueError("REWARDKIT_SMTP_URL: smtps:// is TLS already; starttls=1 contradicts it")
                tls = "starttls"
        try:
            host, port = parts.hostname, parts.port
        except ValueError as exc:  # a port that is not a number
            raise ValueError("REWARDKIT_SMTP_URL: the port must be a number from 1 to 65535") from exc
        if not host:
            raise ValueError("REWARDKIT_SMTP_URL names no host")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if password is not None and not username:
            raise ValueError("REWARDKIT_SMTP_URL has a password but no user name")
        return cls(host, port or default_port, tls, mail_from, username, password, timeout, ca_file or None)

    @classmethod
    def from_settings(cls, settings: Any) -> MailSettings:
        return cls.parse(settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds, settings.smtp_ca_file)

    @property
    def configured(self) -> bool:
        return self.host is not None

    @property
    def target(self) -> str:
        """What logs and errors may say about the server: host, port and TLS mode, no credentials."""
        return f"{self.host}:{self.port} ({self.tls})"


def _check_from(mail_from: str) -> None:
    _, address = parseaddr(mail_from)
    if "@" not in address or any(c in mail_from for c in "\r\n"):
        raise ValueError(
            f"REWARDKIT_MAIL_FROM must be an address, e.g. 'Acme <rewards@acme.example>', not {mail_from!r}"
        )


# Test mode's magic recipients (docs/sandbox.md): mail to them never reaches an SMTP server. "bounce":
# the send succeeds, then a hard bounce is reported for it (the caller records it, as a bounce report
# would); "reject": the server refuses it for good (a 550 to RCPT).
SANDBOX_BOUNCE = "bounce@sandbox.rewardkit.dev"
SANDBOX_REJECT = "reject@sandbox.rewardkit.dev"
SANDBOX: dict[str, str] = {
    SANDBOX_BOUNCE: "accepted, then a hard bounce is reported",
    SANDBOX_REJECT: "refused for good by the mail server (550 5.1.1)",
}


def sandbox_outcome(to: str, message_id: str) -> SendResult | None:
    """Test mode, before any SMTP server: a magic address's outcome (a result, or raises its permanent
    MailError); None for any other address (it is sent as usual)."""
    address = parseaddr(to)[1].lower()
    if address == SANDBOX_REJECT:
        raise MailError("sandbox: recipient refused: 550 5.1.1 no such mailbox", permanent=True, code=550)
    if address == SANDBOX_BOUNCE:
        return SendResult(message_id, (address,), "250 2.0.0 sandbox: accepted", "sandbox")
    return None


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def new_message_id(mail_from: str) -> str:
    """A Message-ID in the sender's domain. Made once per email, before its first attempt, so every
    retry carries the same one and a receiver can tell a repeat."""
    return make_msgid(domain=domain_of(mail_from))


def build_message(
    *,
    mail_from: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    reply_to: str | None = None,
    list_unsubscribe: str | None = None,
) -> EmailMessage:
    """A message: plain text, and multipart/alternative with the HTML twin when there is one (clients
    show the last part they can: the HTML). Header values with a line break raise ValueError (the
    standard library refuses them), so nothing a caller passes can add a header."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # one line, whatever a template made of it
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id or new_message_id(mail_from)
    # RFC 3834: an automatic message, so auto-responders do not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    if reply_to:
        msg["Reply-To"] = reply_to
    if list_unsubscribe:
        msg["List-Unsubscribe"] = f"<{list_unsubscribe}>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


@dataclass(frozen=True)
class SendResult:
    message_id: str
    recipients: tuple[str, ...]
    response: str  # the server's answer to the message (e.g. "250 2.0.0 Ok: queued as 4Bx…")
    target: str  # host:port (tls mode) it went to


class Mailer:
    """Sends messages over SMTP: one connection per message (no pool: a relay closes idle connections
    at will, and a connection per message is what keeps one failure from touching the next; a pool
    is for when `make bench` shows the handshake matters). A runtime part (mailbox/module.py)."""

    def __init__(self, settings: MailSettings, environment: str = "development", catcher_port: int = 1025) -> None:
        self.settings = settings
        self.environment = environment
        # Development without an SMTP URL: the mail catcher on loopback (`rewardkit serve` runs one, on
        # this port, or tells us the port it got with use_local).
        self._local_port = catcher_port
        self._tls_context: ssl.SSLContext | None = None
        if settings.tls != "none":
            self._tls_context = ssl.create_default_context(cafile=settings.ca_file)

    @classmethod
    def open(cls, rt: Any) -> Mailer:
        s = rt.settings
        return cls(MailSettings.from_settings(s), s.environment, s.mail_catcher_port)

    def use_local(self, port: int) -> None:
        """The development mail catcher of this process listens on `port` (it may have asked for any)."""
        self._local_port = port

    @property
    def mail_from(self) -> str:
        return self.settings.mail_from

    def _route(self) -> tuple[MailSettings, ssl.SSLContext | None]:
        if self.settings.configured:
            return self.settings, self._tls_context
        if self.environment != "production":
            return MailSettings(LOCAL_HOST, self._local_port, "none", self.settings.mail_from,
                                timeout=self.settings.timeout), None  # fmt: skip
        log.error("cannot send email: REWARDKIT_SMTP_URL is not set")
        raise MailError("no SMTP server configured (REWARDKIT_SMTP_URL is empty)", permanent=False)

    async def send(self, msg: EmailMessage) -> SendResult:
        """Send one message to its To/Cc/Bcc recipients; raises MailError (permanent or not)."""
        route, tls_context = self._route()
        message_id = str(msg.get("Message-ID") or "")
        to = _recipients(msg)
        try:
            refused, response = await aiosmtplib.send(
                msg,
                hostname=route.host,
                port=route.port,
                username=route.username,
                password=route.password,
                use_tls=route.tls == "tls",
                start_tls=route.tls == "starttls",  # never opportunistic: plain means plain, STARTTLS means required
                tls_context=tls_context,
                timeout=route.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = bool(codes) and all(500 <= c < 600 for c in codes)
            raise self._failed(
                route, f"recipient refused: {_answers(exc.recipients)}", permanent, codes[0], to
            ) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: retry, so mail waits for the operator's fix, not lost.
            raise self._failed(route, f"authentication failed: {exc.code}", False, exc.code, to) from exc
        except aiosmtplib.SMTPResponseException as exc:  # sender or data refused, HELO refused
            raise self._failed(route, f"{exc.code} {exc.message}"[:300], 500 <= exc.code < 600, exc.code, to) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            # No connection, a timeout, TLS that failed or was not offered: the server, not the message.
            raise self._failed(route, f"{type(exc).__name__}: {exc}"[:300], False, None, to) from exc
        if refused:  # only with several recipients, some of them accepted
            answers = ", ".join(str(r.code) for r in refused.values())
            log.warning("mail %s: some recipients refused (%s)", message_id, answers)
        accepted = tuple(a for a in _recipients(msg) if a not in refused)
        log.info("mail %s sent via %s", message_id, route.target)
        return SendResult(message_id, accepted, response, route.target)

    def _failed(self, route: MailSettings, reason: str, permanent: bool, code: int | None, to: list[str]) -> MailError:
        # A server's refusal often quotes the address ("550 5.1.1 <ada@example.com>: unknown"): the reason
        # goes to logs, the job's last_error and the caller's notify payload, so only redacted.
        reason = redact(reason, to)
        log.warning("mail via %s failed (%s): %s", route.target, "permanent" if permanent else "temporary", reason)
        return MailError(reason, permanent=permanent, code=code)


def mask_address(address: str) -> str:
    """`ada@example.com` -> `a***@example.com`: what a log line or a listing may show."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def redact(text: str, addresses: list[str]) -> str:
    """`text` with each of `addresses` (any case) replaced by its masked form."""
    for address in addresses:
        if address:
            text = re.sub(re.escape(address), mask_address(address), text, flags=re.IGNORECASE)
    return text


def _answers(refusals: list[Any]) -> str:
    return "; ".join(f"{r.code} {r.message}" for r in refusals)[:300]


def _recipients(msg: EmailMessage) -> list[str]:
    return [addr for _, addr in getaddresses([str(v) for k in ("To", "Cc", "Bcc") for v in msg.get_all(k, [])])]
