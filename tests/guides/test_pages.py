"""The docs site: every docs/*.md page served as HTML with a nav and heading anchors, no broken links
between pages, search that finds words, raw markdown, llms.txt and the full-text export."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

from rewardkit.guides import source

LIB = source.load()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "script":
            self.scripts.append(str(a.get("src")))


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def test_every_docs_page_is_found() -> None:
    names = {p.stem for p in source.DOCS_DIR.glob("*.md")}
    assert names and set(LIB.pages) == names
    assert list(LIB.pages)[0] == "quickstart"


async def test_every_page_renders_with_nav_anchors_and_hosted_page_headers(client: httpx.AsyncClient) -> None:
    pages: dict[str, Links] = {}
    for name, page in LIB.pages.items():
        r = await client.get(f"/guides/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        parsed = pages[name] = parse(r.text)
        # The nav links every page; every section has its anchor.
        assert {f"/guides/{n}" for n in LIB.pages} <= set(parsed.hrefs)
        assert {s.anchor for s in page.sections if s.anchor} <= parsed.ids
        assert all(src.startswith("/static/") for src in parsed.scripts)
    # Links between pages point at pages and anchors that exist.
    broken = []
    for name, parsed in pages.items():
        for href in parsed.hrefs:
            m = re.fullmatch(r"/guides/([a-z0-9_-]+)(?:#(.*))?", href)
            if not m or m.group(1) in {"search", "ask"}:
                continue
            target = pages.get(m.group(1))
            if target is None or (m.group(2) and m.group(2) not in target.ids):
                broken.append(f"{name}: {href}")
    assert broken == []


async def test_the_index_and_a_missing_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/guides")
    assert r.status_code == 200 and "Quickstart" in r.text and 'href="/docs"' in r.text
    assert (await client.get("/guides/", follow_redirects=False)).status_code == 308
    assert (await client.get("/guides/no-such-page")).status_code == 404
    assert (await client.get("/guides/..%2Fpyproject.toml.md")).status_code == 404


async def test_links_between_pages_are_rewritten() -> None:
    html = LIB.pages["api"].html
    assert 'href="/guides/deploy"' in html or 'href="/guides/deploy#' in html
    assert '.md"' not in re.sub(r'href="https?://[^"]*"', "", html)


async def test_search_finds_idempotency_with_js_off(client: httpx.AsyncClient) -> None:
    r = await client.get("/guides/search", params={"q": "idempotency"})
    assert r.status_code == 200
    hrefs = parse(r.text).hrefs
    assert "/guides/api#idempotency" in hrefs
    empty = await client.get("/guides/search", params={"q": "xyzzyplugh"})
    assert empty.status_code == 200 and "Nothing in the docs matches" in empty.text
    assert (await client.get("/guides/search", params={"q": "x" * 501})).status_code == 422


async def test_raw_markdown(client: httpx.AsyncClient) -> None:
    r = await client.get("/guides/api.md")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.text == (source.DOCS_DIR / "api.md").read_text(encoding="utf-8")
    assert (await client.get("/guides/nope.md")).status_code == 404


async def test_llms_txt_follows_llmstxt_org(client: httpx.AsyncClient) -> None:
    r = await client.get("/llms.txt")
    assert r.status_code == 200
    lines = r.text.splitlines()
    assert lines[0] == "# rewardkit" and lines[2].startswith("> ")
    assert "## Docs" in lines
    links = re.findall(r"^- \[([^\]]+)\]\((http://testserver/guides/[a-z0-9_-]+\.md)\)", r.text, re.M)
    assert {u.rsplit("/", 1)[1][:-3] for _, u in links} == set(LIB.pages)
    full = await client.get("/llms-full.txt")
    assert full.status_code == 200
    for page in LIB.pages.values():
        assert page.markdown.strip()[:200] in full.text


def test_slugs_match_github() -> None:
    assert source.slug("Schemathesis: the OpenAPI description against the server") == (
        "schemathesis-the-openapi-description-against-the-server"
    )
    assert source.slug("Operator endpoints (inventory)") == "operator-endpoints-inventory"
