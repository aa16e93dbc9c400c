"""Supplier reconciliation (#16) end to end: a statement generated from real sandbox orders, with known
differences injected, reports exactly those; resolving moves the ledger by exactly the adjustment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from rewardkit.reconciliation.models import ReconciliationResolution
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, OrgHandle
from tests.reconciliation.helpers import R, csv_line, lines, place, problem, statement, upload


async def _usd(client: httpx.AsyncClient, org: OrgHandle) -> int:
    data = (await client.get("/v1/balances", headers=org.h())).json()["data"]
    return next(int(b["available"]["minor_units"]) for b in data if b["currency"] == "USD")


async def _world(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> tuple[OrgHandle, dict[str, Any]]:
    """8 orders; the statement: 4 exact (one a day late, within ±3), one billed 1.00 more, one in EUR,
    one 10 days off, the 8th not on it (missing there), and two references we never had (missing here)."""
    org = await make_org(USD="1000.00")
    o = await place(ctx, client, org, 10, 25, 50, 100, 10, 25, 50, 100)
    body = statement(
        csv_line(o[0].ref, "10.00", "USD", o[0].day),
        csv_line(o[1].ref, "25", "USD", o[1].day),
        csv_line("sbx_not_ours_1", "15.00", "USD", o[0].day),
        csv_line(o[2].ref, "50.00", "USD", o[2].day + timedelta(days=1)),
        csv_line(o[3].ref, "100.00", "usd", o[3].day),
        csv_line(o[4].ref, "11.00", "USD", o[4].day),
        csv_line(o[5].ref, "25.00", "EUR", o[5].day),
        csv_line(o[6].ref, "50.00", "USD", o[6].day + timedelta(days=10)),
        csv_line("sbx_not_ours_2", "5.00", "USD", o[0].day),
    )
    r = await upload(client, org, body, file_name="sandbox-nov.csv")
    assert r.status_code == 200, r.text
    return org, {"orders": o, "rcn": r.json(), "body": body}


async def test_statement_with_known_differences_reports_exactly_those(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org, w = await _world(ctx, client, make_org)
    o, rcn = w["orders"], w["rcn"]
    assert rcn["object"] == "reconciliation" and rcn["supplier"] == "sandbox" and rcn["mapping"] == "sandbox"
    assert rcn["currency"] is None  # USD and one EUR line
    assert rcn["file"]["name"] == "sandbox-nov.csv" and rcn["file"]["bytes"] == len(w["body"])
    assert rcn["counts"] == {
        "lines": 9,
        "matched": 4,
        "missing_here": 2,
        "missing_there": 1,
        "amount_mismatch": 3,
        "resolved": 0,
        "unresolved": 6,
    }
    assert rcn["period"] == {"start": str(o[0].day), "end": str(o[6].day + timedelta(days=10))}
    got = await client.get(f"{R}/{rcn['id']}", headers=org.h())
    assert got.status_code == 200 and got.json() == rcn

    matched = await lines(client, org, rcn["id"], "matched")
    assert sorted(x["ours"]["order_id"] for x in matched) == sorted(p.id for p in o[:4])
    assert all(x["theirs"]["amount"] == x["ours"]["amount"] and x["reasons"] == [] for x in matched)

    here = await lines(client, org, rcn["id"], "missing_here")
    assert [(x["theirs"]["reference"], x["theirs"]["line"], x["ours"]) for x in here] == [
        ("sbx_not_ours_1", 4, None),
        ("sbx_not_ours_2", 10, None),
    ]
    there = await lines(client, org, rcn["id"], "missing_there")
    assert [(x["ours"]["order_id"], x["ours"]["reference"], x["theirs"]) for x in there] == [(o[7].id, o[7].ref, None)]
    assert there[0]["ours"]["amount"] == {"currency": "USD", "minor_units": 10000, "value": "100.00"}

    mismatch = {x["ours"]["order_id"]: x for x in await lines(client, org, rcn["id"], "amount_mismatch")}
    assert {k: v["reasons"] for k, v in mismatch.items()} == {
        o[4].id: ["amount"],
        o[5].id: ["currency"],
        o[6].id: ["date"],
    }
    billed_more = mismatch[o[4].id]
    assert (
        billed_more["theirs"]["amount"]["minor_units"] == 1100 and billed_more["ours"]["amount"]["minor_units"] == 1000
    )
    assert billed_more["theirs"]["line"] == 7 and billed_more["ours"]["status"] == "fulfilled"
    # Every line, in statement order then ours: 9 of theirs and 1 of ours.
    everything = await lines(client, org, rcn["id"])
    assert [x["theirs"]["line"] for x in everything if x["theirs"]] == list(range(2, 11))
    assert everything[-1]["status"] == "missing_there"


async def test_tolerances_widen_the_match(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    [a, b] = await place(ctx, client, org, 10, 25)
    body = statement(csv_line(a.ref, "10.05", "USD", a.day), csv_line(b.ref, "25.00", "USD", b.day - timedelta(days=9)))
    strict = (await upload(client, org, body, date_tolerance_days=0)).json()["counts"]
    assert (strict["matched"], strict["amount_mismatch"]) == (0, 2)
    loose = await upload(client, org, body, date_tolerance_days=9, amount_tolerance_minor=5)
    assert loose.json()["counts"]["matched"] == 2 and loose.json()["date_tolerance_days"] == 9


async def test_resolve_adjust_moves_the_ledger_by_exactly_that_and_keeps_an_audit_row(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org, w = await _world(ctx, client, make_org)
    rcn = w["rcn"]
    mismatch = {x["reasons"][0]: x for x in await lines(client, org, rcn["id"], "amount_mismatch")}
    line = mismatch["amount"]
    before = await _usd(client, org)
    url = f"{R}/{rcn['id']}/lines/{line['id']}/resolve"
    body = {"action": "adjust", "amount": 100, "currency": "USD", "direction": "debit", "note": "billed 11.00: agreed"}
    r = await client.post(url, json=body, headers=org.h())
    assert r.status_code == 200, r.text
    res = r.json()["resolution"]
    assert res["action"] == "adjust" and res["amount"]["minor_units"] == 100 and res["note"] == body["note"]
    assert res["ledger_transaction_id"].startswith("ltx_")
    assert await _usd(client, org) == before - 100
    statement_lines = (await client.get("/v1/balance_transactions", headers=org.h())).json()["data"]
    assert statement_lines[0]["type"] == "adjustment" and statement_lines[0]["amount"]["minor_units"] == -100
    # Once only, whatever the second request says.
    again = await client.post(url, json={**body, "amount": 5}, headers=org.h())
    problem(again, 409, "reconciliation_line_resolved")
    assert await _usd(client, org) == before - 100
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = list(
            (
                await s.execute(select(ReconciliationResolution).where(ReconciliationResolution.line_id == line["id"]))
            ).scalars()
        )
    assert [(x.action, x.amount, x.ledger_transaction_id) for x in rows] == [
        ("adjust", 100, res["ledger_transaction_id"])
    ]
    # A credit gives back; accept and write_off move nothing.
    credit = {"action": "adjust", "amount": 250, "currency": "USD", "direction": "credit", "note": "credit note 7"}
    r = await client.post(f"{R}/{rcn['id']}/lines/{mismatch['date']['id']}/resolve", json=credit, headers=org.h())
    assert r.status_code == 200 and await _usd(client, org) == before - 100 + 250
    r = await client.post(
        f"{R}/{rcn['id']}/lines/{mismatch['currency']['id']}/resolve",
        json={"action": "accept", "note": "ok"},
        headers=org.h(),
    )
    assert r.status_code == 200 and r.json()["resolution"]["ledger_transaction_id"] is None
    assert await _usd(client, org) == before + 150
    shown = (await client.get(f"{R}/{rcn['id']}", headers=org.h())).json()["counts"]
    assert (shown["resolved"], shown["unresolved"]) == (3, 3)
    listed = {x["id"]: x for x in await lines(client, org, rcn["id"], "amount_mismatch")}
    assert listed[line["id"]]["resolution"] == res


async def test_resolve_refusals_write_nothing(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org, w = await _world(ctx, client, make_org)
    rcn = w["rcn"]
    [here, _] = await lines(client, org, rcn["id"], "missing_here")
    [matched, *_] = await lines(client, org, rcn["id"], "matched")
    url = f"{R}/{rcn['id']}/lines/{here['id']}/resolve"
    before = await _usd(client, org)
    too_much = {"action": "adjust", "amount": before + 1, "currency": "USD", "direction": "debit", "note": "x"}
    problem(await client.post(url, json=too_much, headers=org.h()), 402, "insufficient_funds")
    for bad in (
        {"action": "adjust", "note": "no amount"},
        {"action": "accept", "note": "x", "amount": 5},
        {"action": "write_off", "note": ""},
        {"action": "refund", "note": "x"},
        {"action": "adjust", "amount": 5, "currency": "ZZZ", "direction": "debit", "note": "x"},
        # a currency the line is not in: it would open balances neither side billed
        {"action": "adjust", "amount": 5, "currency": "CHF", "direction": "credit", "note": "x"},
        {"action": "adjust", "amount": 0, "currency": "USD", "direction": "debit", "note": "x"},
        {"action": "adjust", "amount": 1.5, "currency": "USD", "direction": "debit", "note": "x"},
    ):
        problem(await client.post(url, json=bad, headers=org.h()), 422, "validation_error")
    matched_url = f"{R}/{rcn['id']}/lines/{matched['id']}/resolve"
    problem(
        await client.post(matched_url, json={"action": "accept", "note": "x"}, headers=org.h()),
        409,
        "reconciliation_line_not_resolvable",
    )
    missing = f"{R}/{rcn['id']}/lines/rcl_nope/resolve"
    problem(
        await client.post(missing, json={"action": "accept", "note": "x"}, headers=org.h()),
        404,
        "reconciliation_line_not_found",
    )
    assert await _usd(client, org) == before
    assert (await lines(client, org, rcn["id"], "missing_here"))[0]["resolution"] is None
    # It can still be resolved afterwards.
    ok = await client.post(url, json={"action": "write_off", "note": "not ours, supplier told"}, headers=org.h())
    assert ok.status_code == 200 and ok.json()["resolution"]["action"] == "write_off"


async def test_idempotency_key_replays_the_upload_and_the_resolution(
    ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg
) -> None:
    org = await make_org(USD="100.00")
    [a] = await place(ctx, client, org, 10)
    body = statement(csv_line(a.ref, "11.00", "USD", a.day))
    h = org.h(**{"Content-Type": "text/csv", "Idempotency-Key": "stmt-1"})
    first = await client.post(R, params={"supplier": "sandbox"}, content=body, headers=h)
    again = await client.post(R, params={"supplier": "sandbox"}, content=body, headers=h)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    other = await client.post(R, params={"supplier": "sandbox"}, content=body + b"x,1,USD,2026-01-01\n", headers=h)
    problem(other, 422, "idempotency_key_reused")
    listed = (await client.get(R, headers=org.h())).json()["data"]
    assert [x["id"] for x in listed] == [first.json()["id"]]
    [line] = await lines(client, org, first.json()["id"], "amount_mismatch")
    url = f"{R}/{first.json()['id']}/lines/{line['id']}/resolve"
    req = {"action": "adjust", "amount": 100, "currency": "USD", "direction": "debit", "note": "billed 11"}
    key = org.h(**{"Idempotency-Key": "res-1"})
    r1, r2 = await client.post(url, json=req, headers=key), await client.post(url, json=req, headers=key)
    assert r1.status_code == r2.status_code == 200 and r2.headers.get("Idempotent-Replayed") == "true"
    assert r1.json() == r2.json() and await _usd(client, org) == 10000 - 1000 - 100


async def test_lines_paginate_and_filter(ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org()
    body = statement(*(csv_line(f"ref-{i}", "1.00", "USD", "2026-11-0" + str(1 + i % 9)) for i in range(7)))
    rcn = (await upload(client, org, body)).json()
    seen, params = [], {"limit": 3}
    while True:
        page = (await client.get(f"{R}/{rcn['id']}/lines", params=params, headers=org.h())).json()
        seen += [x["theirs"]["reference"] for x in page["data"]]
        if not page["has_more"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [f"ref-{i}" for i in range(7)]
    bad = await client.get(f"{R}/{rcn['id']}/lines", params={"status": "lost"}, headers=org.h())
    problem(bad, 422, "validation_error")
