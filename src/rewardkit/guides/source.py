"""The guides: every docs/*.md page, rendered to HTML once per process, and cut into sections.

Where the pages come from: ``guides/docs`` in the package. In a checkout it is a symlink to the
repository's ``docs/``, so a page added there is served (and indexed by the assistant) at the next
start with no list to update; the wheel holds a copy of the files (package data follows the link when
it is built). ``REWARDKIT_DOCS_DIR`` points at another folder instead.

Rendering is markdown-it-py (CommonMark + tables), raw HTML off (a page is text, never markup that
the strict CSP would have to allow). Every heading gets a GitHub-style anchor, so the links the pages
already use (``api.md#rate-limits``) keep working once rewritten to ``/guides/api#rate-limits``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

DOCS_DIR = Path(__file__).parent / "docs"
PREFIX = "/guides"
# Read first: a newcomer's path through the docs. Every other page follows, by name.
FIRST = ("quickstart", "api", "sandbox")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
_MD_LINK = re.compile(r"^(?:\./)?([a-z0-9][a-z0-9_-]*)\.md(#[^\s]*)?$")


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return _SLUG_DROP.sub("", text.strip().lower()).replace(" ", "-")


@dataclass(frozen=True)
class Section:
    """One heading and what follows it up to the next heading: the unit of search and citation."""

    page: str
    anchor: str  # "" for the text above the first sub-heading of a page without a title heading
    heading: str
    level: int
    paragraphs: tuple[str, ...]  # plain text of each paragraph, list item and table row
    code: tuple[str, ...]  # fenced and indented code blocks, as written

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.page}" + (f"#{self.anchor}" if self.anchor else "")


@dataclass(frozen=True)
class Page:
    name: str  # the file name without .md: the URL segment
    title: str
    summary: str  # the first paragraph, plain text
    markdown: str
    html: str
    sections: tuple[Section, ...]
    anchors: frozenset[str] = field(default_factory=frozenset)

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.name}"

    @property
    def toc(self) -> list[Section]:
        return [s for s in self.sections if s.level == 2]


@dataclass(frozen=True)
class Library:
    pages: dict[str, Page]  # in reading order

    def get(self, name: str) -> Page | None:
        return self.pages.get(name)

    @property
    def sections(self) -> list[Section]:
        return [s for p in self.pages.values() for s in p.sections]


def _plain(inline: Token) -> str:
    """An inline token's text without markup: what is read and searched."""
    out: list[str] = []
    for child in inline.children or []:
        if child.type in {"text", "code_inline"}:
            out.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            out.append(" ")
    return "".join(out).strip()


def _anchors(state: StateCore) -> None:
    """A core rule: an id on every heading (duplicates numbered as GitHub does)."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            base = slug(_plain(tokens[i + 1])) or "section"
            n = seen.get(base, 0)
            seen[base] = n + 1
            tok.attrSet("id", base if n == 0 else f"{base}-{n}")


def _links(state: StateCore) -> None:
    """A core rule: `foo.md#x` (a sibling page) becomes `/guides/foo#x`; other links are left alone."""
    for tok in state.tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                m = _MD_LINK.match(href)
                if m:
                    child.attrSet("href", f"{PREFIX}/{m.group(1)}{m.group(2) or ''}")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.core.ruler.push("rk_anchors", _anchors)
    md.core.ruler.push("rk_links", _links)
    return md


def _sections(name: str, tokens: Sequence[Token], title: str) -> tuple[Section, ...]:
    out: list[Section] = []
    anchor, heading, level = "", title, 1
    paragraphs: list[str] = []
    code: list[str] = []
    row: list[str] = []

    def close() -> None:
        if paragraphs or code or anchor:
            out.append(Section(name, anchor, heading, level, tuple(paragraphs), tuple(code)))

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            close()
            anchor, heading, level = str(tok.attrGet("id") or ""), _plain(tokens[i + 1]), int(tok.tag[1:])
            paragraphs, code = [], []
            i += 3
            continue
        if tok.type == "inline" and tok.content:
            text = _plain(tok)
            if text:
                (row if _in_row(tokens, i) else paragraphs).append(text)
        elif tok.type == "tr_close":
            if row:
                paragraphs.append(" | ".join(row))
            row = []
        elif tok.type in {"fence", "code_block"}:
            code.append(tok.content.rstrip())
        i += 1
    close()
    return tuple(out)


def _in_row(tokens: Sequence[Token], i: int) -> bool:
    # An inline token inside a table cell: its opener is th_open or td_open.
    return i > 0 and tokens[i - 1].type in {"th_open", "td_open"}


def _page(md: MarkdownIt, name: str, text: str) -> Page:
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    title = name
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1":
            title = _plain(tokens[i + 1])
            break
    summary = next(
        (_plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open" and i + 1 < len(tokens)),
        "",
    )
    html = md.renderer.render(tokens, md.options, env)
    sections = _sections(name, tokens, title)
    anchors = frozenset(str(t.attrGet("id")) for t in tokens if t.type == "heading_open")
    return Page(name, title, summary, text, html, sections, anchors)


def _order(names: list[str]) -> list[str]:
    first = [n for n in FIRST if n in names]
    return first + sorted(n for n in names if n not in first)


@lru_cache(maxsize=4)
def load(directory: str = "") -> Library:
    """Every page of the folder (cached: pages change only with a new release or restart)."""
    root = Path(directory) if directory else DOCS_DIR
    md = _markdown()
    files = {p.stem: p for p in root.glob("*.md") if _NAME.fullmatch(p.stem)} if root.is_dir() else {}
    pages = {name: _page(md, name, files[name].read_text(encoding="utf-8")) for name in _order(list(files))}
    return Library(pages)
