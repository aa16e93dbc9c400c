"""LLM mode: when `REWARDKIT_ASSISTANT_LLM_URL` names an OpenAI-compatible server, the answer is written
by its model from the retrieved passages only (POST {url}/chat/completions, the documented request and
`choices[0].message.content` answer). The citations stay the retrieved passages, never parsed out of
the model's text; any failure (refused connection, timeout, non-2xx, an answer of another shape) falls
back to the extractive answer, so the endpoint never fails because the model did."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from rewardkit.assistant.index import Hit
from rewardkit.kit.outbound import Outbound, Policy, ResponseTooLarge, UnsafeDestination

log = logging.getLogger("rewardkit")
MAX_PASSAGE_CHARS = 2000
MAX_ANSWER_CHARS = 4000
SYSTEM = (
    "You answer questions about rewardkit, a rewards API, for developers. Use ONLY the numbered sources "
    'given: if they do not answer the question, reply exactly "I don\'t know." Never invent endpoints, '
    "fields, headers or values. Be brief; quote identifiers exactly as the sources write them."
)


def messages(question: str, hits: list[Hit]) -> list[dict[str, str]]:
    sources = []
    for n, h in enumerate(hits, 1):
        body = " ".join(h.passage.paragraphs)[:MAX_PASSAGE_CHARS]
        sources.append(f"[{n}] {h.passage.title} ({h.passage.url})\n{body}")
    user = "Sources:\n\n" + "\n\n".join(sources) + f"\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


async def generate(outbound: Outbound, settings: Any, question: str, hits: list[Hit]) -> str | None:
    """The model's answer, or None (then the caller keeps the extractive one)."""
    url = settings.assistant_llm_url.rstrip("/") + "/chat/completions"
    # The operator chose this server (often a local one): private addresses allowed, pooled by name.
    policy = Policy(timeout=settings.assistant_llm_timeout_seconds, max_response_bytes=256 * 1024,
                    allow_private=True, pin_addresses=False)  # fmt: skip
    headers = {"Accept": "application/json"}
    if settings.assistant_llm_api_key:
        headers["Authorization"] = f"Bearer {settings.assistant_llm_api_key}"
    body = {"model": settings.assistant_llm_model, "messages": messages(question, hits), "temperature": 0}
    try:
        r = await outbound.request(policy, "POST", url, headers=headers, json=body)
    except (httpx.HTTPError, UnsafeDestination, ResponseTooLarge, OSError) as exc:
        log.warning("assistant: the LLM server did not answer (%s); extractive answer", type(exc).__name__)
        return None
    if r.status_code // 100 != 2:
        log.warning("assistant: the LLM server answered %s; extractive answer", r.status_code)
        return None
    try:
        content = r.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        log.warning("assistant: the LLM server's answer has no choices[0].message.content; extractive answer")
        return None
    if not isinstance(content, str) or not content.strip():
        return None
    return content.strip()[:MAX_ANSWER_CHARS]
