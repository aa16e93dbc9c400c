"""post_many: several transactions in one go (group commit), exactly as if posted one after another.
On PostgreSQL it is one statement (ledger/repository.py: post_all), on SQLite one UPDATE per account:
both must give the same rows."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import InsufficientFunds
from rewardkit.ledger.service import Entry, Leg
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


def _move(org_id: str, ref: str, frm: str, to: str, amount: int) -> Entry:
    return Entry(org_id, "test", "adjust", ref, [Leg(frm, "USD", -amount), Leg(to, "USD", amount)])


async def test_running_balances_follow_the_entries_in_order(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    p = org.id
    entries = [
        _move(p, f"{p}-1", "wallet", "pending", 400),
        _move(p, f"{p}-2", "pending", "wallet", 150),  # a refund inside the batch
        _move(p, f"{p}-3", "wallet", "pending", 700),
        _move(p, f"{p}-4", "pending", "fulfillment", 900),
    ]
    async with ctx.db.unit_of_work() as s:
        txs = await ledger.post_many(s, entries)
    assert [e.balances_after[("wallet", "USD")] for e in entries[:3]] == [600, 750, 50]
    assert [e.balances_after[("pending", "USD")] for e in entries] == [400, 250, 950, 50]
    assert entries[3].balances_after[("fulfillment", "USD")] == 900
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (
            await s.execute(
                text(
                    "SELECT p.transaction_id, a.kind, p.amount, p.balance_after FROM ledger_postings p"
                    " JOIN ledger_accounts a ON a.id = p.account_id"
                    " WHERE a.org_id = :o AND a.kind = 'pending' ORDER BY p.id"
                ),
                {"o": org.id},
            )
        ).all()
        assert [(r[0], r[2], r[3]) for r in rows] == [
            (txs[0].id, 400, 400),
            (txs[1].id, -150, 250),
            (txs[2].id, 700, 950),
            (txs[3].id, -900, 50),
        ]
        balances = {b.currency: (b.available, b.pending) for b in await ledger.balances(s, org.id, "test")}
        assert balances == {"USD": (50, 50)}
        assert (await ledger.verify(s)).ok


async def test_a_batch_whose_sum_fits_but_whose_way_does_not_writes_nothing(ctx: Runtime, make_org: MakeOrg) -> None:
    """Wallet 10.00: -15.00 then +10.00 sums to -5.00, which fits, but the first entry alone overdraws."""
    org = await make_org(USD="10.00")
    p = org.id
    entries = [_move(p, f"{p}-a", "wallet", "fulfillment", 1500), _move(p, f"{p}-b", "funding", "wallet", 1000)]
    with pytest.raises(InsufficientFunds) as caught:
        async with ctx.db.unit_of_work() as s:
            await ledger.post_many(s, entries)
    assert caught.value.scope == (org.id, "test")
    await _unchanged(ctx, org.id, available=1000)


async def test_a_short_account_among_several_writes_nothing(ctx: Runtime, make_org: MakeOrg) -> None:
    rich, poor = await make_org(USD="50.00"), await make_org(USD="1.00")
    entries = [
        _move(rich.id, f"{rich.id}-x", "wallet", "pending", 1000),
        _move(poor.id, f"{poor.id}-x", "wallet", "pending", 101),
    ]
    with pytest.raises(InsufficientFunds) as caught:
        async with ctx.db.unit_of_work() as s:
            await ledger.post_many(s, entries)
    assert caught.value.scope == (poor.id, "test")
    await _unchanged(ctx, rich.id, available=5000)
    await _unchanged(ctx, poor.id, available=100)


async def _unchanged(ctx: Runtime, org_id: str, available: int) -> None:
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert [(b.available, b.pending) for b in await ledger.balances(s, org_id, "test")] == [(available, 0)]
        n = await s.execute(
            text(
                "SELECT count(*) FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id"
                " WHERE a.org_id = :o AND a.kind <> 'funding' AND a.kind <> 'wallet'"
            ),
            {"o": org_id},
        )
        assert n.scalar() == 0
        assert (await ledger.verify(s)).ok


async def test_two_legs_on_one_account_post_in_their_order(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    entry = Entry(
        org.id,
        "test",
        "adjust",
        f"{org.id}-same",
        [
            Leg("wallet", "USD", -300),
            Leg("pending", "USD", 300),
            Leg("wallet", "USD", 100),
            Leg("pending", "USD", -100),
        ],
    )
    async with ctx.db.unit_of_work() as s:
        await ledger.post_many(s, [entry])
    async with ctx.db.unit_of_work(readonly=True) as s:
        rows = (
            await s.execute(
                text(
                    "SELECT p.amount, p.balance_after FROM ledger_postings p JOIN ledger_accounts a"
                    " ON a.id = p.account_id WHERE a.org_id = :o AND a.kind = 'wallet' ORDER BY p.id"
                ),
                {"o": org.id},
            )
        ).all()
        assert [tuple(r) for r in rows] == [(1000, 1000), (-300, 700), (100, 800)]
        assert (await ledger.verify(s)).ok
    assert entry.balances_after[("wallet", "USD")] == 800


async def test_debits_and_refunds_at_once_neither_deadlock_nor_drift(ctx: Runtime, make_org: MakeOrg) -> None:
    """wallet -> pending and pending -> wallet in concurrent transactions lock the same two rows: in one
    order (account id), so none waits for the other forever, and every balance adds up."""
    org = await make_org(USD="100.00")
    p = org.id
    async with ctx.db.unit_of_work() as s:
        await ledger.post_many(s, [_move(p, f"{p}-seed", "wallet", "pending", 5000)])

    async def one(n: int) -> None:
        frm, to = ("wallet", "pending") if n % 2 else ("pending", "wallet")
        async with ctx.db.unit_of_work() as s:
            await ledger.post_many(s, [_move(p, f"{p}-{n}", frm, to, 10 + n)])

    await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(40))), timeout=60)
    moved = sum((10 + n) * (1 if n % 2 else -1) for n in range(40))
    async with ctx.db.unit_of_work(readonly=True) as s:
        [b] = await ledger.balances(s, org.id, "test")
        assert (b.available, b.pending) == (5000 - moved, 5000 + moved)
        assert (await ledger.verify(s)).ok
