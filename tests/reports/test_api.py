"""Report runs through the API: the shape of a run, its file, and every bad input a 4xx problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rewardkit.reports.categories import CATEGORIES
from rewardkit.reports.columns import COLUMNS
from tests.conftest import MakeOrg, order_body
from tests.links.helpers import problem
from tests.reports.helpers import R, balances, download, fetch, iso, rows_csv, rows_jsonl, run, window


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
    assert f'filename="balance_summary_' in got.headers["content-disposition"]
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
