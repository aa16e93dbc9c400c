"""Another org, and the other mode of the same org, never read, list or download a run of the owner's
(the download is outside the OpenAPI description, so the BOLA matrix cannot find it: this covers it),
nor read its schedules or statements."""

from __future__ import annotations

import httpx

from tests.conftest import MakeOrg
from tests.links.helpers import problem
from tests.reports.helpers import R, download, run


async def test_another_org_and_mode_cannot_read_or_download_a_run(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    a, b = await make_org(USD="10.00"), await make_org(USD="20.00")
    run_a = await run(client, a, "balance_transactions")
    for headers in (b.h(), a.h("live")):
        problem(await client.get(f"{R}/{run_a['id']}", headers=headers), 404, "report_not_found")
        problem(await client.get(f"{R}/{run_a['id']}/download", headers=headers), 404, "report_not_found")
        assert run_a["id"] not in (await client.get(R, headers=headers)).text
    assert (await client.get(f"{R}/{run_a['id']}/download")).status_code == 401  # no key at all
    # B's own run holds B's money only.
    run_b = await run(client, b, "balance_transactions")
    body = (await download(client, b, run_b["id"])).content.decode()
    assert "20.00" in body and "10.00" not in body


async def test_schedules_are_the_owners(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    a, b = await make_org(), await make_org()
    r = await client.post(
        "/v1/report_schedules", json={"type": "balance_summary", "frequency": "monthly"}, headers=a.h()
    )
    assert r.status_code == 200, r.text
    sid = r.json()["id"]
    for headers in (b.h(), a.h("live")):
        problem(await client.get(f"/v1/report_schedules/{sid}", headers=headers), 404, "report_schedule_not_found")
        problem(await client.delete(f"/v1/report_schedules/{sid}", headers=headers), 404, "report_schedule_not_found")
    assert (await client.get(f"/v1/report_schedules/{sid}", headers=a.h())).json()["next_run_at"]
