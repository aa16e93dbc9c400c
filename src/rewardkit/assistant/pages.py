"""The docs site's search and ask pages (#17), plain GET forms that work with JavaScript off:

    GET /guides/search?q=   sections and operations matching the words, with snippets
    GET /guides/ask?q=      the assistant's answer, its sources and code sample, in the docs frame

They live here rather than in guides/ because they need the assistant's index (the assistant reads the
guides; the guides never import the assistant). The ask page is limited like POST /v1/assistant/ask.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from rewardkit.assistant import api, service
from rewardkit.assistant.schemas import MAX_QUESTION
from rewardkit.guides import pages as guides
from rewardkit.kit.ratelimit import RateLimited
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(include_in_schema=False)


@router.get("/guides/search")
async def guides_search(
    request: Request, ctx: Annotated[Runtime, Depends(get_runtime)], q: Annotated[str, Query(max_length=500)] = ""
) -> HTMLResponse:
    lib = guides.library(ctx)
    query = q.strip()
    hits = await service.search(ctx, request.app.openapi, query) if query else []
    return guides.html("guides_search.html", library=lib, heading="Search", current=None, query=query, hits=hits)


@router.get("/guides/ask")
async def guides_ask(
    request: Request, ctx: Annotated[Runtime, Depends(get_runtime)], q: Annotated[str, Query()] = ""
) -> HTMLResponse:
    lib = guides.library(ctx)
    question = q.strip()
    context: dict[str, Any] = {"library": lib, "heading": "Answer", "current": None, "asked": question}
    if not question or len(question) > MAX_QUESTION:
        error = "Type a question." if not question else f"Questions are at most {MAX_QUESTION} characters."
        return guides.html("guides_answer.html", 422, error=error, **context)
    try:
        await api.limit(request, ctx)
    except RateLimited as exc:
        response = guides.html("guides_answer.html", 429, error=exc.detail, **context)
        response.headers["Retry-After"] = (exc.headers or {}).get("Retry-After", "60")
        return response
    answer = await service.ask(ctx, request.app.openapi, question)
    return guides.html("guides_answer.html", answer=answer, **context)
