"""The API reference (/docs, Swagger UI from fastapi-offline) joined to the guides: a link to /guides
on it, and on a local demo server (`rewardkit serve`, development only) the demo org's sandbox key
pre-filled (to a browser on the same machine only), so try-it-out works at once. Same origin as the
API, so no CORS is involved.

The key reaches Swagger UI through a `<meta>` element read by the same-origin guides.docs.js, which
calls Swagger UI's `preauthorizeApiKey` once the description has loaded. Without demo mode the page
holds no key at all (tests/guides/test_reference.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from html import escape

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse, Response

from rewardkit.config import Settings

SCHEME = "apiKey"  # the OpenAPI security scheme (app.py)
LINK = (
    '<p style="margin:0;padding:.5rem 1rem;font:15px system-ui,sans-serif;background:#eef1f4">'
    '<a href="/guides">Guides</a> · <a href="/guides/api">API conventions</a> · '
    '<a href="/guides/quickstart">Quickstart</a></p>'
)


def demo_key(settings: Settings) -> str:
    """The key to pre-fill: only a development server's own demo key, never in production."""
    if settings.environment != "development":
        return ""
    key = settings.demo_api_key
    return key if key.startswith("sk_test_") else ""


def decorate(page: str, key: str) -> str:
    """The Swagger UI page with the guides link and, on a demo server, the key and the script that uses it."""
    page = page.replace("<body>", "<body>\n" + LINK, 1)
    if key:
        extra = (
            f'<meta name="rewardkit-demo-key" content="{escape(key)}" data-scheme="{SCHEME}">\n'
            '<script src="/static/guides.docs.js"></script>\n'
        )
        page = page.replace("</body>", extra + "</body>", 1)
    return page


def install(app: FastAPI, settings: Settings) -> None:
    """Replace the /docs route FastAPIOffline made by one that decorates its page."""
    key = demo_key(settings)
    found = [r for r in app.router.routes if isinstance(r, APIRoute) and r.path == "/docs"]
    if not found:
        return
    original: Callable[[Request], Awaitable[Response]] = found[0].endpoint
    app.router.routes.remove(found[0])

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        page = await original(request)
        body = bytes(page.body).decode()
        # Only to a browser on this machine: `rewardkit serve --host 0.0.0.0` must not hand the key to
        # the network.
        shown = key if _loopback(request) else ""
        return HTMLResponse(
            decorate(body, shown), headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        )


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
