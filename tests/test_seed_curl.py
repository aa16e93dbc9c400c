"""The first order, exactly as the README and the quickstart show it."""

from __future__ import annotations

import re

import httpx

from tests.conftest import MakeOrg

SEED = {"product_id": "amazon_us", "denomination": 50, "currency": "USD"}


async def test_seed_curl_returns_fulfilled_with_voucher_url(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    r = await client.post("/v1/orders", json=SEED, headers=org.h(**{"Content-Type": "application/json"}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "fulfilled"
    assert body["id"].startswith("ord_")
    assert body["voucher_url"].startswith("http://testserver/v/")
    token = body["voucher_url"].rsplit("/", 1)[1]
    assert body["id"] not in token and len(token) >= 32
    assert body["charged"] == {"currency": "USD", "minor_units": 5000, "value": "50.00"}


async def test_seed_curl_with_idempotency_key_and_recipient(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1000.00")
    body = {**SEED, "recipient": "user@acme.com"}
    headers = org.h(**{"Idempotency-Key": "order_abc123"})
    first = await client.post("/v1/orders", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "fulfilled"
    assert first.json()["recipient"]["email"] == "user@acme.com"
    again = await client.post("/v1/orders", json=body, headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    balances = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    assert balances[0]["available"]["value"] == "950.00"  # charged once


async def test_voucher_page_shows_brand_amount_code_expiry_and_instructions(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    order = (await client.post("/v1/orders", json=SEED, headers=org.h())).json()
    page = await client.get(order["voucher_url"].replace("http://testserver", ""))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "Amazon" in html and "50.00" in html and "USD" in html
    assert order["voucher"]["code"] in html and order["voucher"]["pin"] in html
    assert order["voucher"]["expires_at"][:10] in html
    assert "How to redeem" in html
    assert re.search(r"Test mode", html)


async def test_unknown_voucher_token_is_a_404_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/v/not-a-real-token-at-all-0000000000")
    assert r.status_code == 404
    assert "not valid" in r.text
