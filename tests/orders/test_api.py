"""Orders over the API: validation, money, FX, lists and filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body


async def _balance(client: httpx.AsyncClient, headers: dict[str, str], currency: str) -> str:
    data = (await client.get("/v1/balances", headers=headers)).json()["data"]
    return next((b["available"]["value"] for b in data if b["currency"] == currency), "none")


async def test_get_order_matches_create(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    body = order_body(external_id="emp-42", metadata={"campaign": "q4"}, recipient={"email": "a@b.co", "name": "Ada"})
    created = (await client.post("/v1/orders", json=body, headers=org.h())).json()
    got = await client.get(f"/v1/orders/{created['id']}", headers=org.h())
    assert got.status_code == 200
    assert got.json() == created
    assert created["external_id"] == "emp-42" and created["metadata"] == {"campaign": "q4"}
    assert created["recipient"] == {"email": "a@b.co", "name": "Ada", "phone": None}
    assert created["livemode"] is False


async def test_order_debits_wallet_exactly_and_statement_shows_running_balance(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    await client.post("/v1/orders", json=order_body(), headers=org.h())
    await client.post("/v1/orders", json=order_body(denomination=25), headers=org.h())
    assert await _balance(client, org.h(), "USD") == "25.00"
    lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert [(line["type"], line["amount"]["value"], line["balance_after"]["value"]) for line in lines] == [
        ("order_debit", "-25.00", "25.00"),
        ("order_debit", "-50.00", "50.00"),
        ("funding", "100.00", "100.00"),
    ]
    pending = (await client.get("/v1/balances", headers=org.h())).json()["data"][0]["pending"]
    assert pending["minor_units"] == 0  # fulfilled orders leave nothing held


async def test_insufficient_funds_is_402_and_writes_nothing(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="49.99")
    r = await client.post("/v1/orders", json=order_body(), headers=org.h())
    assert r.status_code == 402
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "insufficient_funds"
    assert await _balance(client, org.h(), "USD") == "49.99"
    assert (await client.get("/v1/orders", headers=org.h())).json()["data"] == []


async def test_no_wallet_at_all_is_insufficient_funds(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    r = await client.post("/v1/orders", json=order_body(), headers=org.h())
    assert r.status_code == 402 and r.json()["code"] == "insufficient_funds"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (order_body(product_id="nope_xx"), 404, "product_not_found"),
        (order_body(denomination=51), 422, "invalid_denomination"),
        (order_body(denomination="50.001"), 422, "invalid_denomination"),
        (order_body(currency="EUR"), 422, "currency_not_supported"),
        (order_body(currency="usd"), 200, None),  # currency codes are case-insensitive
        (order_body(currency="ZZZ"), 422, "currency_not_supported"),
        (order_body(country="DE"), 422, "country_not_supported"),
        (order_body(country="US"), 200, None),
        (order_body(recipient="not-an-email"), 422, "validation_error"),
        (order_body(recipient={"phone": "0800 123"}), 422, "validation_error"),
        (order_body(recipient={"phone": "+14155550123", "name": "Bo"}), 200, None),
        (order_body(metadata={str(i): "x" for i in range(21)}), 422, "validation_error"),
        (order_body(metadata={"k": "x" * 501}), 422, "validation_error"),
        (order_body(external_id=""), 422, "validation_error"),
    ],
)
async def test_order_validation(
    client: httpx.AsyncClient, make_org: MakeOrg, body: dict[str, object], status: int, code: str | None
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=body, headers=org.h())
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
        assert r.headers["content-type"] == "application/problem+json"
        assert await _balance(client, org.h(), "USD") == "100.00"


@pytest.mark.parametrize(
    ("product", "currency", "good", "bad"),
    [
        ("amazon_jp", "JPY", 5000, "5000.5"),  # JPY has no minor unit
        ("visa_prepaid_us", "USD", "12.34", "12.345"),  # a range product, any cent amount
    ],
)
async def test_minor_units_are_respected(
    client: httpx.AsyncClient, make_org: MakeOrg, product: str, currency: str, good: object, bad: str
) -> None:
    org = await make_org(USD="1000.00", JPY="100000")
    ok = await client.post(
        "/v1/orders", json={"product_id": product, "currency": currency, "denomination": good}, headers=org.h()
    )
    assert ok.status_code == 200, ok.text
    assert Decimal(ok.json()["face_value"]["value"]) == Decimal(str(good))
    no = await client.post(
        "/v1/orders", json={"product_id": product, "currency": currency, "denomination": bad}, headers=org.h()
    )
    assert no.status_code == 422 and no.json()["code"] == "invalid_denomination"


async def test_three_decimal_currency(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    from rewardkit.catalog.repository import search

    async with ctx.db.unit_of_work(readonly=True) as s:
        products = await search(
            s,
            country=None,
            currency=None,
            category=None,
            brand=None,
            denomination=None,
            q=None,
            after=None,
            limit=1000,
        )
    product = next(p for p in products if p.minor_exponent == 3 and p.denomination_type == "fixed")
    amount = product.denomination_values[0]  # type: ignore[index]
    major = Decimal(amount).scaleb(-3)
    org = await make_org(**{product.currency: "1000.000"})
    r = await client.post(
        "/v1/orders",
        json={"product_id": product.id, "currency": product.currency, "denomination": str(major)},
        headers=org.h(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["charged"]["minor_units"] == amount
    assert len(r.json()["charged"]["value"].split(".")[1]) == 3


async def test_fx_order_paid_from_default_wallet_at_recorded_rate(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    from rewardkit.catalog.repository import get_rate

    org = await make_org(USD="1000.00")  # no EUR wallet
    r = await client.post(
        "/v1/orders", json={"product_id": "amazon_de", "denomination": 50, "currency": "EUR"}, headers=org.h()
    )
    assert r.status_code == 200, r.text
    order = r.json()
    async with ctx.db.unit_of_work(readonly=True) as s:
        eur = Decimal((await get_rate(s, "USD", "EUR")).rate)  # type: ignore[union-attr]
    markup = Decimal(1) + Decimal(ctx.settings.fx_markup_bps) / 10_000
    expected_cents = (Decimal(50) / eur * markup * 100).to_integral_value(rounding="ROUND_CEILING")
    assert order["face_value"] == {"currency": "EUR", "minor_units": 5000, "value": "50.00"}
    assert order["charged"]["currency"] == "USD"
    assert order["charged"]["minor_units"] == int(expected_cents)
    assert order["fx"]["from_currency"] == "EUR" and order["fx"]["to_currency"] == "USD"
    assert order["fx"]["markup_bps"] == ctx.settings.fx_markup_bps
    assert Decimal(order["fx"]["rate"]) == pytest.approx(Decimal(1) / eur * markup, rel=Decimal("1e-9"))
    usd_left = Decimal(await _balance(client, org.h(), "USD"))
    assert usd_left == Decimal("1000.00") - Decimal(order["charged"]["value"])


async def test_wallet_in_order_currency_is_used_without_fx(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00", EUR="100.00")
    r = await client.post(
        "/v1/orders", json={"product_id": "amazon_de", "denomination": 50, "currency": "EUR"}, headers=org.h()
    )
    assert r.status_code == 200
    assert r.json()["fx"] is None and r.json()["charged"]["currency"] == "EUR"
    assert await _balance(client, org.h(), "EUR") == "50.00"


async def test_list_orders_filters_and_pagination(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00", EUR="1000.00")
    ids = []
    for i in range(5):
        body = order_body(external_id=f"batch-{i % 2}")
        ids.append((await client.post("/v1/orders", json=body, headers=org.h())).json()["id"])
    de = await client.post(
        "/v1/orders", json={"product_id": "amazon_de", "denomination": 50, "currency": "EUR"}, headers=org.h()
    )
    ids.append(de.json()["id"])

    everything = (await client.get("/v1/orders", params={"limit": 100}, headers=org.h())).json()
    assert [o["id"] for o in everything["data"]] == list(reversed(ids))  # newest first
    assert everything["has_more"] is False and everything["next_cursor"] is None

    seen, cursor = [], None
    while True:
        params: dict[str, object] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/orders", params=params, headers=org.h())).json()
        seen += [o["id"] for o in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == list(reversed(ids))

    by_product = (await client.get("/v1/orders", params={"product_id": "amazon_de"}, headers=org.h())).json()
    assert [o["id"] for o in by_product["data"]] == [ids[-1]]
    by_ext = (await client.get("/v1/orders", params={"external_id": "batch-1"}, headers=org.h())).json()
    assert {o["id"] for o in by_ext["data"]} == {ids[1], ids[3]}
    by_status = (await client.get("/v1/orders", params={"status": "fulfilled"}, headers=org.h())).json()
    assert len(by_status["data"]) == 6
    none_failed = (await client.get("/v1/orders", params={"status": "failed"}, headers=org.h())).json()
    assert none_failed["data"] == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (await client.get("/v1/orders", params={"created_gte": future}, headers=org.h())).json()["data"] == []
    assert len((await client.get("/v1/orders", params={"created_gte": past}, headers=org.h())).json()["data"]) == 6
    assert (await client.get("/v1/orders", params={"created_lte": past}, headers=org.h())).json()["data"] == []
    bad = await client.get("/v1/orders", params={"status": "lost"}, headers=org.h())
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    bad_date = await client.get("/v1/orders", params={"created_gte": "yesterday"}, headers=org.h())
    assert bad_date.status_code == 422


async def test_voucher_code_is_encrypted_at_rest(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    from sqlalchemy import text

    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    token = order["voucher_url"].rsplit("/", 1)[1]
    async with ctx.db.unit_of_work(readonly=True) as s:
        row = (await s.execute(text("SELECT * FROM orders WHERE id = :id"), {"id": order["id"]})).mappings().one()
        stored = " ".join(str(v) for v in row.values())
        idem = (await s.execute(text("SELECT response_body FROM idempotency_keys"))).scalars().all()
    assert order["voucher"]["code"] not in stored
    assert order["voucher"]["pin"] not in row["voucher_pin"]
    assert token not in stored
    assert all(order["voucher"]["code"] not in (body or "") for body in idem)
