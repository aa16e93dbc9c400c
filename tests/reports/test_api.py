"""Report runs through the API: the shape of a run, its file, and every bad input a 4xx problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

import httpx
import pytest

from rewardkit.reports.categories import CATEGORIES
from rewardkit.reports.columns import COLUMNS
from tests.conftest import MakeOrg, order_body
from tests.links.helpers import problem
from tests.reports.helpers import R, balances, download, fetch, iso, rows_csv, run, window


async def test_a_balance_summary_ties_to_the_balances(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(denomination=25), headers=org.h())
    assert r.status_code == 200, r.text
    r = await client.post("/v1/orders", json=order_body(denomination=10, metadata={"sandbox": "fail"}), headers=org.h())
    assert r.status_code == 200, r.text
    run_ = await run(client, org, "balance_summary")
    assert run_["id"].startswith("rpt_") and run_["object"] == "report_run"
    assert run_["download_url"].endswith(f"/v1/reports/{run_['id']}/download")
    assert run_["columns"] == [c.name for c in COLUMNS["balance_summary"]]
    got = await download(client, org, run_["id"])
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="balance_summary_' in got.headers["content-disposition"]
    rows = rows_csv(got.content)
    assert len(rows) == run_["row_count"]
    wallet = next(r for r in rows if r["account"] == "wallet" and r["currency"] == "USD")
    assert wallet["opening_balance"] == "0.00" and wallet["activity_funding"] == "100.00"  # funded inside it
    # Every row: opening + activity = closing, in decimals.
    for row in rows:
        total = sum(int(row[f"activity_{c}"].replace(".", "")) for c in CATEGORIES)
        assert int(row["opening_balance"].replace(".", "")) + total == int(row["closing_balance"].replace(".", ""))
    assert wallet["closing_balance"] == "75.00"
    assert (await balances(client, org))["USD"]["available"] == 7500
    assert wallet["activity_orders"] == "-35.00" and wallet["activity_refunds"] == "10.00"


def _body(**over: Any) -> dict[str, Any]:
    start, end = window()
    return {"type": "balance_summary", "interval_start": start, "interval_end": end, **over}


NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        (
            {"interval_start": iso(NOW - timedelta(days=1)), "interval_end": iso(NOW - timedelta(days=2))},
            422,
            "invalid_interval",
        ),
        (
            {"interval_start": iso(NOW - timedelta(days=1)), "interval_end": iso(NOW - timedelta(days=1))},
            422,
            "invalid_interval",
        ),
        ({"interval_start": "2016-01-01", "interval_end": "2026-01-01"}, 422, "interval_too_long"),
        ({"interval_end": iso(NOW + timedelta(days=1))}, 422, "interval_beyond_data"),
        ({"timezone": "Mars/Olympus_Mons"}, 422, "unknown_timezone"),
        ({"timezone": "../../etc/passwd"}, 422, "unknown_timezone"),
        ({"columns": ["currency", "no_such_column"]}, 422, "unknown_column"),
        ({"columns": ["currency", "currency"]}, 422, "unknown_column"),
        ({"interval_start": "yesterday"}, 422, "invalid_interval"),
        ({"interval_start": "2026-13-01"}, 422, "invalid_interval"),
        ({"interval_start": 10**18}, 422, "invalid_interval"),
        ({"type": "taxes"}, 422, "validation_error"),
        ({"format": "xlsx"}, 422, "validation_error"),
        ({"currency": "$$"}, 422, "validation_error"),
        # a typo'd ISO code must not publish an empty file that reads as "no activity"
        ({"currency": "UDS"}, 422, "unknown_currency"),
        ({"columns": []}, 422, "validation_error"),
        ({"surprise": 1}, 422, "validation_error"),
    ],
)
async def test_bad_inputs_are_problems(
    client: httpx.AsyncClient, make_org: MakeOrg, over: dict[str, Any], status: int, code: str
) -> None:
    org = await make_org()
    r = await client.post(R, json=_body(**over), headers=org.h())
    problem(r, status, code)
    listed = (await client.get(R, headers=org.h())).json()["data"]
    assert listed == []  # nothing recorded for a refused run


async def test_get_list_and_unknown_runs(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    first = await run(client, org, "balance_summary")
    second = await run(client, org, "balance_transactions", format="jsonl")
    r = await client.get(f"{R}/{first['id']}", headers=org.h())
    assert r.status_code == 200 and r.json() == first
    page = (await client.get(R, params={"limit": 1}, headers=org.h())).json()
    assert [x["id"] for x in page["data"]] == [second["id"]] and page["has_more"]
    rest = (await client.get(R, params={"cursor": page["next_cursor"]}, headers=org.h())).json()
    assert [x["id"] for x in rest["data"]] == [first["id"]] and not rest["has_more"]
    problem(await client.get(f"{R}/rpt_nope", headers=org.h()), 404, "report_not_found")
    problem(await client.get(f"{R}/rpt_nope/download", headers=org.h()), 404, "report_not_found")
    # Another mode of the same org sees none of them.
    problem(await client.get(f"{R}/{first['id']}", headers=org.h("live")), 404, "report_not_found")


async def test_a_run_downloads_identically_every_time(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="50.00")
    await client.post("/v1/orders", json=order_body(denomination=10), headers=org.h())
    run_ = await run(client, org, "balance_transactions")
    one = await download(client, org, run_["id"])
    await client.post("/v1/orders", json=order_body(denomination=10), headers=org.h())  # after the interval
    two = await download(client, org, run_["id"])
    assert one.content == two.content
    import hashlib

    assert hashlib.sha256(one.content).hexdigest() == run_["sha256"] and len(one.content) == run_["size"]


async def test_an_interval_without_activity_is_headers_and_opening_equals_closing(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="42.00")
    start, end = iso(datetime.now(UTC) - timedelta(microseconds=1)), iso(datetime.now(UTC))
    # An interval after the funding, with nothing in it.
    r = await client.post(R, json={"type": "balance_transactions", "interval_start": start, "interval_end": end},
                          headers=org.h())  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "succeeded" and r.json()["row_count"] == 0
    body = (await download(client, org, r.json()["id"])).content
    assert body.decode().strip() == ",".join(c.name for c in COLUMNS["balance_transactions"])
    r = await client.post(R, json={"type": "balance_summary", "interval_start": start, "interval_end": end},
                          headers=org.h())  # fmt: skip
    rows = rows_csv((await download(client, org, r.json()["id"])).content)
    wallet = next(x for x in rows if x["account"] == "wallet")
    assert wallet["opening_balance"] == wallet["closing_balance"] == "42.00"
    assert all(wallet[f"activity_{c}"] == "0.00" for c in CATEGORIES)


async def test_csv_has_decimals_and_jsonl_also_minor_units(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="12.34", JPY="5000")
    csv_rows = await fetch(client, org, "balance_transactions", fmt="csv")
    jsonl_rows = await fetch(client, org, "balance_transactions", fmt="jsonl")
    assert len(csv_rows) == len(jsonl_rows) > 0
    usd = next(r for r in csv_rows if r["account"] == "wallet" and r["currency"] == "USD")
    assert usd["amount"] == "12.34" and usd["amount_minor"] == "1234" and usd["balance_after"] == "12.34"
    jpy = next(r for r in jsonl_rows if r["account"] == "wallet" and r["currency"] == "JPY")
    assert jpy["amount"] == "5000" and jpy["amount_minor"] == 5000 and jpy["balance_after_minor"] == 5000
    assert jpy["category"] == "funding" and jpy["type"] == "funding"
    assert jpy["created_utc"].endswith("Z")


async def test_selected_columns_in_the_order_asked(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="1.00")
    run_ = await run(client, org, "balance_transactions", columns=["amount", "id", "created_local"],
                     timezone="Asia/Kolkata")  # fmt: skip
    body = (await download(client, org, run_["id"])).content.decode()
    header, *lines = body.splitlines()
    assert header == "amount,id,created_local"
    assert sorted(x.split(",")[0] for x in lines) == ["-1.00", "1.00"]  # the funding account and the wallet
    assert all(x.split(",")[1].startswith("btx_") and x.endswith("+05:30") for x in lines)
    jl = await fetch(client, org, "balance_summary", columns=["currency", "closing_balance"])
    assert all(set(r) == {"currency", "closing_balance", "closing_balance_minor"} for r in jl)


async def test_every_type_has_its_documented_columns(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="200.00")
    await client.post("/v1/orders", json=order_body(denomination=25), headers=org.h())
    link = await client.post("/v1/reward_links", json={"value": 25, "currency": "USD",
        "choice": {"products": ["amazon_us"]}, "recipient": {"email": "ada@example.com"}}, headers=org.h())  # fmt: skip
    assert link.status_code == 200, link.text
    program = await client.post("/v1/points_programs", json={"name": "P", "currency": "USD", "points_per_unit": 100,
                                                             "funding": "prefunded"}, headers=org.h())  # fmt: skip
    pid = program.json()["id"]
    await client.put(f"/v1/points_programs/{pid}/members/u1", json={}, headers=org.h())
    r = await client.post(f"/v1/points_programs/{pid}/members/u1/credits", json={"points": 500, "reference": "c1"},
                          headers=org.h())  # fmt: skip
    assert r.status_code == 200, r.text
    for type_, columns in COLUMNS.items():
        rows = await fetch(client, org, type_, fmt="csv")
        assert rows, type_
        assert list(rows[0]) == [c.name for c in columns], type_
    [o] = await fetch(client, org, "orders")
    assert o["status"] == "fulfilled" and o["face_value"] == "25.00" and o["face_value_minor"] == 2500
    assert o["supplier"] and o["fulfilled_utc"]
    [lk] = await fetch(client, org, "reward_links")
    assert lk["id"] == link.json()["id"] and lk["value"] == "25.00" and lk["remaining_minor"] == 2500
    [pt] = await fetch(client, org, "points")
    assert pt["type"] == "credit" and pt["points"] == 500 and pt["cash"] == "5.00" and pt["member_id"] == "u1"
    summary = await fetch(client, org, "balance_summary")
    wallet = next(x for x in summary if x["account"] == "wallet" and x["holder_type"] == "org")
    assert wallet["activity_link_reservations_minor"] == -2500 and wallet["activity_points_funding_minor"] == -500
    assert wallet["closing_balance_minor"] == (await balances(client, org))["USD"]["available"]


async def test_fx_rate_is_charge_currency_per_unit_of_product_currency(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    # A finance user rebuilds `charged` from `face_value` and `fx_rate`: the docs must say which way it goes.
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(product_id="amazon_jp", denomination=1000, currency="JPY"),
                          headers=org.h())  # fmt: skip
    assert r.status_code == 200, r.text
    [o] = await fetch(client, org, "orders")
    assert (o["currency"], o["charge_currency"]) == ("JPY", "USD")
    face, rate, charged = Decimal(o["face_value"]), Decimal(o["fx_rate"]), Decimal(o["charged"])
    assert (face * rate).quantize(Decimal("0.01"), rounding=ROUND_CEILING) == charged
    described = {c.name: c.description for c in COLUMNS["orders"]}["fx_rate"]
    assert "charge currency per unit of product currency" in described
    described = {c.name: c.description for c in COLUMNS["balance_transactions"]}["fx_rate"]
    assert "charge currency per unit of product currency" in described


async def test_an_order_never_fulfilled_names_the_supplier_it_was_routed_to(
    client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(denomination=25, metadata={"sandbox": "fail"}), headers=org.h())
    assert r.status_code == 200 and r.json()["status"] == "refunded", r.text
    [o] = await fetch(client, org, "orders")
    assert (o["status"], o["supplier"], o["failure_code"]) == ("refunded", "sandbox", "supplier_rejected")
    assert o["fulfilled_utc"] is None and o["refunded_utc"]
    described = {c.name: c.description for c in COLUMNS["orders"]}["supplier"]
    assert "never fulfilled, the one it was routed to" in described
