"""Every response carries a Request-Id header; every problem body carries the same id as `request_id`;
a client's own sane id is echoed, anything else is replaced (docs/api.md "Request ids")."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.kit.errors import PROBLEM_JSON
from tests.conftest import MakeOrg, order_body

GENERATED = re.compile(r"req_[0-9a-f]{24}")
JSON = {"Content-Type": "application/json"}


def assert_id(r: httpx.Response) -> str:
    rid = r.headers.get("request-id")
    assert rid, f"no Request-Id on {r.request.method} {r.request.url.path} ({r.status_code})"
    assert len(r.headers.get_list("request-id")) == 1
    return rid


def assert_problem_id(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    rid = assert_id(r)
    assert r.json()["request_id"] == rid
    return rid


async def test_a_success_has_a_generated_request_id(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.get("/v1/balances", headers=org.h())
    assert r.status_code == 200
    assert GENERATED.fullmatch(assert_id(r))
    again = await client.get("/v1/balances", headers=org.h())
    assert assert_id(again) != assert_id(r)  # one id per request


async def test_problems_carry_the_header_and_the_same_id_in_the_body(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    assert_problem_id(await client.get("/v1/balances"), 401)  # no key
    assert_problem_id(await client.get("/v1/balances", headers={"Authorization": "Bearer sk_test_nope"}), 401)
    assert_problem_id(await client.get("/v1/orders/ord_missing", headers=org.h()), 404)
    assert_problem_id(await client.post("/v1/orders", json={"product_id": 5}, headers=org.h()), 422)
    assert_problem_id(await client.post("/v1/orders", content=b"{nope", headers=org.h(**JSON)), 400)


async def test_unknown_route_and_method_have_ids(client: httpx.AsyncClient) -> None:
    assert_problem_id(await client.get("/no/such/route"), 404)
    assert_problem_id(await client.delete("/healthz"), 405)


async def test_the_request_guards_refusals_have_ids(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """413 and 415 are answered by RequestGuard before any route runs; 400 for an unknown version too."""
    org = await make_org(USD="100.00")
    big = b'{"pad": "' + b"x" * (70 * 1024) + b'"}'
    assert_problem_id(await client.post("/v1/orders", content=big, headers=org.h(**JSON)), 413)
    text = org.h(**{"Content-Type": "text/plain"})
    assert_problem_id(await client.post("/v1/orders", content=b"a=b", headers=text), 415)
    assert_problem_id(await client.get("/v1/balances", headers=org.h(**{"Rewardkit-Version": "1999-01-01"})), 400)


async def test_hosted_page_static_and_system_routes_have_ids(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    page = await client.get(httpx.URL(order["voucher_url"]).path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_id(page)
    missing_page = await client.get("/v/not-a-token")
    assert missing_page.status_code == 404
    assert_id(missing_page)
    static = await client.get("/static/frame.css")
    assert static.status_code == 200
    assert_id(static)
    for path in ("/healthz", "/readyz", "/", "/openapi.json", "/metrics"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert_id(r)


@pytest.mark.parametrize("incoming", ["req_from_the_caller", "abc-123.DEF_456", "x" * 200, "7"])
async def test_a_sane_incoming_id_is_echoed(client: httpx.AsyncClient, incoming: str) -> None:
    r = await client.get("/healthz", headers={"Request-Id": incoming})
    assert assert_id(r) == incoming
    problem = await client.get("/no/such/route", headers={"Request-Id": incoming})
    assert assert_problem_id(problem, 404) == incoming


@pytest.mark.parametrize(
    "incoming",
    ["x" * 201, "has space", "semi;colon", "slash/y", 'quote"d', "ünïcode".encode(), ""],
    ids=["too_long", "space", "semicolon", "slash", "quote", "non_ascii", "empty"],
)
async def test_an_unsafe_incoming_id_is_replaced(client: httpx.AsyncClient, incoming: str | bytes) -> None:
    r = await client.get("/no/such/route", headers={"Request-Id": incoming})
    rid = assert_problem_id(r, 404)
    assert rid != incoming and GENERATED.fullmatch(rid)


@pytest.fixture
async def failing_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """An app with one route that raises: a bug, rendered as 500 by Starlette's outermost middleware."""
    app = create_app(settings)

    @app.get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret detail that must not be shown")

    async with LifespanManager(app):
        yield app


async def test_an_unexpected_500_has_the_id_too(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/boom", headers={"Request-Id": "req_bug_report_42"})
    assert assert_problem_id(r, 500) == "req_bug_report_42"
    assert r.json()["code"] == "internal_error"
    assert "secret detail" not in r.text
