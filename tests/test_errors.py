"""Every error a client can provoke is RFC 9457 problem+json with a stable `code`, never a 500, and a
rejected order request writes nothing. Also: API versions are resolved, echoed and downgraded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import orjson
import pytest

from rewardkit.kit import versioning
from rewardkit.kit.errors import PROBLEM_JSON
from tests.conftest import MakeOrg, OrgHandle, order_body

MAX_BODY = 64 * 1024
VERSION = "2026-11-01"


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"/problems/{code}"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def field_errors(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["field"]: e for e in body.get("errors", [])}


async def assert_nothing_written(client: httpx.AsyncClient, org: OrgHandle, available: str = "100.00") -> None:
    balances = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    assert [(b["currency"], b["available"]["value"], b["pending"]["value"]) for b in balances] == [
        ("USD", available, "0.00")
    ]
    orders = (await client.get("/v1/orders", headers=org.h())).json()
    assert orders["data"] == [] and orders["has_more"] is False
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert [line["type"] for line in lines] == ["funding"]


def raw(**fields: Any) -> bytes:
    return orjson.dumps(order_body(**fields))


def order_with(denomination_literal: bytes) -> bytes:
    return b'{"product_id": "amazon_us", "denomination": ' + denomination_literal + b', "currency": "USD"}'


JSON = {"Content-Type": "application/json"}

# name -> (raw body, status, code, field expected in `errors` or None)
BAD_BODIES: dict[str, tuple[bytes, int, str, str | None]] = {
    "truncated_json": (b'{"product_id": "amazon_us", ', 400, "malformed_json", None),
    "trailing_garbage": (raw() + b" nope", 400, "malformed_json", None),
    "single_quotes": (b"{'product_id': 'amazon_us'}", 400, "malformed_json", None),
    "bad_utf8_in_string": (
        b'{"product_id": "amaz\xff\xfeon", "denomination": 50, "currency": "USD"}',
        400,
        "malformed_json",
        None,
    ),
    "bad_utf8_only": (b"\xff\xfe\xfd", 400, "malformed_json", None),
    "array": (b'[{"product_id": "amazon_us"}]', 422, "validation_error", "body"),
    "string": (b'"amazon_us"', 422, "validation_error", "body"),
    "number": (b"42", 422, "validation_error", "body"),
    "null": (b"null", 422, "validation_error", "body"),
    "empty_body": (b"", 422, "validation_error", "body"),
    "denomination_abc": (raw(denomination="abc"), 422, "validation_error", "denomination"),
    "denomination_true": (raw(denomination=True), 422, "validation_error", "denomination"),
    "denomination_null": (raw(denomination=None), 422, "validation_error", "denomination"),
    "denomination_object": (raw(denomination={"value": 50}), 422, "validation_error", "denomination"),
    "product_id_number": (raw(product_id=123), 422, "validation_error", "product_id"),
    "currency_list": (raw(currency=["USD"]), 422, "validation_error", "currency"),
    "denomination_1e400": (order_with(b"1e400"), 422, "validation_error", "denomination"),
    "denomination_10_pow_400": (order_with(str(10**400).encode()), 422, "validation_error", "denomination"),
    "denomination_1e30": (order_with(b"1e30"), 422, "validation_error", "denomination"),
    # NaN and Infinity are not JSON (RFC 8259): malformed, like any other bad token (#12).
    "denomination_NaN": (order_with(b"NaN"), 400, "malformed_json", None),
    "denomination_Infinity": (order_with(b"Infinity"), 400, "malformed_json", None),
    "denomination_-Infinity": (order_with(b"-Infinity"), 400, "malformed_json", None),
    # Exactly what the field means, or a 422 naming it: never a value the client did not write (#12).
    "denomination_underscore": (raw(denomination="5_0"), 422, "validation_error", "denomination"),
    "denomination_beyond_precision": (
        order_with(b"50.00000000000000000000000000000001"),
        422,
        "validation_error",
        "denomination",
    ),
    "denomination_padded": (raw(denomination=" 50"), 422, "validation_error", "denomination"),
    "denomination_plus": (raw(denomination="+50"), 422, "validation_error", "denomination"),
    "denomination_exponent_string": (raw(denomination="5e1"), 422, "validation_error", "denomination"),
    "denomination_arabic_digits": (raw(denomination="\u0665\u0660"), 422, "validation_error", "denomination"),
    "denomination_negative": (order_with(b"-50"), 422, "validation_error", "denomination"),
    "denomination_zero": (order_with(b"0"), 422, "validation_error", "denomination"),
    "denomination_negative_zero": (order_with(b"-0.0"), 422, "validation_error", "denomination"),
    "unknown_field": (raw(colour="red"), 422, "validation_error", "colour"),
    "unknown_nested_field": (
        raw(recipient={"email": "a@b.co", "age": 3}),
        422,
        "validation_error",
        "recipient.Recipient.age",
    ),
    # Valid JSON and schema, refused by the catalog rules.
    "denomination_20_digits": (order_with(b"99999999999999999999"), 422, "invalid_denomination", None),
    "denomination_sub_cent": (order_with(b"50.001"), 422, "invalid_denomination", None),
    "denomination_not_sold": (order_with(b"7"), 422, "invalid_denomination", None),
    "unknown_product": (raw(product_id="no_such_product"), 404, "product_not_found", None),
    "wrong_currency": (raw(currency="EUR"), 422, "currency_not_supported", None),
}


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotent"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
async def test_bad_order_body_is_a_problem_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, case: str, with_key: bool
) -> None:
    org = await make_org(USD="100.00")
    content, status, code, field = BAD_BODIES[case]
    headers = org.h(**JSON, **({"Idempotency-Key": f"bad-{case}"} if with_key else {}))
    r = await client.post("/v1/orders", content=content, headers=headers)
    body = assert_problem(r, status, code)
    assert body["instance"] == "/v1/orders"
    if field is not None:
        errors = field_errors(body)
        assert field in errors, body
        assert errors[field]["in"] == "body"
        assert errors[field]["message"]
    await assert_nothing_written(client, org)


async def test_missing_fields_are_each_named(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    body = assert_problem(await client.post("/v1/orders", json={}, headers=org.h()), 422, "validation_error")
    errors = field_errors(body)
    assert {"product_id", "denomination", "currency"} <= errors.keys()
    assert all(e["code"] == "missing" and e["pointer"] == f"/{f}" for f, e in errors.items())
    await assert_nothing_written(client, org)


async def test_unknown_field_is_named_with_a_json_pointer(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(amount=50), headers=org.h())
    body = assert_problem(r, 422, "validation_error")
    assert body["errors"] == [
        {
            "field": "amount",
            "pointer": "/amount",
            "in": "body",
            "message": "Extra inputs are not permitted",
            "code": "extra_forbidden",
        }
    ]
    await assert_nothing_written(client, org)


# --- body size -------------------------------------------------------------------------------------------


def padded(size: int) -> bytes:
    """A valid order body padded with JSON whitespace to exactly `size` bytes."""
    body = raw()
    return body + b" " * (size - len(body))


async def test_body_at_the_limit_is_accepted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", content=padded(MAX_BODY), headers=org.h(**JSON))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "fulfilled"


async def test_oversized_body_with_content_length_is_413(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", content=padded(MAX_BODY + 1), headers=org.h(**JSON))
    assert r.request.headers["content-length"] == str(MAX_BODY + 1)
    assert_problem(r, 413, "payload_too_large")
    await assert_nothing_written(client, org)


async def test_oversized_chunked_body_is_413(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    body = padded(MAX_BODY + 4096)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 4096):
            yield body[i : i + 4096]

    r = await client.post("/v1/orders", content=chunks(), headers=org.h(**JSON))
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413, "payload_too_large")
    await assert_nothing_written(client, org)


async def test_small_chunked_json_body_is_accepted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")

    async def chunks() -> AsyncIterator[bytes]:
        body = raw()
        yield body[:10]
        yield body[10:]

    r = await client.post("/v1/orders", content=chunks(), headers=org.h(**JSON))
    assert r.status_code == 200, r.text


# --- content type ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
    ids=["text_plain", "form", "none"],
)
async def test_non_json_content_type_is_415(
    client: httpx.AsyncClient, make_org: MakeOrg, headers: dict[str, str]
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", content=raw(), headers=org.h(**headers))
    assert_problem(r, 415, "unsupported_media_type")
    await assert_nothing_written(client, org)


@pytest.mark.parametrize(
    "ctype", ["text/json", "application/jsonx", "application/json-patch", "json", "application/x-json", " "]
)
async def test_a_media_type_that_only_mentions_json_is_415(
    client: httpx.AsyncClient, make_org: MakeOrg, ctype: str
) -> None:
    """Only application/json and application/*+json are JSON (what the parser reads as JSON): any other
    media type is the documented 415, never a 422 about the body's shape."""
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", content=raw(), headers=org.h(**{"Content-Type": ctype}))
    assert_problem(r, 415, "unsupported_media_type")
    await assert_nothing_written(client, org)


@pytest.mark.parametrize("ctype", ["APPLICATION/JSON", "Application/Json; Charset=UTF-8", "application/vnd.acme+json"])
async def test_json_media_types_are_case_insensitive(client: httpx.AsyncClient, make_org: MakeOrg, ctype: str) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", content=raw(), headers=org.h(**{"Content-Type": ctype}))
    assert r.status_code == 200, r.text


async def test_json_content_type_with_charset_is_accepted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post(
        "/v1/orders", content=raw(), headers=org.h(**{"Content-Type": "application/json; charset=utf-8"})
    )
    assert r.status_code == 200, r.text


async def test_chunked_text_plain_body_is_415(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")

    async def chunks() -> AsyncIterator[bytes]:
        yield raw()

    r = await client.post("/v1/orders", content=chunks(), headers=org.h(**{"Content-Type": "text/plain"}))
    assert_problem(r, 415, "unsupported_media_type")


# --- routing and query parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/orders/ord_x/refunds", "/nope"])
async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient, make_org: MakeOrg, path: str) -> None:
    org = await make_org()
    body = assert_problem(await client.get(path, headers=org.h()), 404, "not_found")
    assert body["instance"] == path


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/v1/orders"), ("PUT", "/v1/balances"), ("POST", "/v1/products")]
)
async def test_wrong_method_is_a_405_problem(
    client: httpx.AsyncClient, make_org: MakeOrg, method: str, path: str
) -> None:
    org = await make_org(USD="100.00")
    r = await client.request(method, path, headers=org.h(**JSON), content=b"{}")
    body = assert_problem(r, 405, "method_not_allowed")
    assert method in body["detail"]
    await assert_nothing_written(client, org)


async def test_405_names_the_allowed_methods(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    r = await client.delete("/v1/orders", headers=org.h())
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize("path", ["/v1/products", "/v1/orders", "/v1/balance_transactions"])
@pytest.mark.parametrize(
    ("limit", "error_code"),
    [
        ("0", "greater_than_equal"),
        ("1000", "less_than_equal"),
        ("abc", "int_parsing"),
        ("-1", "greater_than_equal"),
    ],
)
async def test_bad_limit_is_a_422_query_error(
    client: httpx.AsyncClient, make_org: MakeOrg, path: str, limit: str, error_code: str
) -> None:
    org = await make_org()
    r = await client.get(path, params={"limit": limit}, headers=org.h())
    body = assert_problem(r, 422, "validation_error")
    assert body["errors"] == [
        {
            "field": "limit",
            "pointer": None,
            "in": "query",
            "message": body["errors"][0]["message"],
            "code": error_code,
        }
    ]


@pytest.mark.parametrize("path", ["/v1/products", "/v1/orders"])
@pytest.mark.parametrize("cursor", ["!!!", "%%%", "__8", "a" * 300])
async def test_invalid_cursor_is_400(client: httpx.AsyncClient, make_org: MakeOrg, path: str, cursor: str) -> None:
    org = await make_org()
    r = await client.get(path, params={"cursor": cursor}, headers=org.h())
    assert_problem(r, 400, "invalid_cursor")


async def test_balance_transactions_cursor_from_another_list_is_refused(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    products = (await client.get("/v1/products", params={"limit": 1}, headers=org.h())).json()
    assert products["next_cursor"]
    r = await client.get("/v1/balance_transactions", params={"cursor": products["next_cursor"]}, headers=org.h())
    assert_problem(r, 400, "invalid_cursor")  # the same answer as every other list gives


@pytest.mark.parametrize("status", ["bogus", "FULFILLED"])
async def test_bad_order_status_filter_is_a_422_query_error(
    client: httpx.AsyncClient, make_org: MakeOrg, status: str
) -> None:
    org = await make_org()
    body = assert_problem(
        await client.get("/v1/orders", params={"status": status}, headers=org.h()), 422, "validation_error"
    )
    assert field_errors(body)["status"]["in"] == "query"


async def test_unknown_order_id_is_order_not_found(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = assert_problem(await client.get("/v1/orders/ord_nope", headers=org.h()), 404, "order_not_found")
    assert body["instance"] == "/v1/orders/ord_nope"


async def test_problem_types_are_documented(client: httpx.AsyncClient) -> None:
    r = await client.get("/problems/idempotency_key_in_flight")
    assert r.status_code == 200
    assert r.json()["status"] == 409
    assert_problem(await client.get("/problems/no_such_code"), 404, "not_found")


# --- NUL characters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [{"external_id": "a\u0000b"}, {"metadata": {"k": "v\u0000"}}, {"recipient": {"name": "A\u0000"}}],
    ids=["external_id", "metadata", "recipient_name"],
)
async def test_nul_character_in_body_is_a_422(
    client: httpx.AsyncClient, make_org: MakeOrg, fields: dict[str, Any]
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(**fields), headers=org.h())
    assert_problem(r, 422, "validation_error")
    await assert_nothing_written(client, org)


@pytest.mark.parametrize(
    "url",
    ["/v1/products/amazon_us%00", "/v1/orders/ord_%00", "/v1/products?q=a%00", "/v1/orders?external_id=%00"],
)
async def test_nul_character_in_url_is_never_a_500(client: httpx.AsyncClient, make_org: MakeOrg, url: str) -> None:
    org = await make_org()
    r = await client.get(url, headers=org.h())
    assert r.status_code < 500
    if r.status_code >= 400:
        assert r.headers["content-type"] == PROBLEM_JSON


# --- API versions ----------------------------------------------------------------------------------------


async def test_pinned_version_is_echoed(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    pinned = org.h(**{versioning.HEADER: VERSION})
    for r in [
        await client.get("/v1/balances", headers=pinned),
        await client.post("/v1/orders", json=order_body(), headers=pinned),
        await client.get("/v1/orders/ord_nope", headers=pinned),
        await client.post("/v1/orders", json={}, headers=pinned),
    ]:
        assert r.headers[versioning.HEADER] == VERSION, r.text


async def test_no_version_header_echoes_the_latest(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    r = await client.get("/v1/orders", headers=org.h())
    assert r.status_code == 200
    assert r.headers[versioning.HEADER] == versioning.LATEST == versioning.VERSIONS[-1]
    r = await client.get("/v1/orders", headers=org.h(**{versioning.HEADER: ""}))
    assert r.headers[versioning.HEADER] == versioning.LATEST


@pytest.mark.parametrize("version", ["1999-01-01", "2026-11-1", "latest", "2026-11-01 "])
async def test_unknown_version_is_400_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, version: str
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**{versioning.HEADER: version}))
    body = assert_problem(r, 400, "invalid_api_version")
    assert body["known_versions"] == versioning.VERSIONS
    await assert_nothing_written(client, org)


async def test_version_is_echoed_on_guard_problems(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    pinned = org.h(**{versioning.HEADER: VERSION})
    r415 = await client.post("/v1/orders", content=raw(), headers={**pinned, "Content-Type": "text/plain"})
    r413 = await client.post("/v1/orders", content=padded(MAX_BODY + 1), headers={**pinned, **JSON})
    assert (r415.status_code, r413.status_code) == (415, 413)
    assert r415.headers.get(versioning.HEADER) == VERSION
    assert r413.headers.get(versioning.HEADER) == VERSION


NEXT = "2099-01-01"


def _to_previous(order: dict[str, Any]) -> dict[str, Any]:
    """The fake NEXT version replaced a flat `amount` string with the `face_value` object: undo that."""
    old = {k: v for k, v in order.items() if k != "face_value"}
    old["amount"] = order["face_value"]["value"]
    return old


@pytest.fixture
def next_version(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(versioning, "VERSIONS", [*versioning.VERSIONS, NEXT])
    # A client may name it (and a key made now is pinned to it): the registry of released versions knows it.
    monkeypatch.setattr(versioning, "RELEASED", {**versioning.RELEASED, NEXT: date(2099, 1, 1)})
    # LATEST is derived from VERSIONS at import time, as adding a version in the source would do.
    monkeypatch.setattr(versioning, "LATEST", NEXT)
    monkeypatch.setattr(versioning, "DOWNGRADES", {NEXT: {"order": [_to_previous]}})
    return NEXT


async def test_older_pinned_client_gets_the_downgraded_order(
    client: httpx.AsyncClient, make_org: MakeOrg, next_version: str
) -> None:
    org = await make_org(USD="100.00")
    created = await client.post("/v1/orders", json=order_body(), headers=org.h(**{versioning.HEADER: VERSION}))
    assert created.status_code == 200, created.text
    assert created.headers[versioning.HEADER] == VERSION
    assert created.json()["amount"] == "50.00" and "face_value" not in created.json()
    order_id = created.json()["id"]

    old = await client.get(f"/v1/orders/{order_id}", headers=org.h(**{versioning.HEADER: VERSION}))
    assert old.headers[versioning.HEADER] == VERSION
    assert old.json()["amount"] == "50.00"
    assert "face_value" not in old.json()

    for headers in (org.h(), org.h(**{versioning.HEADER: next_version})):
        new = await client.get(f"/v1/orders/{order_id}", headers=headers)
        assert new.headers[versioning.HEADER] == next_version
        assert new.json()["face_value"] == {"currency": "USD", "minor_units": 5000, "value": "50.00"}
        assert "amount" not in new.json()
        assert {k: v for k, v in new.json().items() if k != "face_value"} == {
            k: v for k, v in old.json().items() if k != "amount"
        }


async def test_idempotent_replay_is_downgraded_for_the_replaying_client(
    client: httpx.AsyncClient, make_org: MakeOrg, next_version: str
) -> None:
    org = await make_org(USD="100.00")
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**{"Idempotency-Key": "v-1"}))
    assert "face_value" in first.json()
    again = await client.post(
        "/v1/orders",
        json=order_body(),
        headers=org.h(**{"Idempotency-Key": "v-1", versioning.HEADER: VERSION}),
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["amount"] == "50.00" and "face_value" not in again.json()


async def test_older_pinned_client_gets_downgraded_orders_in_lists(
    client: httpx.AsyncClient, make_org: MakeOrg, next_version: str
) -> None:
    org = await make_org(USD="100.00")
    assert (await client.post("/v1/orders", json=order_body(), headers=org.h())).status_code == 200
    listed = (await client.get("/v1/orders", headers=org.h(**{versioning.HEADER: VERSION}))).json()["data"]
    assert len(listed) == 1
    assert listed[0]["amount"] == "50.00" and "face_value" not in listed[0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/webhook_endpoints", {"url": "https://example.com/x", "description": "a\u0000b"}),
        ("/v1/webhook_endpoints", {"url": "https://example.com/\u0000"}),
        (
            "/v1/orders",
            {"product_id": "amazon_us", "denomination": 50, "currency": "USD", "metadata": {"k\u0000": "v"}},
        ),
    ],
)
async def test_nul_in_any_request_body_is_a_422_on_both_databases(
    client: httpx.AsyncClient, make_org: MakeOrg, path: str, body: dict[str, object]
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post(path, json=body, headers=org.h())
    assert_problem(r, 422, "validation_error")
    assert "NUL" in r.text


@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", "sqlite+aiosqlite:////nonexistent/dir/x.db"]
)
async def test_a_database_that_is_down_is_a_503_not_a_500(url: str) -> None:
    from rewardkit.app import create_app
    from rewardkit.config import Settings

    app = create_app(Settings(database_url=url, secret_keys="k1:" + "x" * 40, run_worker=False))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/v1/balances", headers={"Authorization": "Bearer sk_test_" + "a" * 40})
        assert_problem(r, 503, "service_unavailable")
        assert r.headers["retry-after"] == "1"
        ready = await c.get("/readyz")
        assert ready.status_code == 503
    await app.state.runtime.db.dispose()


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/events"])
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
async def test_dates_that_leave_the_calendar_in_utc_are_a_422(
    client: httpx.AsyncClient, make_org: MakeOrg, path: str, when: str
) -> None:
    org = await make_org()
    r = await client.get(path, params={"created_gte": when}, headers=org.h())
    body = assert_problem(r, 422, "validation_error")
    assert field_errors(body)["created_gte"]["in"] == "query"


@pytest.mark.parametrize("idempotent", [False, True])
async def test_a_lone_surrogate_in_the_recipient_is_a_422_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, idempotent: bool
) -> None:
    org = await make_org(USD="100.00")
    raw = b'{"product_id": "amazon_us", "denomination": 50, "currency": "USD", "recipient": "\\ud800@b.co"}'
    headers = org.h(**{"Content-Type": "application/json"})
    if idempotent:
        headers["Idempotency-Key"] = "surrogate-1"
    r = await client.post("/v1/orders", content=raw, headers=headers)
    assert_problem(r, 422, "validation_error")
    assert (await client.get("/v1/orders", headers=org.h())).json()["data"] == []


async def test_a_bad_nested_field_is_named_not_called_a_bad_body(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(recipient=[]), headers=org.h())
    body = assert_problem(r, 422, "validation_error")
    assert "must be a JSON object" not in body["detail"]
    assert any(e["field"].startswith("recipient") for e in body["errors"])


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Refused by every list; a list keyed by a number (balance_transactions) also refuses NUMERIC_FORGERIES.
FORGED_CURSORS = {
    "not ASCII": _b64("ord_\u00e9\u4e2d".encode()),
    "a control character": _b64(b"ord_\x01x"),
    "a newline": _b64(b"ord_1\nord_2"),
}


@pytest.mark.parametrize("label", sorted(FORGED_CURSORS))
async def test_a_forged_cursor_is_400_on_every_list(
    client: httpx.AsyncClient, make_org: MakeOrg, label: str
) -> None:
    """A cursor we never produced is a 400 `invalid_cursor` on every list, before any query runs: never
    a 500 (2^63 overflowed BIGINT in the database, on both engines)."""
    org = await make_org(USD="100.00")
    ep = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hook"}, headers=org.h())
    assert ep.status_code == 200, ep.text
    paths = [
        "/v1/balance_transactions",
        "/v1/orders",
        "/v1/products",
        "/v1/events",
        f"/v1/webhook_endpoints/{ep.json()['id']}/deliveries",
    ]
    for path in paths:
        r = await client.get(path, params={"cursor": FORGED_CURSORS[label]}, headers=org.h())
        assert_problem(r, 400, "invalid_cursor")


NUMERIC_FORGERIES = {
    "2**63 (one past BIGINT)": _b64(str(2**63).encode()),
    "a 40-digit number": _b64(b"9" * 40),
    "zero": _b64(b"0"),
    "negative": _b64(b"-5"),
    "an id of another list": _b64(b"ord_01m8ac0j59y5hwxskkmbyqbyg0"),
}


@pytest.mark.parametrize("label", sorted(NUMERIC_FORGERIES))
async def test_a_forged_statement_cursor_is_400(client: httpx.AsyncClient, make_org: MakeOrg, label: str) -> None:
    org = await make_org(USD="100.00")
    r = await client.get("/v1/balance_transactions", params={"cursor": NUMERIC_FORGERIES[label]}, headers=org.h())
    assert_problem(r, 400, "invalid_cursor")


async def test_the_largest_bigint_cursor_is_a_valid_empty_page(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    """The edge of the range is still a cursor: 2^63 - 1 pages past everything, it is not an error."""
    org = await make_org(USD="100.00")
    r = await client.get(
        "/v1/balance_transactions", params={"cursor": _b64(str(2**63 - 1).encode())}, headers=org.h()
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("enabled", "true"), ("enabled", 1), ("enabled", None), ("overlap_hours", "24"), ("overlap_hours", True)],
)
async def test_webhook_flags_and_numbers_take_exactly_json_booleans_and_numbers(
    client: httpx.AsyncClient, make_org: MakeOrg, field: str, value: Any
) -> None:
    org = await make_org()
    ep = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hook"}, headers=org.h())
    assert ep.status_code == 200, ep.text
    if field == "enabled":
        r = await client.post(
            "/v1/webhook_endpoints", json={"url": "https://example.com/h2", "enabled": value}, headers=org.h()
        )
    else:
        r = await client.post(
            f"/v1/webhook_endpoints/{ep.json()['id']}/rotate_secret", json={field: value}, headers=org.h()
        )
    body = assert_problem(r, 422, "validation_error")
    assert body["errors"][0]["field"] == field
    listed = await client.get("/v1/webhook_endpoints", headers=org.h())
    assert [e["id"] for e in listed.json()["data"]] == [ep.json()["id"]]  # nothing made or rotated
