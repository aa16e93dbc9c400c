"""HEAD on every GET route: FastAPI's routes answer only the methods they declare (a Starlette
`Route` adds HEAD to GET, an `APIRoute` does not), and adding HEAD to each route would double every
GET operation in the OpenAPI description that schemathesis and the SDK are built from."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_MARK = "rewardkit.head"  # set in the scope of a HEAD run as GET


class HeadAsGet:
    """Pure ASGI middleware: a HEAD request runs as the GET of the same URL, and its response keeps the
    GET's status and headers (Content-Length included, as RFC 9110 allows) with an empty body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, and must go on knowing the request was a HEAD (uvicorn
        # then sends no body and does not expect Content-Length bytes of one).
        # HEAD_MARK: the few GETs that spend a single-use token (the storefront's sign-in links) must not
        # spend it on a HEAD (link checkers, previews), so they can tell.
        await self.app({**scope, "method": "GET", HEAD_MARK: True}, receive, headers_only)
