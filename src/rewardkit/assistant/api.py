"""POST /v1/assistant/ask (#17): public (no API key, `security: []`), limited per client address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from limits import parse

from rewardkit.assistant import service
from rewardkit.assistant.schemas import AskRequest, AssistantAnswer
from rewardkit.kit.http import StrictJSONRoute
from rewardkit.kit.ratelimit import RateLimited, RateLimiter
from rewardkit.kit.responses import JSONResponse, respond
from rewardkit.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1", tags=["Docs assistant"], route_class=StrictJSONRoute)
SPACE = "assistant"


def client_address(request: Request) -> str:
    # The connecting address, or X-Forwarded-For's when the proxy is trusted (app.py ProxyHeadersMiddleware).
    return request.client.host if request.client else ""


async def limit(request: Request, ctx: Runtime) -> None:
    item = parse(ctx.settings.assistant_rate_limit)
    wait = await ctx.part(RateLimiter).address_hit(item, SPACE, client_address(request))
    if wait is not None:
        raise RateLimited(
            f"Too many questions from your address; retry in {wait} s "
            f"(the limit is {ctx.settings.assistant_rate_limit}).",
            headers={"Retry-After": str(wait)},
        )


@router.post(
    "/assistant/ask",
    operation_id="askAssistant",
    response_model=AssistantAnswer,
    response_class=JSONResponse,
    openapi_extra={"security": []},
    responses={503: {"description": "assistant_unavailable"}},
)
async def ask_assistant(request: Request, body: AskRequest, ctx: Annotated[Runtime, Depends(get_runtime)]) -> Any:
    """Ask the docs a question: the answer quotes the guides and the API reference (or, with an LLM
    server configured, is written from them only), with links to its sources and a curl sample for the
    operation it concerns. Below a confidence threshold it says it does not know and points to the
    closest pages instead. No API key; limited per client address (`assistant_rate_limit`)."""
    await limit(request, ctx)
    answer = await service.ask(ctx, request.app.openapi, body.question)
    return respond(request, answer, "assistant_answer")
