"""Answering a question: search, compose (or have the configured model write) the answer, cite."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rewardkit.assistant import llm
from rewardkit.assistant.answer import Answer, compose
from rewardkit.assistant.errors import AssistantUnavailable
from rewardkit.assistant.index import Assistant, Hit, Index
from rewardkit.assistant.text import tokens
from rewardkit.guides import source
from rewardkit.runtime import Runtime

_FIELD = re.compile(r"^([A-Za-z0-9_.-]+)(?: \((?:header|query|path|cookie)\))?:")
I_DONT_KNOW = re.compile(r"^\s*i\s+don'?t\s+know", re.IGNORECASE)


async def index_of(ctx: Runtime, spec: Callable[[], dict[str, Any]]) -> Index:
    library = source.load(ctx.settings.docs_dir)
    if not library.pages:
        raise AssistantUnavailable("No docs were found (set REWARDKIT_DOCS_DIR to the docs/ folder).")
    return await ctx.part(Assistant).index(library, spec)


def _field(hit: Hit, query: set[str]) -> str | None:
    """For an operation: the parameter or body field whose description shares most with the question."""
    if hit.passage.kind != "operation":
        return None
    best, best_n = None, 0
    for para in hit.passage.paragraphs[1:]:
        m = _FIELD.match(para)
        if m:
            n = len(set(tokens(para)) & query)
            if n > best_n:
                best, best_n = m.group(1), n
    return best


def citation(hit: Hit, query: set[str]) -> dict[str, Any]:
    p = hit.passage
    return {
        "kind": p.kind,
        "title": p.title,
        "url": p.url,
        "page": p.page,
        "section": p.anchor,
        "operation_id": p.operation_id,
        "field": _field(hit, query),
        "score": round(hit.score, 3),
    }


def render(question: str, a: Answer, mode: str = "extractive", text: str | None = None) -> dict[str, Any]:
    query = set(tokens(question))
    sample = a.sample
    return {
        "object": "assistant_answer",
        "question": question,
        "answer": text if text is not None else a.answer,
        "refused": a.refused,
        "confidence": a.confidence,
        "citations": [citation(h, query) for h in a.hits],
        "code_sample": None
        if sample is None
        else {"operation_id": sample.operation_id, "language": "shell", "code": sample.code},  # fmt: skip
        "mode": mode,
    }


async def ask(ctx: Runtime, spec: Callable[[], dict[str, Any]], question: str) -> dict[str, Any]:
    index = await index_of(ctx, spec)
    a = compose(index, question)
    if a.refused or not ctx.settings.assistant_llm_url:
        return render(question, a)
    written = await llm.generate(ctx.outbound, ctx.settings, question, a.hits)
    if written is None:
        return render(question, a)
    if I_DONT_KNOW.match(written):
        # The model found no answer in the passages: a refusal, with the same closest pages.
        refused = Answer(a.answer, True, a.confidence, a.hits, None)
        return render(question, refused, "llm", "I don't know: the docs do not answer that. " + _closest(a))
    return render(question, a, "llm", written)


def _closest(a: Answer) -> str:
    return "The closest pages are " + ", ".join(f"“{h.passage.title}”" for h in a.hits) + "."


async def search(ctx: Runtime, spec: Callable[[], dict[str, Any]], query: str, k: int = 20) -> list[dict[str, str]]:
    """The docs site's search: the same index, guide sections and operations alike."""
    index = await index_of(ctx, spec)
    stems, hits = index.search(query, k)
    wanted = set(stems)
    out = []
    for h in hits:
        para = next((p for p in h.passage.paragraphs if set(tokens(p)) & wanted), "")
        snippet = para if len(para) <= 240 else para[:239] + "…"
        out.append({"title": h.passage.title, "url": h.passage.url, "snippet": snippet})
    return out
