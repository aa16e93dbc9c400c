"""The OpenAPI description is exact enough to generate SDKs from: every response of every operation
has a real schema, every reference resolves, every /v1 operation declares the errors the request
plumbing can answer, and list endpoints are list objects (tests/test_schemathesis.py checks the
answers themselves against it)."""

from __future__ import annotations

import typing
from typing import Any

import httpx
import pytest

from rewardkit.orders.models import STATUSES
from rewardkit.orders.schemas import OrderStatus

METHODS = {"get", "post", "put", "patch", "delete"}
LISTS = {"listProducts", "listCategories", "listCountries", "listBalances", "listBalanceTransactions",
         "listOrders", "listWebhookEndpoints", "listWebhookDeliveries", "listEvents", "listInventory",
         "redeliverEvent"}  # fmt: skip
FILE_TYPES = {"text/csv", "application/x-ndjson"}  # the only non-JSON 2xx: files to download


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    data: dict[str, Any] = (await client.get("/openapi.json")).json()
    return data


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in spec["paths"].items() for m, op in item.items() if m in METHODS]


def component(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].removeprefix("#/components/schemas/")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


async def test_every_success_response_is_an_object_schema(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, f"{method} {path} declares no 2xx"
        for status, resp in ok.items():
            media = resp.get("content", {})
            if "application/json" not in media:
                # A file (a report's download): its media types declared, each with a string schema.
                assert media and all(m.split(";")[0] in FILE_TYPES for m in media), f"{method} {path} {status}"
                assert all(v["schema"] == {"type": "string"} for v in media.values()), f"{method} {path} {status}"
                continue
            assert list(media) == ["application/json"], f"{method} {path} {status}"
            schema = component(spec, media["application/json"]["schema"])
            assert schema.get("type") == "object" and schema.get("properties"), f"{method} {path} {status}: {schema}"
            assert schema.get("additionalProperties") is False, f"{method} {path} {status} is not closed"


async def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    found = refs(spec)
    assert len(found) > 50
    for ref in found:
        assert ref.startswith("#/"), ref
        node: Any = spec
        for part in ref[2:].split("/"):
            assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
            node = node[part]
    assert {"CategoryOut", "CountryOut", "OrderOut", "Problem"} <= set(spec["components"]["schemas"])


async def test_every_v1_operation_declares_the_common_errors(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        declared = set(op["responses"])
        expected = {"400", "413"}
        if path.startswith("/v1/"):
            expected |= {"422", "429", "503"}
            if op.get("security") == []:
                # A keyless operation (the claim API) cannot answer a missing or wrong credential.
                assert "401" not in declared, f"{method} {path} takes no credential but declares 401"
                assert "principal_not_allowed" not in op["responses"].get("403", {}).get("description", "")
            else:
                expected |= {"401", "403"}
            if method in {"post", "patch", "put"}:
                expected.add("415")
            if "{" in path:
                expected.add("404")
        assert expected <= declared, f"{method} {path} lacks {sorted(expected - declared)}"
        for status in declared - {"200", "201", "202"}:
            content = op["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            assert op["responses"][status]["description"], f"{method} {path} {status}"


async def test_rate_limited_and_unavailable_answers_declare_retry_after(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        assert all("Request-Id" in r["headers"] for r in op["responses"].values()), f"{method} {path}"
        if not path.startswith("/v1/"):
            assert op["security"] == [], f"{method} {path} needs no credential"
            continue
        too_many = op["responses"]["429"]["headers"]
        assert too_many["Retry-After"]["required"] is True
        assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(too_many)
        assert "Retry-After" in op["responses"]["503"]["headers"]
        assert op["responses"]["422"]["headers"]["Rewardkit-Version"]["required"] is True
        assert any(p["name"] == "Rewardkit-Version" and p["in"] == "header" for p in op["parameters"])
    keyless = [p for m, p, op in operations(spec) if op.get("security") == [] and p.startswith("/v1/link_claims")]
    assert len(keyless) >= 2, keyless
    create = spec["paths"]["/v1/orders"]["post"]["responses"]
    assert set(create["200"]["headers"]) >= {"Idempotent-Replayed", "Rewardkit-Version"}
    assert set(create) >= {"200", "202", "400", "401", "402", "403", "404", "409", "413", "415", "422", "429"}


async def test_list_endpoints_are_list_objects(spec: dict[str, Any], client: httpx.AsyncClient, make_org: Any) -> None:
    by_id = {op["operationId"]: (m, p, op) for m, p, op in operations(spec)}
    for op_id in LISTS:
        _, _, op = by_id[op_id]
        schema = component(spec, op["responses"]["200"]["content"]["application/json"]["schema"])
        assert schema["properties"]["object"]["const"] == "list", op_id
        assert {"object", "data", "has_more", "next_cursor"} <= set(schema["required"]), op_id
        assert schema["properties"]["data"]["type"] == "array", op_id
    org = await make_org(USD="10.00")
    for path in ("/v1/products", "/v1/categories", "/v1/countries", "/v1/balances", "/v1/balance_transactions",
                 "/v1/orders", "/v1/webhook_endpoints", "/v1/events"):  # fmt: skip
        body = (await client.get(path, headers=org.h())).json()
        assert body["object"] == "list" and isinstance(body["data"], list), path
        assert isinstance(body["has_more"], bool) and "next_cursor" in body, path


async def test_the_problem_schema_names_request_id(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["request_id"]["type"] == "string"
    assert "request_id" not in problem["required"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_order_statuses_are_the_models() -> None:
    assert typing.get_args(OrderStatus) == STATUSES


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/events"])
@pytest.mark.parametrize("value", ["1700000000", "0.5", "2026-11-01"])
async def test_timestamp_filters_take_only_date_times(
    client: httpx.AsyncClient, make_org: Any, path: str, value: str
) -> None:
    """Found by schemathesis: `created_lte=0.5` was read as a Unix timestamp, against `format: date-time`."""
    org = await make_org()
    r = await client.get(path, params={"created_lte": value}, headers=org.h())
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error" and r.json()["errors"][0]["field"] == "created_lte"
    ok = await client.get(path, params={"created_lte": "2026-11-01T00:00:00Z"}, headers=org.h())
    assert ok.status_code == 200


@pytest.mark.parametrize("body", [b"1.5", b"1e5", b"7.153178459717948e+16"])
async def test_a_bare_number_is_not_a_body(client: httpx.AsyncClient, make_org: Any, body: bytes) -> None:
    """Found by schemathesis: a number as the whole body (read as an exact Decimal) passed as a model
    whose fields are all optional, so PATCH /v1/branding answered 200 to `1.5`."""
    org = await make_org()
    json_headers = org.h(**{"Content-Type": "application/json"})
    r = await client.patch("/v1/branding", content=body, headers=json_headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    created = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/h"}, headers=org.h())
    endpoint = created.json()["id"]
    r = await client.post(f"/v1/webhook_endpoints/{endpoint}/rotate_secret", content=body, headers=json_headers)
    assert r.status_code == 422
    unchanged = await client.get(f"/v1/webhook_endpoints/{endpoint}", headers=org.h())
    assert unchanged.json()["updated_at"] == created.json()["updated_at"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/orders?limt=5",
        "/v1/products?=null",
        "/v1/events?limit=5&Limit=5",
        "/v1/balances?currency=USD",
        "/v1/categories?x=1",
    ],
)
async def test_unknown_query_parameters_are_refused(client: httpx.AsyncClient, make_org: Any, path: str) -> None:
    """Found by schemathesis: undeclared query parameters were ignored, so a typo (`limt`) silently
    answered the default. They are a 422 naming each, as unknown body fields are."""
    org = await make_org()
    r = await client.get(path, headers=org.h())
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "validation_error"
    unknown = path.split("?", 1)[1].split("&")[-1].split("=")[0]
    assert {"field": unknown, "pointer": None, "in": "query", "message": "unknown parameter",
            "code": "extra_forbidden"} in problem["errors"]  # fmt: skip
    declared = await client.get("/v1/events?limit=5&type=order.created&type=order.fulfilled", headers=org.h())
    assert declared.status_code == 200
