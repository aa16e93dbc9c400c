"""POST /v1/assistant/ask: public, answers from the docs with links, refuses what they do not cover,
refuses bad input with a problem, is limited per client address, and (LLM mode) writes its answer
through an OpenAI-compatible server from the retrieved passages only, keeping the same citations."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from rewardkit.app import create_app
from rewardkit.config import Settings

RETRY = "How do I retry an order safely?"


@pytest.fixture
async def own(app: FastAPI, settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own (its own limiter and settings): the suite's client shares 127.0.0.1's quota."""
    over: dict[str, Any] = getattr(request, "param", {})
    # `app`: the suite's database is migrated by then.
    mine = create_app(settings.model_copy(update={"assistant_rate_limit": "1000/minute", **over}))
    transport = httpx.ASGITransport(app=mine)
    async with LifespanManager(mine), httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_the_code_sample_runs_as_printed_with_only_api_key_set(own: httpx.AsyncClient) -> None:
    """The answer's curl, pasted into bash after `export API_KEY=…` (what `make serve` prints), must reach
    a server and send a real Idempotency-Key: it used `$REWARDKIT_URL` (named nowhere a user sets it, so
    curl got a URL without a host) and `$(uuidgen)` (not on Debian: curl then drops the empty header)."""
    r = await own.post("/v1/assistant/ask", json={"question": RETRY})
    code = r.json()["code_sample"]["code"]
    # `curl` stands in as a function printing its arguments: the sample's own expansions run for real.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "API_KEY": "sk_test_abc"}
    script = "curl() { printf '%s\\n' \"$@\"; }\n" + code
    run = subprocess.run
    out = await asyncio.to_thread(run, ["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
    args = out.stdout.splitlines()
    assert out.stderr == "", out.stderr
    assert "http://127.0.0.1:8000/v1/orders" in args
    assert "Authorization: Bearer sk_test_abc" in args
    keys = [a for a in args if a.startswith("Idempotency-Key:")]
    assert len(keys) == 1 and re.fullmatch(r"Idempotency-Key: [0-9a-f]{32}", keys[0]), keys


async def test_generated_samples_do_not_crowd_out_the_guides(own: httpx.AsyncClient) -> None:
    """docs/samples.md's per-operation code sections took all 3 citations of "How do I create a reward link?"."""
    r = await own.post("/v1/assistant/ask", json={"question": "How do I create a reward link?"})
    urls = [c["url"] for c in r.json()["citations"]]
    assert not any(u.startswith("/guides/samples#") for u in urls), urls
    assert any(u.startswith("/guides/links") or u.endswith("/createRewardLink") for u in urls), urls


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    return body


async def test_retry_an_order_safely_is_the_idempotency_key_answer(own: httpx.AsyncClient) -> None:
    r = await own.post("/v1/assistant/ask", json={"question": RETRY})  # no API key
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "assistant_answer" and body["refused"] is False and body["mode"] == "extractive"
    assert "Idempotency-Key" in body["answer"]
    urls = [c["url"] for c in body["citations"]]
    assert any("idempotency" in u or "retry-safely" in u for u in urls), urls
    assert all(u.startswith(("/guides/", "/docs#/")) for u in urls)
    assert body["code_sample"]["operation_id"] == "createOrder"
    assert "Idempotency-Key" in body["code_sample"]["code"] and "curl -X POST" in body["code_sample"]["code"]
    # Every cited link opens on this server.
    for c in body["citations"]:
        if c["kind"] == "guide":
            page = await own.get(c["url"].split("#")[0])
            assert page.status_code == 200 and f'id="{c["section"]}"' in page.text


async def test_an_answer_quotes_the_docs_only(own: httpx.AsyncClient) -> None:
    body = (await own.post("/v1/assistant/ask", json={"question": "How do I verify a webhook signature?"})).json()
    assert body["citations"][0]["url"] == "/guides/webhooks#verify-the-signature"
    text = (await own.get("/guides/webhooks.md")).text
    quoted = body["answer"].split("”: ", 1)[1]
    # The answer opens with a sentence of the first cited section (the markdown, less its markup).
    plain = " ".join(text.replace("`", "").replace("**", "").split())
    assert quoted[:40] in plain, quoted


@pytest.mark.parametrize("question", ["How do I pay in bitcoin?", "What is the CEO's name?", "asdf qwerty zxcv"])
async def test_what_the_docs_do_not_cover_is_refused(own: httpx.AsyncClient, question: str) -> None:
    body = (await own.post("/v1/assistant/ask", json={"question": question})).json()
    assert body["refused"] is True and body["code_sample"] is None
    assert body["answer"].startswith("I don't know")
    assert body["confidence"] < 0.5


@pytest.mark.parametrize(
    "payload",
    [{"question": ""}, {"question": "   "}, {"question": "x" * 10_000}, {}, {"question": 5}, {"question": "a", "x": 1}],
)
async def test_bad_input_is_a_422_problem(own: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    problem(await own.post("/v1/assistant/ask", json=payload), 422, "validation_error")


async def test_a_malformed_body_is_a_400(own: httpx.AsyncClient) -> None:
    r = await own.post("/v1/assistant/ask", content=b"{", headers={"content-type": "application/json"})
    problem(r, 400, "malformed_json")


@pytest.mark.parametrize("own", [{"assistant_rate_limit": "3/minute"}], indirect=True)
async def test_over_the_limit_is_429_per_address(own: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (await own.post("/v1/assistant/ask", json={"question": "pagination"})).status_code == 200
    r = await own.post("/v1/assistant/ask", json={"question": "pagination"})
    problem(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
    # The ask page shares the limit, and says so in HTML.
    page = await own.get("/guides/ask", params={"q": "pagination"})
    assert page.status_code == 429 and "Too many questions" in page.text


async def test_the_ask_page_works_with_js_off(own: httpx.AsyncClient) -> None:
    r = await own.get("/guides/ask", params={"q": RETRY})
    assert r.status_code == 200 and "Idempotency-Key" in r.text
    assert 'href="/guides/quickstart#3-retry-safely-name-a-recipient"' in r.text or "/guides/api#idempotency" in r.text
    assert (await own.get("/guides/ask", params={"q": ""})).status_code == 422
    assert (await own.get("/guides/ask", params={"q": "x" * 1001})).status_code == 422


# --- LLM mode, against a stand-in that answers as OpenAI's chat completions API documents ----------


class StandIn:
    """POST /v1/chat/completions on 127.0.0.1: records the request, answers {"choices": [{"message": …}]}."""

    def __init__(
        self, reply: str | None = "Send the same Idempotency-Key header when you retry [1].", status: int = 200
    ):
        self.reply, self.status = reply, status
        self.requests: list[dict[str, Any]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        length = next(int(v.split(":")[1]) for v in lines if v.lower().startswith("content-length"))
        body = json.loads(await reader.readexactly(length))
        self.requests.append({"path": lines[0].split()[1], "body": body, "head": head.decode()})
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
        }
        data = json.dumps(answer).encode()
        writer.write(f"HTTP/1.1 {self.status} X\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n"
                     "connection: close\r\n\r\n".encode() + data)  # fmt: skip
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def _ask_with(settings: Settings, stand_in: StandIn, url: str | None = None) -> dict[str, Any]:
    async with stand_in as base:
        over = {"assistant_rate_limit": "1000/minute", "assistant_llm_url": url or base,
                "assistant_llm_model": "local-model", "assistant_llm_api_key": "llm-secret"}  # fmt: skip
        app = create_app(settings.model_copy(update=over))
        transport = httpx.ASGITransport(app=app)
        async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/v1/assistant/ask", json={"question": RETRY})
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body


async def test_llm_mode_writes_from_the_retrieved_passages_only(app: FastAPI, settings: Settings) -> None:
    stand_in = StandIn()
    body = await _ask_with(settings, stand_in)
    assert body["mode"] == "llm" and body["answer"] == stand_in.reply and body["refused"] is False
    (req,) = stand_in.requests
    assert req["path"] == "/v1/chat/completions" and "authorization: bearer llm-secret" in req["head"].lower()
    sent = req["body"]
    assert sent["model"] == "local-model" and sent["messages"][0]["role"] == "system"
    assert "ONLY" in sent["messages"][0]["content"]
    # The sources the model saw are exactly the citations returned.
    for c in body["citations"]:
        assert c["url"] in sent["messages"][1]["content"]


async def test_llm_failure_falls_back_to_the_extractive_answer(app: FastAPI, settings: Settings) -> None:
    body = await _ask_with(settings, StandIn(status=500))
    assert body["mode"] == "extractive" and "Idempotency-Key" in body["answer"]
    down = await _ask_with(settings, StandIn(), url="http://127.0.0.1:9/v1")  # nothing listens on port 9
    assert down["mode"] == "extractive"


async def test_llm_saying_it_does_not_know_is_a_refusal(app: FastAPI, settings: Settings) -> None:
    body = await _ask_with(settings, StandIn(reply="I don't know."))
    assert body["refused"] is True and body["mode"] == "llm" and body["citations"]
