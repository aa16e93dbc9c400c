"""A local Twilio Messages API for tests: a real HTTP server on loopback (uvicorn) that answers
`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` as Twilio's docs say, failures included.

* HTTP basic auth with the account's sid and token, else 401 `{"code": 20003, "message": "Authenticate", …}`;
  another account's path is 404 (20404).
* A form-encoded body: `To` (21604 if missing, 21211 if not E.164), `From` or `MessagingServiceSid`
  (21603), `Body` (21602; 21617 past 1,600 characters).
* Twilio's magic "To" numbers of its test credentials: +15005550001 (21211), +15005550002 (21612),
  +15005550003 (21408), +15005550004 (21610), +15005550009 (21614); every other valid number is accepted.
* 201 with the Message resource (`sid` `SM…`, `status` `queued`, or `accepted` with a Messaging Service).
* `inject(...)`: the next requests answer a given status and Twilio error (429 with Retry-After, 500,
  …), or wait before answering (a timeout for the client).
* An `Idempotency-Key` seen before answers the message it created (what a de-duplicating gateway does).
* `messages` records every accepted message, `requests` every request, for assertions.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import socket
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

import orjson
import uvicorn

_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")  # Twilio's own check of the format; libphonenumber is ours

MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number"),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' "
                            "number: {to}."),  # fmt: skip
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


@dataclass
class Sent:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    idempotency_key: str | None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Injected:
    status: int
    code: int | None = None
    message: str = ""
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TwilioSimulator:
    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = 0
    messages: list[Sent] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    _injected: list[Injected] = field(default_factory=list)
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, status: int, code: int | None = None, message: str = "", *, delay: float = 0.0,
               times: int = 1, headers: dict[str, str] | None = None) -> None:  # fmt: skip
        """The next `times` requests (after authentication) answer this instead of being processed."""
        for _ in range(times):
            self._injected.append(Injected(status, code, message, delay, headers or {}))

    # --- the ASGI app --------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            msg = await receive()
            raw += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        self.requests.append(Request(scope["path"], headers, form))
        status, body, extra = await self._answer(scope["method"], scope["path"], headers, form)
        out = [(b"content-type", b"application/json; charset=utf-8"),
               *((k.encode(), v.encode()) for k, v in extra.items())]  # fmt: skip
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": orjson.dumps(body)})

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], form: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        match = _PATH.match(path)
        if match is None or method != "POST":
            return _error(404, 20404, f"The requested resource {path} was not found")
        if not self._authenticated(headers.get("authorization", "")):
            return _error(401, 20003, "Authenticate")
        if match.group(1) != self.account_sid:
            return _error(404, 20404, f"The requested resource {path} was not found")
        if self._injected:
            inj = self._injected.pop(0)
            if inj.delay:
                await asyncio.sleep(inj.delay)
            status, body, extra = _error(inj.status, inj.code, inj.message or "injected")
            return status, body, {**extra, **inj.headers}
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
        key = headers.get("idempotency-key")
        if key and key in self._by_key:
            return 201, self._by_key[key], {}
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From"), form.get("MessagingServiceSid")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if not _E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in MAGIC_TO:
            code, text = MAGIC_TO[to]
            return _error(400, code, text.format(to=to))
        sid = "SM" + secrets.token_hex(16)
        self.messages.append(Sent(sid, to, sender, service, body, key))
        now = formatdate(usegmt=True)
        resource = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": sender, "messaging_service_sid": service,
            "num_media": "0", "num_segments": str(max(1, -(-len(body) // 153))), "price": None,
            "price_unit": "USD", "sid": sid, "status": "accepted" if service else "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }  # fmt: skip
        if key:
            self._by_key[key] = resource
        return 201, resource, {}

    def _authenticated(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)


def _error(status: int, code: int | None, message: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more_info, "status": status}
    return status, body, {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningSimulator:
    """`async with RunningSimulator() as sim:` a TwilioSimulator served on a free loopback port."""

    def __init__(self, sim: TwilioSimulator | None = None) -> None:
        self.sim = sim or TwilioSimulator()
        self.sim.port = _free_port()
        config = uvicorn.Config(self.sim, host="127.0.0.1", port=self.sim.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TwilioSimulator:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.01)
        return self.sim

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task:
            await self.task
