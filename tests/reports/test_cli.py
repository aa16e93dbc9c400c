"""`rewardkit reports export`: the API's types, options and validation, the file written as published."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import MakeOrg
from tests.reports.helpers import R, rows_csv, window
from tests.test_cli import Cli
from tests.test_cli import cli as cli  # the fixture


async def test_reports_export(cli: Cli, client: httpx.AsyncClient, make_org: MakeOrg, tmp_path: Path) -> None:
    org = await make_org(USD="70.00")
    start, end = window()
    out = tmp_path / "summary.csv"
    args = ["reports", "export", "--org", org.id, "--type", "balance_summary", "--start", start, "--end", end]
    done = await cli(*args, "--timezone", "Europe/Paris", "--out", str(out))
    assert done.code == 0, done.err
    rows = rows_csv(out.read_bytes())
    assert next(r for r in rows if r["account"] == "wallet")["closing_balance"] == "70.00"
    run_id = done.err.split(":")[0].strip()
    listed = (await client.get(R, headers=org.h())).json()["data"]
    assert [x["id"] for x in listed] == [run_id] and listed[0]["timezone"] == "Europe/Paris"
    stdout = await cli(*args, "--format", "jsonl")
    assert stdout.code == 0 and '"closing_balance_minor":7000' in stdout.out
    bad = await cli(*args[:-4], "--start", "2016-01-01", "--end", "2026-01-01")
    assert bad.code == 1 and "366 days" in bad.err
    bad = await cli(*args, "--timezone", "Nowhere/Land")
    assert bad.code == 1 and "IANA" in bad.err
    bad = await cli(*args, "--format", "xlsx")
    assert bad.code == 1 and "format" in bad.err
    bad = await cli("reports", "export", "--org", "org_nope", "--type", "orders", "--start", start, "--end", end)
    assert bad.code == 1 and "no organisation" in bad.err
