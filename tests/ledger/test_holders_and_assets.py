"""Accounts held inside an org (a points member, a reservation) and assets an org defines (points):
postings balance per asset, a non-negative account stays non-negative for any holder and asset, and
today's org wallets, balances and statement are untouched by them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import AssetError, InsufficientFunds, UnbalancedTransaction, UnknownAsset
from rewardkit.ledger.models import ORG, POINTS_MEMBER, RESERVATION
from rewardkit.ledger.service import Entry, Holder, Leg
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


class _Rollback(Exception):
    pass


async def test_defining_an_asset_and_resolving_precision(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        points = await ledger.define_asset(s, org.id, "POINTS", 0)
        assert (points.org_id, points.code, points.precision) == (org.id, "POINTS", 0)
        await ledger.define_asset(s, org.id, "MILES_2026", 3)
        again = await ledger.define_asset(s, org.id, "POINTS", 0)  # the same definition: harmless
        assert again.created_at == points.created_at
    async with ctx.db.unit_of_work() as s:
        with pytest.raises(AssetError, match="precision 0"):
            await ledger.define_asset(s, org.id, "POINTS", 2)
        for code in ("PTS", "USD", "points", "1POINTS", "P" * 25, "POINTS!"):
            with pytest.raises(AssetError, match="asset code"):
                await ledger.define_asset(s, org.id, code, 0)
        for precision in (-1, 19, True):
            with pytest.raises(AssetError, match="precision"):
                await ledger.define_asset(s, org.id, "STARS", precision)
    other = await make_org()
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert await ledger.asset_precision(s, org.id, "USD") == 2
        assert await ledger.asset_precision(s, org.id, "JPY") == 0
        assert await ledger.asset_precision(s, org.id, "KWD") == 3
        assert await ledger.asset_precision(s, org.id, "POINTS") == 0
        assert await ledger.asset_precision(s, org.id, "MILES_2026") == 3
        with pytest.raises(UnknownAsset):
            await ledger.asset_precision(s, org.id, "STARS")
        with pytest.raises(UnknownAsset):  # an asset is its org's own
            await ledger.asset_precision(s, other.id, "POINTS")


async def test_points_post_balanced_per_asset_and_a_member_cannot_go_negative(
    ctx: Runtime, make_org: MakeOrg
) -> None:
    org = await make_org(USD="10.00")
    alice, bob = Holder(POINTS_MEMBER, "pm_alice"), Holder(POINTS_MEMBER, "pm_bob")
    async with ctx.db.unit_of_work() as s:
        await ledger.define_asset(s, org.id, "POINTS", 0)
    issue = Entry(
        org.id,
        "test",
        "points_issue",
        f"{org.id}-issue",
        [Leg("funding", "POINTS", -1500), Leg("wallet", "POINTS", 1000, alice), Leg("wallet", "POINTS", 500, bob)],
    )
    async with ctx.db.unit_of_work() as s:
        await ledger.post(s, issue)
    assert issue.balance_after("wallet", "POINTS", alice) == 1000
    assert issue.balance_after("wallet", "POINTS", bob) == 500
    assert issue.balance_after("funding", "POINTS") == issue.balances_after[("funding", "POINTS")] == -1500

    # Balanced in total is not balanced: per asset.
    with pytest.raises(UnbalancedTransaction):
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s,
                Entry(
                    org.id,
                    "test",
                    "x",
                    f"{org.id}-mixed",
                    [Leg("wallet", "POINTS", -100, alice), Leg("fx", "USD", 100)],
                ),
            )
    # Alice has 1000 points: 1001 is refused, and nothing is written.
    with pytest.raises(InsufficientFunds, match="POINTS points_member wallet account"):
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s,
                Entry(
                    org.id,
                    "test",
                    "points_redeem",
                    f"{org.id}-too-many",
                    [Leg("wallet", "POINTS", -1001, alice), Leg("fulfillment", "POINTS", 1001)],
                ),
            )
    redeem = Entry(
        org.id,
        "test",
        "points_redeem",
        f"{org.id}-redeem",
        [Leg("wallet", "POINTS", -1000, alice), Leg("fulfillment", "POINTS", 1000)],
    )
    async with ctx.db.unit_of_work() as s:
        await ledger.post(s, redeem)
    assert redeem.balance_after("wallet", "POINTS", alice) == 0

    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (
            await s.execute(
                text(
                    "SELECT holder_type, holder_id, kind, asset, balance, allow_negative FROM ledger_accounts"
                    " WHERE org_id = :o AND asset = 'POINTS' ORDER BY holder_id, kind"
                ),
                {"o": org.id},
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            (ORG, org.id, "fulfillment", "POINTS", 1000, True),
            (ORG, org.id, "funding", "POINTS", -1500, True),
            (POINTS_MEMBER, "pm_alice", "wallet", "POINTS", 0, False),
            (POINTS_MEMBER, "pm_bob", "wallet", "POINTS", 500, False),
        ]
        assert (await ledger.verify(s)).ok
    # The database's own guard holds for a member's account too.
    with pytest.raises(Exception, match="(?i)check|constraint"):
        async with ctx.db.unit_of_work() as s:
            await s.execute(
                text("UPDATE ledger_accounts SET balance = -1 WHERE org_id = :o AND holder_id = 'pm_bob'"),
                {"o": org.id},
            )


async def test_an_undefined_asset_or_holder_opens_no_account(ctx: Runtime, make_org: MakeOrg) -> None:
    org, other = await make_org(), await make_org()
    with pytest.raises(UnknownAsset):
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s,
                Entry(org.id, "test", "x", f"{org.id}-stars", [Leg("funding", "STARS", -1), Leg("wallet", "STARS", 1)]),
            )
    for holder in (Holder("nobody", "n_1"), Holder(ORG, other.id), Holder(RESERVATION, "")):
        with pytest.raises(ValueError, match="no such holder"):
            async with ctx.db.unit_of_work() as s:
                await ledger.post(
                    s,
                    Entry(
                        org.id, "test", "x", f"{org.id}-h", [Leg("funding", "USD", -1), Leg("wallet", "USD", 1, holder)]
                    ),
                )
    async with ctx.db.unit_of_work(readonly=True) as s:
        n = (await s.execute(text("SELECT count(*) FROM ledger_accounts WHERE org_id = :o"), {"o": org.id})).scalar()
    assert n == 0


async def test_accounts_held_inside_the_org_stay_off_its_balances_and_statement(
    ctx: Runtime, make_org: MakeOrg, client: httpx.AsyncClient
) -> None:
    org = await make_org(USD="100.00")
    async with ctx.db.unit_of_work() as s:  # the org's own pending USD, as an order in flight holds it
        await ledger.post(
            s, Entry(org.id, "test", "x", f"{org.id}-hold", [Leg("wallet", "USD", -100), Leg("pending", "USD", 100)])
        )
    before = (
        (await client.get("/v1/balances", headers=org.h())).json(),
        (await client.get("/v1/balance_transactions", headers=org.h())).json(),
    )
    reservation = Holder(RESERVATION, "rsv_1")
    async with ctx.db.unit_of_work() as s:
        await ledger.define_asset(s, org.id, "POINTS", 0)
        # A reservation's pending USD, next to the org's own pending USD at the same kind and asset.
        await ledger.post(
            s,
            Entry(
                org.id,
                "test",
                "reserve",
                f"{org.id}-rsv",
                [Leg("funding", "USD", -700), Leg("pending", "USD", 700, reservation)],
            ),
        )
        # An org-held wallet in points: not money, so not a balance or a statement line.
        await ledger.post(
            s, Entry(org.id, "test", "x", f"{org.id}-pts", [Leg("funding", "POINTS", -5), Leg("wallet", "POINTS", 5)])
        )
    after = (
        (await client.get("/v1/balances", headers=org.h())).json(),
        (await client.get("/v1/balance_transactions", headers=org.h())).json(),
    )
    assert after == before
    [balance] = before[0]["data"]
    assert (balance["available"]["minor_units"], balance["pending"]["minor_units"]) == (9900, 100)
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert await ledger.wallet_currencies(s, org.id, "test") == {"USD"}


async def test_verify_checks_every_holder_and_asset(ctx: Runtime, make_org: MakeOrg) -> None:
    """Tamper inside a transaction that is rolled back, so the shared database stays clean."""
    org = await make_org()
    member = Holder(POINTS_MEMBER, "pm_v")
    async with ctx.db.unit_of_work() as s:
        await ledger.define_asset(s, org.id, "POINTS", 0)
        await ledger.post(
            s,
            Entry(
                org.id, "test", "x", f"{org.id}-v", [Leg("funding", "POINTS", -9), Leg("wallet", "POINTS", 9, member)]
            ),
        )
    member_wallet = "(SELECT id FROM ledger_accounts WHERE org_id = :o AND holder_id = 'pm_v')"
    tampering = {
        "drifted": f"UPDATE ledger_accounts SET balance = balance + 1 WHERE id IN {member_wallet}",
        "unbalanced": f"UPDATE ledger_postings SET amount = amount + 1 WHERE account_id IN {member_wallet}",
        "running_breaks": "UPDATE ledger_postings SET balance_after = balance_after + 7"
        f" WHERE account_id IN {member_wallet}",
        "currency_mismatch": f"UPDATE ledger_postings SET asset = 'USD' WHERE account_id IN {member_wallet}",
        "unknown_asset": "DELETE FROM ledger_assets WHERE org_id = :o",
        "bad_holder": "UPDATE ledger_accounts SET holder_id = 'org_someone_else'"
        " WHERE org_id = :o AND holder_type = 'org'",
    }
    for field, sql in tampering.items():
        with pytest.raises(_Rollback):
            async with ctx.db.unit_of_work() as s:
                await s.execute(text(sql), {"o": org.id})
                report = await ledger.verify(s)
                assert getattr(report, field), field
                assert not report.ok
                raise _Rollback
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert (await ledger.verify(s)).ok
