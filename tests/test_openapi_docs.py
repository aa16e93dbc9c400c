"""The published contract: /openapi.json, the offline /docs, and the health endpoints."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest

from rewardkit.migrate import head_revision

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = r.json()
    return data


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for path, item in spec["paths"].items() for method, op in item.items() if method in METHODS
    ]


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = spec["components"]["schemas"][name]
    return node


async def test_every_operation_has_a_unique_operation_id_and_a_summary_or_description(
    spec: dict[str, Any],
) -> None:
    ops = operations(spec)
    assert len(ops) >= 10
    ids = [op.get("operationId") for _, _, op in ops]
    assert all(isinstance(i, str) and i for i in ids)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for method, path, op in ops:
        assert (op.get("summary") or "").strip() or (op.get("description") or "").strip(), f"{method} {path}"
        assert op.get("tags"), f"{method} {path} has no tag"
    expected = {"createOrder", "getOrder", "listOrders", "listProducts", "getProduct", "listCategories",
                "listCountries", "listBalances", "listBalanceTransactions", "healthz", "readyz"}  # fmt: skip
    assert expected <= set(ids)


async def test_create_order_request_body_has_examples(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/v1/orders"]["post"]
    assert op["operationId"] == "createOrder"
    body = op["requestBody"]
    assert body.get("required") is True
    media = body["content"]["application/json"]
    examples: list[Any] = []
    if "example" in media:
        examples.append(media["example"])
    examples += [e.get("value") for e in media.get("examples", {}).values()]
    schema = resolve(spec, media["schema"])
    examples += schema.get("examples", [])
    if "example" in schema:
        examples.append(schema["example"])
    assert examples, "createOrder has no request example"
    for ex in examples:
        assert set(schema["required"]) <= set(ex)
        assert set(ex) <= set(schema["properties"])
    assert {"product_id": "amazon_us", "denomination": 50, "currency": "USD"} in examples


async def test_error_responses_are_problem_json(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    assert "insufficient_funds" in problem["properties"]["code"]["enum"]
    seen = 0
    for method, path, op in operations(spec):
        for status, resp in op["responses"].items():
            if status.startswith(("4", "5")):
                seen += 1
                content = resp.get("content", {})
                assert list(content) == ["application/problem+json"], f"{method} {path} {status}"
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert seen >= 10
    create = spec["paths"]["/v1/orders"]["post"]["responses"]
    assert {"400", "401", "402", "404", "409", "422"} <= set(create)


async def test_problem_types_are_listed_and_documented(spec: dict[str, Any], client: httpx.AsyncClient) -> None:
    types = spec["x-problem-types"]
    by_code = {t["code"]: t for t in types}
    assert len(by_code) == len(types)
    for code, status in {
        "insufficient_funds": 402,
        "product_not_found": 404,
        "invalid_denomination": 422,
        "currency_not_supported": 422,
        "validation_error": 422,
        "authentication_required": 401,
        "invalid_api_key": 401,
        "idempotency_key_reused": 422,
        "idempotency_key_in_flight": 409,
        "malformed_json": 400,
        "internal_error": 500,
    }.items():
        assert by_code[code]["status"] == status, code
    assert set(by_code) == set(spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    for t in types:
        assert t["title"]
        r = await client.get(f"/problems/{t['code']}")
        assert r.status_code == 200, t["code"]
        assert r.json()["status"] == t["status"] and r.json()["title"] == t["title"]
    missing = await client.get("/problems/no_such_problem")
    assert missing.status_code == 404


async def test_bearer_auth_is_declared(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["apiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert {"apiKey": []} in spec["security"]
    assert spec["info"]["title"] == "rewardkit API" and spec["info"]["version"]


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_use_only_local_assets(client: httpx.AsyncClient, page: str) -> None:
    r = await client.get(page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert re.findall(r"https?://", html) == []
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    urls = _asset_urls(html)
    assert "/openapi.json" in urls
    assets = [u for u in urls if u != "/openapi.json"]
    assert assets and any(u.endswith(".js") for u in assets)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        got = await client.get(url)
        assert got.status_code == 200, url
        assert got.content, url


async def test_swagger_ui_assets_have_the_right_types(client: httpx.AsyncClient) -> None:
    urls = _asset_urls((await client.get("/docs")).text)
    kinds = {u.rsplit(".", 1)[-1]: (await client.get(u)).headers["content-type"] for u in urls if "." in u}
    assert kinds["css"].startswith("text/css")
    assert "javascript" in kinds["js"]
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz_reports_the_migration_head(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200
    head = head_revision()
    assert head
    assert r.json() == {"status": "ready", "migration": head}


async def test_health_needs_no_api_key_but_the_api_does(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/v1/balances")).status_code == 401


async def test_every_operation_has_a_response_example(spec: dict[str, Any]) -> None:
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            content = (responses.get("200") or responses.get("201") or {}).get("content", {})
            # A file (a report's download) has an example per media type it answers.
            media = [content["application/json"]] if "application/json" in content else list(content.values())
            if not media or any("example" not in m for m in media):
                missing.append(f"{method.upper()} {path}")
    assert missing == []


async def test_every_documented_operation_is_served(spec: dict[str, Any]) -> None:
    """The examples name every public operation: each must exist (a route lost in an edit fails here)."""
    from rewardkit.app import SYSTEM_EXAMPLES
    from rewardkit.modules import MODULES

    RESPONSES = {**SYSTEM_EXAMPLES, **{op: body for m in MODULES for op, body in m.examples.items()}}
    served = {op.get("operationId") for ops in spec["paths"].values() for op in ops.values()}
    assert set(RESPONSES) - served == set()
