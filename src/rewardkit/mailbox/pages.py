"""The development mail catcher's pages: /dev/mail (what it caught, newest first) and /dev/mail/{id}
(one message: its headers, its links, its HTML in a sandboxed frame, its plain text). Development
only: 404 in production. Not in the OpenAPI description (docs/email.md "The mail catcher").

The router's lifespan starts the catcher (when it is enabled) once the app starts, and points this
process's Mailer at it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader

from rewardkit.kit.errors import NotFound
from rewardkit.kit.mail import Mailer
from rewardkit.mailbox.catcher import Caught, MailCatcher
from rewardkit.runtime import Runtime, get_runtime

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "dev"), autoescape=True)

# The pages show mail that holds bearer links: no referrer, no caching, no framing but our own.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}
# A message's own HTML: no script, no form, shown only inside the detail page (CSP sandbox; links may
# open in a new tab). Remote images load, as in a mail client that shows them.
_BODY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:; "
    "frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@asynccontextmanager
async def _catcher_lifespan(app: FastAPI) -> AsyncIterator[None]:
    rt: Runtime = app.state.runtime
    catcher = rt.part(MailCatcher)
    port = await catcher.start()
    if port is not None:
        rt.part(Mailer).use_local(port)
    try:
        yield
    finally:
        await catcher.aclose()


router = APIRouter(include_in_schema=False, lifespan=_catcher_lifespan)


def _catcher(rt: Runtime) -> MailCatcher:
    if rt.settings.environment != "development":
        raise NotFound("The mail catcher exists in development only.")
    return rt.part(MailCatcher)


def _caught(rt: Runtime, message_id: int) -> Caught:
    found = _catcher(rt).get(message_id)
    if found is None:
        raise NotFound(f"The mail catcher holds no message {message_id} (it keeps the last 200).")
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith(("http://", "https://")) and href not in self.found:
            self.found.append(href)


def links_of(html: str | None) -> list[str]:
    """The http(s) links of a message's HTML, in order, once each."""
    parser = _Links()
    parser.feed(html or "")
    return parser.found


@router.get("/dev/mail", response_class=HTMLResponse)
async def mail_list(rt: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    catcher = _catcher(rt)
    html = _env.get_template("list.html").render(catcher=catcher, messages=catcher.messages())
    return HTMLResponse(html, headers=_PAGE_HEADERS)


@router.get("/dev/mail/{message_id}", response_class=HTMLResponse)
async def mail_message(message_id: int, rt: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    caught = _caught(rt, message_id)
    msg = caught.message
    headers: list[tuple[str, Any]] = [(k, msg.get(k)) for k in ("From", "To", "Subject", "Date", "Message-ID")]
    html_body = caught.body("html")
    page = _env.get_template("message.html").render(
        m=caught, headers=[(k, v) for k, v in headers if v], text=caught.body("plain"), has_html=html_body is not None,
        links=links_of(html_body),
    )  # fmt: skip
    return HTMLResponse(page, headers=_PAGE_HEADERS)


@router.get("/dev/mail/{message_id}/html", response_class=HTMLResponse)
async def mail_html(message_id: int, rt: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    body = _caught(rt, message_id).body("html")
    if body is None:
        raise NotFound(f"Message {message_id} has no HTML body.")
    return HTMLResponse(body, headers=_BODY_HEADERS)


@router.get("/dev/mail/{message_id}/raw")
async def mail_raw(message_id: int, rt: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    """The message as received (an .eml), shown as text."""
    raw = _caught(rt, message_id).raw
    return Response(raw, media_type="text/plain; charset=utf-8", headers=_BODY_HEADERS)
