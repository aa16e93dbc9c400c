"""`rewardkit reconcile` (#16): the same reconciliation from a file, its summary and the lines that did
not match; `--resolve` books an adjustment; bad files and options fail in one line."""

from __future__ import annotations

from pathlib import Path

import httpx

from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.reconciliation.helpers import R, csv_line, place, statement
from tests.test_cli import Cli
from tests.test_cli import cli as cli  # the fixture


async def test_reconcile_cli_on_a_file(
    cli: Cli, ctx: Runtime, client: httpx.AsyncClient, make_org: MakeOrg, tmp_path: Path
) -> None:
    org = await make_org(USD="100.00")
    [a, b] = await place(ctx, client, org, 10, 25)
    path = tmp_path / "sandbox-nov.csv"
    path.write_bytes(statement(csv_line(a.ref, "10.00", "USD", a.day), csv_line("sbx_elsewhere", "5.00", "USD", a.day)))
    r = await cli("reconcile", "--org", org.id, "--mode", "test", "--supplier", "sandbox", str(path))
    assert r.code == 0, r.err
    head, *rows = r.out.strip().splitlines()
    assert "2 lines: 1 matched, 1 missing here, 1 missing there, 0 amount mismatch" in head
    assert len(rows) == 2 and "missing_here" in rows[0] and "sbx_elsewhere" in rows[0]
    assert "missing_there" in rows[1] and b.id in rows[1]
    listed = (await client.get(R, headers=org.h())).json()["data"]
    assert [x["file"]["name"] for x in listed] == ["sandbox-nov.csv"]
    rcn = listed[0]["id"]
    line = rows[1].split()[0]
    args = ["reconcile", "--org", org.id, "--reconciliation", rcn, "--resolve", line]
    done = await cli(*args, "--action", "adjust", "--amount", "250", "--currency", "USD", "--direction", "credit",
                     "--note", "credit note 12", "--json")  # fmt: skip
    assert done.code == 0, done.err
    res = done.json()["resolution"]
    assert res["principal_id"] == "cli" and res["amount"]["minor_units"] == 250 and res["note"] == "credit note 12"
    again = await cli(*args, "--action", "accept", "--note", "twice")
    assert again.code == 1 and "resolved (adjust) already" in again.err
    bad = await cli(*args[:-1], line, "--action", "accept", "--note", "x", "--amount", "5")
    assert bad.code == 1 and "only adjust moves money" in bad.err
    # A statement it cannot read: the problem and its lines, nothing recorded.
    path.write_bytes(statement("x,ten,USD,2026-11-01"))
    r = await cli("reconcile", "--org", org.id, "--supplier", "sandbox", str(path))
    assert r.code == 1 and "line 2: face_value" in r.err
    r = await cli("reconcile", "--org", org.id, "--supplier", "sandbox", str(tmp_path / "none.csv"))
    assert r.code == 1 and "no such file" in r.err
    assert len((await client.get(R, headers=org.h())).json()["data"]) == 1
