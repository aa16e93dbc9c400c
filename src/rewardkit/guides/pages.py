"""The docs site (#17): every docs/*.md page as HTML next to the API reference, on the same origin.

    GET /guides                 every page, with its summary
    GET /guides/{page}          one guide: nav of all pages, its sections' anchors, search and ask boxes
    GET /guides/{page}.md       the page's markdown, as written
    GET /llms.txt               llmstxt.org: title, summary, a link to each page's markdown
    GET /llms-full.txt          every page's full text, one after the other

Search (/guides/search) and the ask box's answer page (/guides/ask) are the assistant's (assistant/
pages.py): they need its index, and the assistant reads the guides, not the reverse. Every page is
plain HTML with the hosted pages' security headers (web.page()); guides.js only answers in place.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from rewardkit import web
from rewardkit.guides import source
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(include_in_schema=False)
FRAME = web.Frame(name="rewardkit")
TITLE = "rewardkit"
SUMMARY = (
    "Open-source rewards infrastructure: a catalog of gift cards and perks, prepaid wallets on a "
    "double-entry ledger, orders, reward links, points programs and webhooks, behind one JSON API."
)


def library(ctx: Runtime) -> source.Library:
    return source.load(ctx.settings.docs_dir)


def html(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A docs page with the hosted pages' headers, plus `connect-src 'self'` so that guides.js may ask
    /v1/assistant/ask in place (the CSP's default is 'none')."""
    body, headers = web.page(name, FRAME, **context)
    headers["Content-Security-Policy"] += "; connect-src 'self'"
    headers["X-Frame-Options"] = "DENY"
    return HTMLResponse(body, status_code=status, headers=headers)


def _text(body: str, media_type: str, status: int = 200) -> Response:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return PlainTextResponse(body, status_code=status, media_type=media_type, headers=headers)


def _missing(lib: source.Library, name: str) -> HTMLResponse:
    return html("guides_search.html", 404, library=lib, heading="Not found", current=None, query=name, hits=[])


@router.get("/guides")
async def guides_index(ctx: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    return html("guides_index.html", library=library(ctx), heading="Docs", current=None)


@router.get("/guides/")
async def guides_slash() -> RedirectResponse:
    return RedirectResponse("/guides", status_code=308)


@router.get("/guides/{name}.md")
async def guide_markdown(name: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    page = library(ctx).get(name)
    if page is None:
        return _text(f"No page {name!r}.\n", "text/plain", 404)
    return _text(page.markdown, "text/markdown")


@router.get("/guides/{name}")
async def guide(name: str, ctx: Annotated[Runtime, Depends(get_runtime)]) -> HTMLResponse:
    lib = library(ctx)
    page = lib.get(name)
    if page is None:
        return _missing(lib, name)
    return html("guides_page.html", library=lib, page=page, heading=page.title, current=page.name)


def llms_txt(lib: source.Library, base: str) -> str:
    """llmstxt.org: an H1, a blockquote summary, then H2 sections of `- [title](url): notes` links."""
    lines = [f"# {TITLE}", "", f"> {SUMMARY}", ""]
    lines += [
        f"The guides are also served as HTML at {base}/guides; the API's OpenAPI description is "
        f"{base}/openapi.json and its interactive reference {base}/docs. The whole text: {base}/llms-full.txt.",
        "",
        "## Docs",
        "",
    ]
    for p in lib.pages.values():
        note = f": {p.summary}" if p.summary else ""
        lines.append(f"- [{p.title}]({base}{p.url}.md){note}")
    lines += ["", "## Optional", "", f"- [OpenAPI description]({base}/openapi.json): every operation, field and error"]
    return "\n".join(lines) + "\n"


def llms_full(lib: source.Library) -> str:
    return "\n\n".join(f"<!-- {p.url}.md -->\n{p.markdown.strip()}" for p in lib.pages.values()) + "\n"


@router.get("/llms.txt")
async def llms(ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    # The configured public URL, never the request's Host header (which any client may set).
    base = ctx.settings.public_url.rstrip("/")
    return _text(llms_txt(library(ctx), base), "text/markdown")


@router.get("/llms-full.txt")
async def llms_full_txt(ctx: Annotated[Runtime, Depends(get_runtime)]) -> Response:
    return _text(llms_full(library(ctx)), "text/markdown")
