"""Catalog import: parse_catalog + import_products, all or nothing, visible through GET /v1/products."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from rewardkit.catalog.errors import CatalogImportError
from rewardkit.catalog.models import Product, ProductCountry, ProductDenomination
from rewardkit.catalog.service import ProductCache, import_products, parse_catalog
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle

CSV_HEADER = "id,brand,name,category,countries,currency,denominations,description,redemption_instructions,terms,"
CSV_HEADER += "image_url,validity_days\n"


@pytest.fixture
async def new_id(ctx: Runtime) -> AsyncIterator[Callable[[str], str]]:
    """new_id("shop") -> a product id no other test uses; every such product is deleted afterwards."""
    made: list[str] = []

    def make(stem: str) -> str:
        pid = f"imp_{stem}_{secrets.token_hex(4)}"
        made.append(pid)
        return pid

    yield make
    async with ctx.db.unit_of_work() as s:
        for table in (ProductCountry, ProductDenomination):
            await s.execute(delete(table).where(table.product_id.in_(made)))
        await s.execute(delete(Product).where(Product.id.in_(made)))


@pytest.fixture
async def org(make_org: MakeOrg) -> OrgHandle:
    return await make_org()


def product(pid: str, **over: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "brand": "Kiwi Books",
        "name": "Kiwi Books Gift Card",
        "category": "gift_card",
        "countries": ["DE", "AT"],
        "currency": "EUR",
        "denominations": {"fixed": [1000, 2500]},
        "description": "Spend it on any book in a Kiwi store.",
        "redemption_instructions": "Show the code at the till.",
        "terms": "No cash value.",
        "image_url": "/static/img/gift_card.svg",
        "validity_days": 730,
        **over,
    }


async def do_import(ctx: Runtime, text: str, fmt: str) -> int:
    items = parse_catalog(text, fmt)
    async with ctx.db.unit_of_work() as s:
        return await import_products(s, items, ctx.part(ProductCache))


async def get(client: httpx.AsyncClient, org: OrgHandle, pid: str) -> httpx.Response:
    return await client.get(f"/v1/products/{pid}", headers=org.h())


async def test_json_catalog_imports_and_is_listed(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    fixed, ranged, yen = new_id("fixed"), new_id("range"), new_id("yen")
    text = json.dumps(
        {
            "products": [
                product(fixed),
                product(
                    ranged,
                    brand="Kiwi Mobile",
                    category="mobile_topup",
                    countries=["FR"],
                    denominations={"min": 500, "max": 5000, "step": 50},
                    validity_days=None,
                ),
                product(
                    yen,
                    brand="Kiwi Japan",
                    countries=["JP"],
                    currency="JPY",
                    denominations={"fixed": [1000, 5000]},
                ),
            ]
        }
    )
    assert await do_import(ctx, text, "json") == 3

    p = (await get(client, org, fixed)).json()
    assert p["brand"] == "Kiwi Books" and p["name"] == "Kiwi Books Gift Card" and p["category"] == "gift_card"
    assert p["countries"] == ["AT", "DE"] and p["currency"] == "EUR"
    assert p["denominations"] == {"type": "fixed", "values": ["10.00", "25.00"]}
    assert p["validity_days"] == 730 and p["terms"] == "No cash value."
    r = (await get(client, org, ranged)).json()
    assert r["denominations"] == {"type": "range", "min": "5.00", "max": "50.00", "step": "0.50"}
    assert r["validity_days"] is None
    assert (await get(client, org, yen)).json()["denominations"]["values"] == ["1000", "5000"]

    listed = await client.get(
        "/v1/products", params={"q": fixed, "country": "AT", "denomination": "25"}, headers=org.h()
    )
    assert [x["id"] for x in listed.json()["data"]] == [fixed]
    found = await client.get(
        "/v1/products", params={"country": "FR", "denomination": "12.5", "q": "kiwi"}, headers=org.h()
    )
    assert [x["id"] for x in found.json()["data"]] == [ranged]
    not_on_step = await client.get("/v1/products", params={"denomination": "12.25", "q": ranged}, headers=org.h())
    assert not_on_step.json()["data"] == []
    yen_hit = await client.get(
        "/v1/products", params={"currency": "JPY", "denomination": "5000", "q": yen}, headers=org.h()
    )
    assert [x["id"] for x in yen_hit.json()["data"]] == [yen]


async def test_a_bare_json_list_is_accepted(ctx: Runtime, new_id: Callable[[str], str]) -> None:
    assert await do_import(ctx, json.dumps([product(new_id("bare"))]), "json") == 1


async def test_csv_catalog_imports_and_is_listed(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    fixed, ranged = new_id("csvfix"), new_id("csvrange")
    text = CSV_HEADER + (
        f'{fixed},Kiwi Books,"Kiwi Books, Gift Card",gift_card,DE|AT FR,EUR,10.00|25.00,"Books, and more",'
        f"Show the code.,No cash value.,/static/img/gift_card.svg,365\n"
        f"{ranged},Kiwi Air,Kiwi Air Top-Up,mobile_topup,GB,GBP,5.00-100.00/0.01,Airtime,,,,\n"
    )
    assert await do_import(ctx, text, "csv") == 2

    p = (await get(client, org, fixed)).json()
    assert p["name"] == "Kiwi Books, Gift Card"
    assert p["countries"] == ["AT", "DE", "FR"]
    assert p["denominations"] == {"type": "fixed", "values": ["10.00", "25.00"]}
    assert p["description"] == "Books, and more" and p["validity_days"] == 365
    r = (await get(client, org, ranged)).json()
    assert r["currency"] == "GBP" and r["countries"] == ["GB"]
    assert r["denominations"] == {"type": "range", "min": "5.00", "max": "100.00", "step": "0.01"}
    assert r["image_url"] is None and r["validity_days"] is None and r["terms"] == ""

    listed = await client.get("/v1/products", params={"brand": "kiwi air", "denomination": "42.42"}, headers=org.h())
    assert ranged in [x["id"] for x in listed.json()["data"]]


async def test_reimport_upserts(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    pid = new_id("upsert")
    await do_import(ctx, json.dumps([product(pid)]), "json")
    changed = product(
        pid,
        name="Kiwi Books Voucher",
        countries=["CH"],
        currency="CHF",
        denominations={"min": 1000, "max": 2000},
    )
    assert await do_import(ctx, json.dumps([changed]), "json") == 1

    p = (await get(client, org, pid)).json()
    assert p["name"] == "Kiwi Books Voucher"
    assert p["countries"] == ["CH"] and p["currency"] == "CHF"
    assert p["denominations"] == {"type": "range", "min": "10.00", "max": "20.00", "step": "0.01"}
    # the old country and amounts no longer match; the new ones do
    old = await client.get("/v1/products", params={"country": "DE", "q": pid}, headers=org.h())
    assert old.json()["data"] == []
    new = await client.get("/v1/products", params={"country": "CH", "denomination": "15.37", "q": pid}, headers=org.h())
    assert [x["id"] for x in new.json()["data"]] == [pid]
    listed = await client.get("/v1/products", params={"q": pid}, headers=org.h())
    assert len(listed.json()["data"]) == 1  # updated, not duplicated


async def test_inactive_product_is_hidden(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    pid = new_id("retired")
    await do_import(ctx, json.dumps([product(pid)]), "json")
    assert (await get(client, org, pid)).status_code == 200
    await do_import(ctx, json.dumps([product(pid, active=False)]), "json")
    assert (await get(client, org, pid)).status_code == 404
    assert (await client.get("/v1/products", params={"q": pid}, headers=org.h())).json()["data"] == []


async def test_invalid_json_catalog_lists_every_problem_and_writes_nothing(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    existing, good, dup = new_id("kept"), new_id("good"), new_id("dup")
    await do_import(ctx, json.dumps([product(existing)]), "json")
    rows = [
        product(existing, name="Renamed by a bad file"),  # 1: valid, an update
        product(good),  # 2: valid, new
        product(new_id("ccy"), currency="XYZ"),  # 3
        product(new_id("ctry"), countries=["DE", "XX"]),  # 4
        product(new_id("denom"), denominations={"fixed": [0, 100]}),  # 5
        product(new_id("range"), denominations={"min": 500, "max": 100}),  # 6
        product(dup),  # 7
        product(dup),  # 8: duplicate of row 7
        product(new_id("cat"), category="vouchers"),  # 9
    ]
    with pytest.raises(CatalogImportError) as info:
        await do_import(ctx, json.dumps({"products": rows}), "json")
    problem = info.value
    assert problem.status == 422 and problem.code == "catalog_import_invalid"
    assert "nothing was imported" in problem.detail
    found = {(e["row"], e["field"].split(".")[0]) for e in problem.errors or []}
    assert found == {
        (3, "currency"),
        (4, "countries"),
        (5, "denominations"),
        (6, "denominations"),
        (8, "id"),
        (9, "category"),
    }
    assert all(e["message"] for e in problem.errors or [])

    assert (await get(client, org, existing)).json()["name"] == "Kiwi Books Gift Card"
    for pid in (good, dup):
        assert (await get(client, org, pid)).status_code == 404


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("{not json", "json"), ('{"items": []}', "json"), ('"a string"', "json"), ("id,brand\n", "xml")],
)
def test_unreadable_files_are_a_catalog_import_error(text: str, fmt: str) -> None:
    with pytest.raises(CatalogImportError):
        parse_catalog(text, fmt)


def test_an_empty_catalog_imports_nothing() -> None:
    assert parse_catalog("[]", "json") == []
    assert parse_catalog(CSV_HEADER, "csv") == []


async def test_invalid_csv_row_level_problems_write_nothing(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    good, bad = new_id("csvgood"), new_id("csvbad")
    text = CSV_HEADER + (
        f"{good},Kiwi,Kiwi Card,gift_card,DE,EUR,10.00,,,,,\n{bad},Kiwi,Kiwi Card,vouchers,XX,EUR,10.00,,,,,\n"
    )
    with pytest.raises(CatalogImportError) as info:
        await do_import(ctx, text, "csv")
    found = {(e["row"], e["field"].split(".")[0]) for e in info.value.errors or []}
    assert found == {(2, "category"), (2, "countries")}
    assert (await get(client, org, good)).status_code == 404


@pytest.mark.parametrize(
    ("currency", "denominations", "field"),
    [("XYZ", "10.00", "currency"), ("USD", "10.001", "denominations"), ("USD", "ten", "denominations")],
)
async def test_csv_bad_currency_or_amount_is_reported_by_row_and_field(
    ctx: Runtime, new_id: Callable[[str], str], currency: str, denominations: str, field: str
) -> None:
    text = CSV_HEADER + (
        f"{new_id('ok')},Kiwi,Kiwi Card,gift_card,US,USD,10.00,,,,,\n"
        f"{new_id('bad')},Kiwi,Kiwi Card,gift_card,US,{currency},{denominations},,,,,\n"
    )
    with pytest.raises(CatalogImportError) as info:
        await do_import(ctx, text, "csv")
    assert info.value.errors, info.value.detail
    assert {(e["row"], e["field"].split(".")[0]) for e in info.value.errors} == {(2, field)}


async def test_lower_case_country_codes_are_normalised_or_refused(
    ctx: Runtime, client: httpx.AsyncClient, org: OrgHandle, new_id: Callable[[str], str]
) -> None:
    pid = new_id("lower")
    try:
        await do_import(ctx, json.dumps([product(pid, countries=["de"])]), "json")
    except CatalogImportError:
        return  # refusing is fine too
    listed = await client.get("/v1/products", params={"country": "DE", "q": pid}, headers=org.h())
    assert [x["id"] for x in listed.json()["data"]] == [pid]


def test_product_id_with_trailing_newline_is_refused() -> None:
    with pytest.raises(CatalogImportError) as info:
        parse_catalog(json.dumps([product("kiwi_books\n")]), "json")
    assert info.value.errors and info.value.errors[0]["field"] == "id"
