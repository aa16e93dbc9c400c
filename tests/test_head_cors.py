"""HEAD on every GET route, and CORS: off by default, on for the configured origins only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from starlette.routing import Route

from rewardkit.app import create_app
from rewardkit.config import Settings
from tests.conftest import MakeOrg

# Headers that differ between any two requests, GET or not: the request's own id, the quota it used.
PER_REQUEST = {"request-id", "ratelimit-remaining", "ratelimit-reset", "date"}


def _get_paths(routes: list[Any]) -> list[str]:
    out: list[str] = []
    for route in routes:
        if isinstance(route, Route) and "GET" in (route.methods or ()):
            out.append(route.path)
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            out.extend(_get_paths(list(inner.routes)))
    return out


def _same_headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k not in PER_REQUEST}


async def test_every_get_route_answers_head_like_get_without_a_body(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="10.00")
    paths = sorted(set(_get_paths(list(app.routes))))
    assert "/v1/orders/{order_id}" in paths and "/healthz" in paths  # the walk reaches every router
    statuses = set()
    for template in paths:
        path = re.sub(r"\{[^}]+\}", "x_unknown", template)
        got = await client.get(path, headers=org.h())
        head = await client.head(path, headers=org.h())
        assert head.status_code == got.status_code, (template, head.status_code, got.status_code)
        if template == "/metrics":  # its body counts the requests themselves, so its length moves on
            head_headers, got_headers = _same_headers(head), _same_headers(got)
            assert head_headers.pop("content-length") and got_headers.pop("content-length")
            assert head_headers == got_headers, template
        else:
            assert _same_headers(head) == _same_headers(got), template
        assert head.content == b"", template
        statuses.add(got.status_code)
    assert 200 in statuses and 404 in statuses  # both answers were compared, not only errors
    # The description keeps one operation per GET: HEAD is implied, never listed twice.
    assert not [p for p, ops in app.openapi()["paths"].items() if "head" in ops]


async def test_head_of_a_resource_and_of_a_write_only_route(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    r = await client.head("/v1/balances", headers=org.h())
    assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 0
    assert r.headers["ratelimit-limit"]  # counted like the GET it stands for
    r = await client.head("/v1/balances")
    assert r.status_code == 401 and r.content == b""
    assert (await client.head("/v1/no_such_thing", headers=org.h())).status_code == 404


@asynccontextmanager
async def app_with(settings: Settings, **over: Any) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings.model_copy(update=over))
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, rewardkit-version",
}


async def test_cors_is_off_by_default(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    r = await client.get("/v1/balances", headers=org.h(Origin="https://shop.example"))
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    r = await client.options("/v1/orders", headers={"Origin": "https://shop.example", **PREFLIGHT})
    assert "access-control-allow-origin" not in r.headers


async def test_cors_allows_exactly_the_configured_origins(settings: Settings, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    origins = "https://shop.example, https://admin.example/"
    async with app_with(settings, cors_origins=origins) as c:
        r = await c.get("/v1/balances", headers=org.h(Origin="https://shop.example"))
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://shop.example"
        exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} <= exposed
        assert {"request-id", "idempotent-replayed"} <= exposed
        assert "access-control-allow-credentials" not in r.headers  # bearer tokens, never cookies
        # A trailing slash in the setting is forgiven: browsers send the origin without one.
        r = await c.get("/v1/balances", headers=org.h(Origin="https://admin.example"))
        assert r.headers["access-control-allow-origin"] == "https://admin.example"

        # The preflight of an order from the allowed origin, answered before authentication.
        r = await c.options("/v1/orders", headers={"Origin": "https://shop.example", **PREFLIGHT})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://shop.example"
        assert "POST" in r.headers["access-control-allow-methods"]
        allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type", "idempotency-key", "rewardkit-version", "request-id"} <= allowed

        # Any other origin gets no CORS headers: the browser keeps the answer from its page.
        r = await c.get("/v1/balances", headers=org.h(Origin="https://evil.example"))
        assert "access-control-allow-origin" not in r.headers
        r = await c.options("/v1/orders", headers={"Origin": "https://evil.example", **PREFLIGHT})
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        assert r.headers["content-type"] == "application/problem+json" and r.json()["code"] == "cors_refused"
        r = await c.options(
            "/v1/orders",
            headers={"Origin": "https://shop.example", **PREFLIGHT, "Access-Control-Request-Headers": "x-custom"},
        )
        assert r.status_code == 400 and r.json()["code"] == "cors_refused"
        r = await c.get("/v1/balances", headers=org.h(Origin="https://shop.example.evil.example"))
        assert "access-control-allow-origin" not in r.headers
