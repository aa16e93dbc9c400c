"""What a real API process writes: one JSON object per line (ours, uvicorn's start-up lines and its
access line alike), each request's lines carrying its Request-Id, each job's its id and kind, token
paths redacted (docs/deploy.md "Logs")."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from rewardkit.config import Settings
from rewardkit.kit import logs
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body
from tests.served import Served, serve_process


@pytest.fixture(scope="module")
def server(ctx: Runtime, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_process(settings, tmp_path_factory.mktemp("json-logs"), REWARDKIT_LOG_LEVEL="debug") as served:
        yield served


async def wait_for(served: Served, found: Any, what: str) -> list[dict[str, Any]]:
    """The records once `found(records)` holds: a line is written just after its response."""
    for _ in range(200):
        records = served.records()
        if found(records):
            return records
        await asyncio.sleep(0.05)
    raise AssertionError(f"never logged: {what}\n{served.text()[-4000:]}")


def access(records: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("event") == "request" and r.get("request_id") == request_id]


async def test_every_line_is_json_with_the_common_fields(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server.base) as c:
        r = await c.get("/v1/balances", headers=org.h())
    rid = r.headers["request-id"]
    records = await wait_for(server, lambda rs: access(rs, rid), "the access line")
    assert any(r.get("logger", "").startswith("uvicorn") and "Started server process" in r["event"] for r in records)
    for record in records:
        assert {"timestamp", "level", "event", "logger"} <= record.keys(), record
        assert record["level"] in {"debug", "info", "warning", "error", "critical"}
        assert record["timestamp"].endswith("Z")


async def test_the_access_line_has_method_path_status_duration_and_request_id(
    server: Served, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server.base) as c:
        ok = await c.get("/v1/balances", headers=org.h(), params={"x": "1"})
        missing = await c.get("/no/such/route", headers={"Request-Id": "req_caller_chosen_1"})
    assert missing.headers["request-id"] == "req_caller_chosen_1"
    records = await wait_for(
        server, lambda rs: access(rs, ok.headers["request-id"]) and access(rs, "req_caller_chosen_1"), "both lines"
    )
    [line] = access(records, ok.headers["request-id"])
    assert (line["method"], line["path"], line["status"], line["logger"]) == (
        "GET",
        "/v1/balances",
        200,
        "uvicorn.access",
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    [line404] = access(records, "req_caller_chosen_1")
    assert (line404["path"], line404["status"]) == ("/no/such/route", 404)


async def test_a_voucher_page_is_logged_with_its_token_redacted(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server.base) as c:
        order = (await c.post("/v1/orders", json=order_body(), headers=org.h())).json()
        page = await c.get(httpx.URL(order["voucher_url"]).path + "?utm=mail")
    assert page.status_code == 200
    token = httpx.URL(order["voucher_url"]).path.removeprefix("/v/")
    records = await wait_for(server, lambda rs: access(rs, page.headers["request-id"]), "the page's line")
    [line] = access(records, page.headers["request-id"])
    assert (line["path"], line["status"]) == ("/v/[redacted]", 200)
    text = server.text()
    assert token not in text and order["voucher"]["code"] not in text


async def test_a_jobs_lines_carry_its_id_and_kind(server: Served, make_org: MakeOrg) -> None:
    """A transient supplier error sends the order to the process's worker, which retries the job."""
    org = await make_org(USD="100.00")
    async with httpx.AsyncClient(base_url=server.base) as c:
        first = (await c.post("/v1/orders", json=order_body(metadata={"sandbox": "transient"}), headers=org.h())).json()
        for _ in range(200):
            order = (await c.get(f"/v1/orders/{first['id']}", headers=org.h())).json()
            if order["status"] == "fulfilled":
                break
            await asyncio.sleep(0.05)
    assert order["status"] == "fulfilled"
    records = await wait_for(
        server, lambda rs: any(r.get("job_kind") == "orders.fulfil" for r in rs), "a line of the fulfil job"
    )
    job_lines = [r for r in records if r.get("job_kind") == "orders.fulfil"]
    assert all(isinstance(r["job_id"], int) for r in job_lines)
    # The first attempt ran inside the order's request (the fast path): its lines name both.
    assert any(r.get("request_id") for r in job_lines)


def test_console_format_is_one_readable_line_per_record(ctx: Runtime, settings: Settings, tmp_path: Path) -> None:
    with serve_process(settings, tmp_path, REWARDKIT_LOG_FORMAT="console") as served:
        r = httpx.get(f"{served.base}/healthz", headers={"Request-Id": "req_console_1"})
        assert r.status_code == 200
    text = served.text()
    assert "request_id=req_console_1" in text
    assert not text.lstrip().startswith("{")


@pytest.fixture
def rendered() -> Iterator[io.StringIO]:
    """What our handler (configure_logging, as create_app left it) writes, captured for one test."""
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, logs._Handler)]
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        yield out
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]


def test_an_exception_is_logged_by_type_and_frames_never_its_message(app: Any, rendered: io.StringIO) -> None:
    """Whoever logs it (ours, uvicorn's "Exception in ASGI application", a library's), with the
    traceback: the message (which may quote a statement's parameters or a request) is withheld."""
    secret = "sk_live_" + "leaked_in_a_message"  # built, so that no source line shows it
    for name in ("rewardkit.orders", "uvicorn.error"):
        try:
            raise ValueError(f"card {secret}")
        except ValueError:
            logging.getLogger(name).exception("it broke")
    structlog.get_logger("rewardkit.test").error("native", exc_info=ValueError(secret))
    lines = [json.loads(line) for line in rendered.getvalue().splitlines()]
    assert [r["logger"] for r in lines] == ["rewardkit.orders", "uvicorn.error", "rewardkit.test"]
    for record in lines:
        assert "builtins.ValueError (message withheld)" in record["exception"]
    assert secret not in rendered.getvalue()
    assert "test_logs_json.py" in lines[0]["exception"]  # the frames are kept


def test_token_paths_are_redacted_in_every_logger(app: Any, rendered: io.StringIO) -> None:
    logging.getLogger("rewardkit.orders").warning("slow page %s", "/v/tok_abcdefghijklmnop?x=1")
    logging.getLogger("uvicorn.error").warning("odd %s", "/v/tok_abcdefghijklmnop/more")
    text = rendered.getvalue()
    assert "tok_abcdefghijklmnop" not in text
    assert "/v/[redacted]" in text and "/v/[redacted]/more" in text
