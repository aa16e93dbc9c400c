"""A run's lifecycle beyond the happy path: too large to build within its request (pending, then the
job), and a ledger that does not tie (failed, with the problem, no file, the report.failed event)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from rewardkit.events.models import Event
from rewardkit.ledger.models import Account
from rewardkit.reports import service
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg
from tests.links.helpers import problem
from tests.reports.helpers import R, download, window


async def test_a_large_run_is_pending_then_built_by_its_job(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await make_org(USD="5.00")
    monkeypatch.setattr(ctx.settings, "reports_inline_rows", 1)
    start, end = window()
    r = await client.post(R, json={"type": "balance_transactions", "interval_start": start, "interval_end": end},
                          headers=org.h())  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["download_url"] is None
    run_id = r.json()["id"]
    problem(await client.get(f"{R}/{run_id}/download", headers=org.h()), 409, "report_not_ready")
    assert await service.run_job(ctx, run_id) == "succeeded"
    assert await service.run_job(ctx, run_id) == "done already"
    done = (await client.get(f"{R}/{run_id}", headers=org.h())).json()
    assert done["status"] == "succeeded" and done["row_count"] == 2
    assert len((await download(client, org, run_id)).content) == done["size"]


async def test_a_run_that_does_not_tie_fails_and_publishes_nothing(
    client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="5.00")
    wallet = (Account.org_id == org.id, Account.kind == "wallet")
    async with ctx.db.unit_of_work() as s:  # a cached balance that drifted from its postings
        await s.execute(update(Account).where(*wallet).values(balance=Account.balance + 1))
    try:
        start, end = window()
        r = await client.post(R, json={"type": "balance_summary", "interval_start": start, "interval_end": end},
                              headers=org.h())  # fmt: skip
        assert r.status_code == 200, r.text
        run = r.json()
        assert run["status"] == "failed" and run["download_url"] is None and run["row_count"] is None
        assert run["error"]["code"] == "report_tie_out_failed" and "wallet" in run["error"]["detail"]
        problem(await client.get(f"{R}/{run['id']}/download", headers=org.h()), 409, "report_not_ready")
        async with ctx.db.unit_of_work(readonly=True) as s:
            types = (await s.execute(select(Event.type).where(Event.resource_id == run["id"]))).scalars().all()
        assert list(types) == ["report.failed"]
    finally:
        async with ctx.db.unit_of_work() as s:
            await s.execute(update(Account).where(*wallet).values(balance=Account.balance - 1))


def test_a_type_whose_product_is_missing_is_refused() -> None:
    """A deployment without the points (or links) module: its type is a clear 422, never an empty file."""
    from types import SimpleNamespace

    from rewardkit.reports.errors import ReportTypeUnavailable

    bare: Any = SimpleNamespace(modules=(SimpleNamespace(name="ledger"), SimpleNamespace(name="orders")))
    for type_ in ("points", "reward_links"):
        with pytest.raises(ReportTypeUnavailable):
            service.columns_of(bare, type_, None)
    assert service.columns_of(bare, "orders", ["id"])[0].name == "id"
    assert service.columns_of(bare, "balance_summary", None)
