"""GET /v1/products, /v1/products/{id}, /v1/categories and /v1/countries, as an integrator uses them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.auth import service as auth
from rewardkit.runtime import Runtime

CATEGORIES = ["gift_card", "merchandise", "lounge", "charity", "mobile_topup", "perk"]
Product = dict[str, Any]


@pytest.fixture(scope="module")
async def headers(ctx: Runtime) -> dict[str, str]:
    async with ctx.db.unit_of_work() as s:
        org = await auth.create_org(s, "Catalog reader", "USD")
        _, key = await auth.create_key(s, ctx.keyring, org.id, "test")
    return {"Authorization": f"Bearer {key}"}


async def _walk(client: httpx.AsyncClient, headers: dict[str, str], limit: int, **filters: Any) -> list[Product]:
    """Every product matching `filters`, following next_cursor until has_more is false."""
    out: list[Product] = []
    params: dict[str, Any] = {**filters, "limit": limit}
    for _ in range(1000):
        r = await client.get("/v1/products", params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["object"] == "list"
        assert len(body["data"]) <= limit
        out.extend(body["data"])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return out
        assert len(body["data"]) == limit
        assert body["next_cursor"]
        params["cursor"] = body["next_cursor"]
    raise AssertionError("pagination never ended")


@pytest.fixture(scope="module")
async def catalog(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Product]:
    return await _walk(client, headers, 100)


def _sells(p: Product, amount: Decimal) -> bool:
    """Whether the rendered product offers `amount` (major units) in its own currency."""
    d = p["denominations"]
    if d["type"] == "fixed":
        return any(Decimal(v) == amount for v in d["values"])
    lo, hi, step = Decimal(d["min"]), Decimal(d["max"]), Decimal(d["step"])
    return lo <= amount <= hi and (amount - lo) % step == 0


async def test_unfiltered_walk_is_the_whole_catalog_sorted_without_duplicates(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    by_50 = await _walk(client, headers, 50)
    ids = [p["id"] for p in by_50]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    assert ids == [p["id"] for p in catalog]
    cats = (await client.get("/v1/categories", headers=headers)).json()["data"]
    assert len(ids) == sum(c["product_count"] for c in cats)
    assert len(ids) >= 500


async def test_first_page_has_more_and_last_page_does_not(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    first = (await client.get("/v1/products", params={"limit": 3}, headers=headers)).json()
    assert len(first["data"]) == 3 and first["has_more"] is True and isinstance(first["next_cursor"], str)
    second = (
        await client.get("/v1/products", params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers)
    ).json()
    assert second["data"][0]["id"] > first["data"][-1]["id"]
    # a filter with a handful of results fits on one page: no cursor to follow
    one = (await client.get("/v1/products", params={"brand": "Amazon", "country": "US"}, headers=headers)).json()
    assert one["has_more"] is False and one["next_cursor"] is None and one["data"]


async def test_default_page_size_is_20_and_limit_is_bounded(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.get("/v1/products", headers=headers)
    assert len(r.json()["data"]) == 20
    for bad in (0, 101, "x"):
        r = await client.get("/v1/products", params={"limit": bad}, headers=headers)
        assert r.status_code == 422, bad
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_garbage_cursor_is_a_400_problem(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.get("/v1/products", params={"cursor": "!!!not-base64!!!"}, headers=headers)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_cursor"


async def test_filter_by_country(client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]) -> None:
    de = await _walk(client, headers, 100, country="DE")
    assert de and all("DE" in p["countries"] for p in de)
    assert {p["id"] for p in de} == {p["id"] for p in catalog if "DE" in p["countries"]}
    lower = await _walk(client, headers, 100, country="de")
    assert [p["id"] for p in lower] == [p["id"] for p in de]
    r = await client.get("/v1/products", params={"country": "DEU"}, headers=headers)
    assert r.status_code == 422


async def test_filter_by_currency(client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]) -> None:
    eur = await _walk(client, headers, 100, currency="EUR")
    assert eur and all(p["currency"] == "EUR" for p in eur)
    assert {p["id"] for p in eur} == {p["id"] for p in catalog if p["currency"] == "EUR"}
    assert [p["id"] for p in await _walk(client, headers, 100, currency="eur")] == [p["id"] for p in eur]


@pytest.mark.parametrize("category", CATEGORIES)
async def test_filter_by_each_category(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product], category: str
) -> None:
    got = await _walk(client, headers, 100, category=category)
    assert got and all(p["category"] == category for p in got)
    assert len(got) == sum(1 for p in catalog if p["category"] == category)


async def test_unknown_category_is_a_422_problem(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.get("/v1/products", params={"category": "vouchers"}, headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "category"


async def test_filter_by_denomination_50(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    got = await _walk(client, headers, 100, denomination="50")
    ids = {p["id"] for p in got}
    assert "amazon_us" in ids
    assert all(_sells(p, Decimal(50)) for p in got)
    assert ids == {p["id"] for p in catalog if _sells(p, Decimal(50))}
    assert any(p["denominations"]["type"] == "range" for p in got)
    assert any(p["denominations"]["type"] == "fixed" for p in got)
    assert [p["id"] for p in await _walk(client, headers, 100, denomination="50.00")] == [p["id"] for p in got]


async def test_filter_by_fractional_denomination_excludes_zero_decimal_currencies(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    assert any(p["currency"] == "JPY" for p in catalog)
    got = await _walk(client, headers, 100, denomination="50.5")
    assert got and all(p["currency"] != "JPY" for p in got)
    assert all(_sells(p, Decimal("50.5")) for p in got)
    assert {p["id"] for p in got} == {p["id"] for p in catalog if _sells(p, Decimal("50.5"))}


@pytest.mark.parametrize("bad", ["0", "-5", "abc", "nan", "inf"])
async def test_bad_denomination_is_a_422(client: httpx.AsyncClient, headers: dict[str, str], bad: str) -> None:
    r = await client.get("/v1/products", params={"denomination": bad}, headers=headers)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


async def test_filter_by_brand_is_case_insensitive(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    exact = await _walk(client, headers, 100, brand="Amazon")
    assert exact and all(p["brand"] == "Amazon" for p in exact)
    assert "amazon_us" in {p["id"] for p in exact}
    for spelling in ("amazon", "AMAZON", " aMaZoN "):
        assert [p["id"] for p in await _walk(client, headers, 100, brand=spelling)] == [p["id"] for p in exact]
    # brand is exact, not a substring
    assert await _walk(client, headers, 100, brand="Amaz") == []


async def test_free_text_search(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    got = await _walk(client, headers, 100, q="amazon")
    assert "amazon_us" in {p["id"] for p in got}
    for p in got:
        text = " ".join([p["id"], p["brand"], p["name"], p["category"], p["description"]]).lower()
        assert "amazon" in text
    both = await _walk(client, headers, 100, q="AMAZON gift")
    assert both and {p["id"] for p in both} <= {p["id"] for p in got}
    # LIKE wildcards are taken literally
    assert await _walk(client, headers, 100, q="%") == []


async def test_combined_filters_narrow_to_the_intersection(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    params = {"country": "US", "currency": "USD", "category": "gift_card", "denomination": "50"}
    got = await _walk(client, headers, 10, **params)
    expected = {
        p["id"]
        for p in catalog
        if "US" in p["countries"] and p["currency"] == "USD" and p["category"] == "gift_card" and _sells(p, Decimal(50))
    }
    assert "amazon_us" in expected
    assert {p["id"] for p in got} == expected
    narrowed = await _walk(client, headers, 10, **params, brand="amazon", q="amazon.com")
    assert [p["id"] for p in narrowed] == ["amazon_us"]


async def test_no_match_is_an_empty_list_not_an_error(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for params in (
        {"q": "zzz-no-such-product"},
        {"country": "AQ"},
        {"currency": "JPY", "country": "US", "category": "charity", "denomination": "0.01"},
    ):
        r = await client.get("/v1/products", params=params, headers=headers)
        assert r.status_code == 200, (params, r.text)
        assert r.json() == {"object": "list", "data": [], "has_more": False, "next_cursor": None}


async def test_get_product_amazon_us(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.get("/v1/products/amazon_us", headers=headers)
    assert r.status_code == 200
    p = r.json()
    assert p["id"] == "amazon_us" and p["object"] == "product"
    assert p["brand"] == "Amazon"
    assert p["category"] == "gift_card"
    assert p["countries"] == ["US"]
    assert p["currency"] == "USD"
    assert p["denominations"]["type"] == "fixed"
    assert "50.00" in p["denominations"]["values"]
    assert all(Decimal(v) > 0 for v in p["denominations"]["values"])
    for field in ("name", "description", "redemption_instructions", "terms"):
        assert isinstance(p[field], str) and p[field].strip(), field
    assert "Amazon" in p["description"]
    assert p["image_url"]
    listed = (await client.get("/v1/products", params={"brand": "amazon", "country": "US"}, headers=headers)).json()
    assert p in listed["data"]


async def test_unknown_product_is_a_404_problem(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.get("/v1/products/no_such_product", headers=headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "product_not_found"
    assert body["status"] == 404
    assert body["type"] == "/problems/product_not_found"
    assert "no_such_product" in body["detail"]


async def test_categories_lists_the_six_with_counts(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    r = await client.get("/v1/categories", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list" and body["has_more"] is False
    by_id = {c["id"]: c for c in body["data"]}
    assert sorted(by_id) == sorted(CATEGORIES)
    for cid, c in by_id.items():
        assert c["object"] == "category" and c["name"]
        assert c["product_count"] > 0
        assert c["product_count"] == sum(1 for p in catalog if p["category"] == cid)


async def test_countries_and_currencies_cover_the_world(
    client: httpx.AsyncClient, headers: dict[str, str], catalog: list[Product]
) -> None:
    r = await client.get("/v1/countries", headers=headers)
    assert r.status_code == 200
    data = r.json()["data"]
    assert len(data) >= 150
    ids = [c["id"] for c in data]
    assert ids == sorted(set(ids))
    by_id = {c["id"]: c for c in data}
    assert by_id["DE"]["name"] == "Germany"
    assert "EUR" in by_id["DE"]["currencies"]
    assert by_id["US"]["product_count"] == sum(1 for p in catalog if "US" in p["countries"])
    assert set(by_id) == {c for p in catalog for c in p["countries"]}
    assert len({p["currency"] for p in catalog}) >= 30


@pytest.mark.parametrize(
    "path",
    [
        "/v1/products",
        "/v1/products?country=DE&category=gift_card",
        "/v1/products/amazon_us",
        "/v1/categories",
        "/v1/countries",
    ],
)
async def test_catalog_requires_an_api_key(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_required"
    bad = await client.get(path, headers={"Authorization": "Bearer sk_test_" + "x" * 40})
    assert bad.status_code == 401
    assert bad.json()["code"] == "invalid_api_key"


@pytest.mark.parametrize("huge", ["1e18", "9223372036854775", "99999999999999999999"])
async def test_huge_denomination_is_an_empty_list_not_a_500(app: FastAPI, headers: dict[str, str], huge: str) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/v1/products", params={"denomination": huge}, headers=headers)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["data"] == []


@pytest.mark.parametrize(
    "path", ["/v1/products?q=a%00b", "/v1/products?brand=%00", "/v1/products?cursor=AA", "/v1/products/a%00b"]
)
async def test_nul_character_in_parameters_is_not_a_500(app: FastAPI, headers: dict[str, str], path: str) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get(path, headers=headers)
    assert r.status_code < 500, r.text


async def test_search_plans_for_its_values_on_postgresql_and_leaves_the_connection_as_it_was(
    client: httpx.AsyncClient, headers: dict[str, str], ctx: Runtime, db_kind: str
) -> None:
    """A prepared statement's generic plan was 100× slower for these filters (bench/results/latest.md),
    so the search asks for a custom plan, for its own transaction only."""
    from sqlalchemy import event, text

    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(ctx.db.engine.sync_engine, "before_cursor_execute", record)
    try:
        for _ in range(7):  # past the five runs after which PostgreSQL would switch to a generic plan
            params = {"country": "US", "currency": "USD", "q": "card"}
            r = await client.get("/v1/products", params=params, headers=headers)
            assert r.status_code == 200 and r.json()["data"]
    finally:
        event.remove(ctx.db.engine.sync_engine, "before_cursor_execute", record)
    custom = [s for s in seen if "plan_cache_mode" in s]
    assert len(custom) == (7 if db_kind == "postgresql" else 0)
    if db_kind == "postgresql":
        async with ctx.db.unit_of_work(readonly=True) as s:
            assert (await s.execute(text("SHOW plan_cache_mode"))).scalar_one() == "auto"
