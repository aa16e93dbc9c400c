"""Sending a text message: one small protocol, the providers behind it, and the sandbox's magic numbers.

    provider.send(to_e164, body, *, idempotency_ref) -> SmsResult(provider_id, status)
    raises SmsError(code, message, permanent=...)

* `ConsoleProvider` (development): nothing leaves the machine. The message is printed to **stdout**
  (not the log) when `echo` is on, so a newcomer can click the link it carries; the log gets one line
  with the masked number and the body's length, never the body (a claim link is a bearer token).
* `TwilioProvider`: `POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded
  `To`, `From` or `MessagingServiceSid`, `Body`, HTTP basic auth, through the process's one outbound
  HTTP client (kit/outbound.py: timeouts, size cap, no redirects). Any Twilio-compatible API works.
* `SANDBOX` / `sandbox_outcome`: test mode's magic recipients, in this one place (docs/sandbox.md).

An `SmsError` is `permanent` when sending the same message again cannot succeed (an invalid or
unsubscribed recipient, our credentials refused) and temporary otherwise (429, 5xx, a timeout, no
connection): the `sms.send` job retries those. Codes are ours and stable (`CODES`); `provider_code` keeps
the provider's own (Twilio's 21211, …) for support. Messages never hold the full phone number.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sys
from dataclasses import dataclass
from typing import Protocol, TextIO
from urllib.parse import quote, urlencode, urlsplit

import httpx
import orjson
import structlog

from rewardkit import __version__
from rewardkit.kit.outbound import Outbound, Policy, ResponseTooLarge, UnsafeDestination
from rewardkit.kit.phone import mask

__all__ = [
    "CODES",
    "SANDBOX",
    "ConsoleProvider",
    "SmsError",
    "SmsProvider",
    "SmsResult",
    "TwilioProvider",
    "sandbox_outcome",
]

log = structlog.get_logger("rewardkit.sms")

# Our error codes: what callers, the delivery listing and the docs name (docs/sms.md "Failures").
PERMANENT_CODES = (
    "invalid_recipient",  # Twilio 21211: not a valid phone number
    "unroutable_recipient",  # 21612: the provider cannot route to it
    "region_not_enabled",  # 21408: the account may not text that country
    "recipient_unsubscribed",  # 21610: the recipient replied STOP
    "not_mobile",  # 21614: a landline, cannot receive SMS
    "provider_rejected",  # any other 4xx: the request itself is wrong (From not ours, body too long, …)
    "provider_auth_failed",  # 401/403: our credentials are wrong (logged as an error)
    "provider_misconfigured",  # the configured URL is refused by the outbound rules
    "not_configured",  # no provider for this mode
)
TEMPORARY_CODES = (
    "provider_rate_limited",  # 429
    "provider_unavailable",  # 5xx (and the sandbox's temporary failures)
    "provider_timeout",  # no answer within the timeout
    "provider_unreachable",  # no connection, or a broken answer
)
CODES = PERMANENT_CODES + TEMPORARY_CODES

# Twilio's documented recipient errors (https://www.twilio.com/docs/errors): each is final for this number.
TWILIO_CODES = {
    21211: "invalid_recipient",
    21612: "unroutable_recipient",
    21408: "region_not_enabled",
    21610: "recipient_unsubscribed",
    21614: "not_mobile",
}

MAX_BODY_CHARS = 1600  # Twilio's limit for one message (it splits it into segments itself)
MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class SmsResult:
    provider_id: str  # the provider's message id (Twilio's `SM…` sid)
    status: str  # the provider's word for it: queued, accepted, sent


class SmsError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        permanent: bool,
        provider_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.permanent = permanent
        self.provider_code = provider_code
        self.retry_after = retry_after  # seconds the provider asked us to wait (429 Retry-After)


class SmsProvider(Protocol):
    name: str

    async def send(self, to_e164: str, body: str, *, idempotency_ref: str) -> SmsResult:
        """Hand one message to the provider. `idempotency_ref` is the same for every attempt of one
        message (a provider that de-duplicates on it sends it once)."""
        ...


# A run of digits long enough to be a phone number (error codes are 5 digits).
_DIGITS = re.compile(r"\+?[0-9]{7,15}")


def _scrub(text: str, to_e164: str) -> str:
    """A provider's message quotes the number ("The 'To' number +15005550001 is not valid"): keep it
    out, masked, and any other number it quotes too, since the message is stored and may be logged."""
    hidden = mask(to_e164)
    text = text.replace(to_e164, hidden).replace(to_e164.removeprefix("+"), hidden)
    return _DIGITS.sub("[number]", text)[:300]


# --- console ----------------------------------------------------------------------------------------


class ConsoleProvider:
    """Development: prints the message instead of sending it. `echo=False` (always in production) only
    logs that a message was accepted."""

    name = "console"

    def __init__(self, *, echo: bool, stream: TextIO | None = None) -> None:
        self.echo = echo
        self._stream = stream

    async def send(self, to_e164: str, body: str, *, idempotency_ref: str) -> SmsResult:
        provider_id = "CO" + hashlib.sha256(idempotency_ref.encode()).hexdigest()[:32]
        if self.echo:
            out = self._stream or sys.stdout
            out.write(f"\n--- SMS to {mask(to_e164)} ({idempotency_ref}), printed by the console provider: "
                      f"nothing was sent ---\n{body}\n--- end of SMS ---\n")  # fmt: skip
            out.flush()
        log.info("sms accepted by the console provider", to=mask(to_e164), chars=len(body), ref=idempotency_ref)
        return SmsResult(provider_id, "sent")


# --- Twilio-compatible HTTP -------------------------------------------------------------------------


class TwilioProvider:
    """Twilio's Messages API (or any API that answers like it): see the module docstring."""

    name = "twilio"

    def __init__(
        self,
        outbound: Outbound,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("REWARDKIT_SMS_URL must be an http(s) URL such as https://api.twilio.com")
        if not account_sid or not auth_token:
            raise ValueError("the twilio SMS provider needs REWARDKIT_SMS_ACCOUNT_SID and REWARDKIT_SMS_AUTH_TOKEN")
        if not from_number and not messaging_service_sid:
            raise ValueError(
                "the twilio SMS provider needs REWARDKIT_SMS_FROM or REWARDKIT_SMS_MESSAGING_SERVICE_SID"
            )
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self._sender = (
            {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": from_number}
        )
        token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": f"rewardkit/{__version__}",
        }
        # The operator chose this host (it may be a gateway on a private network): pooled by name, not
        # pinned; metadata and link-local addresses are still refused (kit/outbound.py).
        self.policy = Policy(timeout=timeout, max_response_bytes=64 * 1024, allow_private=True, pin_addresses=False)
        self._outbound = outbound

    def __repr__(self) -> str:  # never show the credentials
        return f"TwilioProvider(url={self.url!r})"

    async def send(self, to_e164: str, body: str, *, idempotency_ref: str) -> SmsResult:
        form = urlencode({"To": to_e164, **self._sender, "Body": body}).encode()
        # Twilio itself has no idempotency key on this call (a retry after a timeout may send twice);
        # gateways that do honour one get the same key on every attempt of a message.
        headers = {**self._headers, "Idempotency-Key": idempotency_ref}
        try:
            r = await self._outbound.request(self.policy, "POST", self.url, headers=headers, content=form)
        except UnsafeDestination as exc:
            reason = f"REWARDKIT_SMS_URL is refused: {exc.reason}"
            raise SmsError("provider_misconfigured", reason, permanent=True) from None
        except httpx.TimeoutException:
            raise SmsError(
                "provider_timeout", f"no answer within {self.policy.timeout:g}s", permanent=False
            ) from None
        except ResponseTooLarge:
            raise SmsError("provider_unreachable", "the answer was larger than 64 KiB", permanent=False) from None
        except httpx.HTTPError as exc:
            raise SmsError("provider_unreachable", type(exc).__name__, permanent=False) from None
        return self._result(r, to_e164)

    def _result(self, r: httpx.Response, to_e164: str) -> SmsResult:
        data: dict[str, object] = {}
        try:
            parsed = orjson.loads(r.content) if r.content else {}
            data = parsed if isinstance(parsed, dict) else {}
        except orjson.JSONDecodeError:
            pass
        if 200 <= r.status_code < 300:
            # Accepted. A body without a sid is still an accepted message: sending again would duplicate it.
            return SmsResult(str(data.get("sid") or ""), str(data.get("status") or "queued"))
        raw_code = data.get("code")
        provider_code = raw_code if isinstance(raw_code, int) else None
        message = _scrub(str(data.get("message") or f"HTTP {r.status_code}"), to_e164)
        if r.status_code in (401, 403):
            # Every message fails until an operator fixes the settings: say so loudly, once per message.
            logging.getLogger("rewardkit.sms").error(
                "the SMS provider refused our credentials (HTTP %s, code %s): check REWARDKIT_SMS_ACCOUNT_SID "
                "and REWARDKIT_SMS_AUTH_TOKEN",
                r.status_code,
                provider_code,
            )
            raise SmsError("provider_auth_failed", message, permanent=True, provider_code=provider_code)
        if r.status_code == 429:
            raise SmsError(
                "provider_rate_limited", message, permanent=False, provider_code=provider_code,
                retry_after=_retry_after(r),
            )  # fmt: skip
        if r.status_code >= 500 or r.status_code == 408 or 300 <= r.status_code < 400:
            # A redirect is never followed (kit/outbound.py); a gateway in maintenance may send one.
            raise SmsError(
                "provider_unavailable", message, permanent=False, provider_code=provider_code,
                retry_after=_retry_after(r),
            )  # fmt: skip
        code = TWILIO_CODES.get(provider_code or 0, "provider_rejected")
        raise SmsError(code, message, permanent=True, provider_code=provider_code)


def _retry_after(r: httpx.Response) -> float | None:
    value = r.headers.get("retry-after", "").strip()
    return min(float(value), MAX_RETRY_AFTER) if value.isdigit() else None


# --- the sandbox's magic recipients -----------------------------------------------------------------


@dataclass(frozen=True)
class Magic:
    """What a test-mode message to a magic number does, without reaching any provider."""

    description: str
    code: str | None = None  # None: accepted
    provider_code: int | None = None
    permanent: bool = True
    fail_attempts: int = 0  # temporary failures: this many attempts fail, then it is accepted (0: every one)


# Twilio's own magic "To" numbers for its test credentials where they exist (+15005550001…0009), the
# same meaning and error code; +15005550005 and +15005550008 are ours (Twilio has no retry scenario).
SANDBOX: dict[str, Magic] = {
    "+15005550006": Magic("accepted (sent)"),
    "+15005550001": Magic("invalid number", "invalid_recipient", 21211),
    "+15005550002": Magic("cannot be routed", "unroutable_recipient", 21612),
    "+15005550003": Magic("no permission to text that country", "region_not_enabled", 21408),
    "+15005550004": Magic("recipient unsubscribed (replied STOP)", "recipient_unsubscribed", 21610),
    "+15005550009": Magic("not a mobile number", "not_mobile", 21614),
    "+15005550005": Magic("provider unavailable on the first attempt, sent on the retry", "provider_unavailable",
                          permanent=False, fail_attempts=1),  # fmt: skip
    "+15005550008": Magic("provider unavailable on every attempt: failed once retries run out",
                          "provider_unavailable", permanent=False),  # fmt: skip
}


def sandbox_outcome(to_e164: str, attempt: int, ref: str) -> SmsResult | None:
    """Test mode, before any provider: a magic number's outcome (a result, or raises its SmsError) for
    this attempt (1, 2, …); None for any other number (it goes to the test-mode provider)."""
    magic = SANDBOX.get(to_e164)
    if magic is None:
        return None
    if magic.code is None or (magic.fail_attempts and attempt > magic.fail_attempts):
        return SmsResult("SB" + hashlib.sha256(ref.encode()).hexdigest()[:32], "sent")
    raise SmsError(
        magic.code, f"sandbox: {magic.description}", permanent=magic.permanent, provider_code=magic.provider_code
    )
