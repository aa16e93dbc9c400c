"""The ledger's own rules, below the API."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import text

from rewardkit.ledger import service as ledger
from rewardkit.ledger.errors import DuplicateReference, InsufficientFunds, UnbalancedTransaction
from rewardkit.ledger.service import Entry, Leg
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg


class _Rollback(Exception):
    pass


async def test_unbalanced_transaction_is_refused(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    with pytest.raises(UnbalancedTransaction):
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s, Entry(org.id, "test", "adjust", "unbalanced-1", [Leg("wallet", "USD", -100), Leg("fx", "USD", 99)])
            )
    with pytest.raises(UnbalancedTransaction):  # balanced in total, not per currency
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s, Entry(org.id, "test", "adjust", "unbalanced-2", [Leg("wallet", "USD", -100), Leg("fx", "EUR", 100)])
            )
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert [b.available for b in await ledger.balances(s, org.id, "test")] == [1000]


async def test_wallet_cannot_go_negative_and_nothing_is_written(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    with pytest.raises(InsufficientFunds):
        async with ctx.db.unit_of_work() as s:
            await ledger.post(
                s,
                Entry(
                    org.id,
                    "test",
                    "spend",
                    "too-much-1",
                    [Leg("wallet", "USD", -1001), Leg("fulfillment", "USD", 1001)],
                ),
            )
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert [b.available for b in await ledger.balances(s, org.id, "test")] == [1000]
        n = (await s.execute(text("SELECT count(*) FROM ledger_transactions WHERE reference = 'too-much-1'"))).scalar()
    assert n == 0


async def test_database_itself_refuses_a_negative_wallet(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="1.00")
    with pytest.raises(Exception, match="(?i)check|constraint"):
        async with ctx.db.unit_of_work() as s:
            await s.execute(
                text("UPDATE ledger_accounts SET balance = -1 WHERE org_id = :o AND kind = 'wallet'"), {"o": org.id}
            )


async def test_reference_is_unique(ctx: Runtime, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    ref = f"topup-{org.id}"
    async with ctx.db.unit_of_work() as s:
        await ledger.fund(s, org.id, "test", "USD", 500, reference=ref)
    with pytest.raises(DuplicateReference):
        async with ctx.db.unit_of_work() as s:
            await ledger.fund(s, org.id, "test", "USD", 500, reference=ref)
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert [b.available for b in await ledger.balances(s, org.id, "test")] == [1500]


async def test_verify_detects_each_kind_of_break(ctx: Runtime, make_org: MakeOrg) -> None:
    """Tamper inside a transaction that is rolled back, so the shared database stays clean."""
    org = await make_org(USD="10.00")
    tampering = {
        "drifted": "UPDATE ledger_accounts SET balance = balance + 1 WHERE org_id = :o AND kind = 'wallet'",
        "unbalanced": "UPDATE ledger_postings SET amount = amount + 1 WHERE account_id IN "
        "(SELECT id FROM ledger_accounts WHERE org_id = :o AND kind = 'funding')",
        "running_breaks": "UPDATE ledger_postings SET balance_after = balance_after + 7 WHERE account_id IN "
        "(SELECT id FROM ledger_accounts WHERE org_id = :o AND kind = 'wallet')",
    }
    for field, sql in tampering.items():
        with pytest.raises(_Rollback):
            async with ctx.db.unit_of_work() as s:
                await s.execute(text(sql), {"o": org.id})
                report = await ledger.verify(s)
                assert not report.ok
                assert getattr(report, field), field
                raise _Rollback
    async with ctx.db.unit_of_work(readonly=True) as s:
        assert (await ledger.verify(s)).ok


async def test_random_concurrent_transfers_keep_every_invariant(ctx: Runtime, make_org: MakeOrg) -> None:
    """Many concurrent debits and top-ups: the balance equals the sum of what succeeded, never below 0."""
    org = await make_org(USD="100.00")
    rng = random.Random(7)
    amounts = [rng.choice([-3000, -1500, -700, 200, 900]) for _ in range(60)]

    async def move(i: int, amount: int) -> int:
        try:
            async with ctx.db.unit_of_work() as s:
                if amount > 0:
                    await ledger.fund(s, org.id, "test", "USD", amount, reference=f"{org.id}-{i}")
                else:
                    await ledger.post(
                        s,
                        Entry(
                            org.id,
                            "test",
                            "spend",
                            f"{org.id}-{i}",
                            [Leg("wallet", "USD", amount), Leg("fulfillment", "USD", -amount)],
                        ),
                    )
            return amount
        except InsufficientFunds:
            return 0

    applied = await asyncio.gather(*[move(i, a) for i, a in enumerate(amounts)])
    async with ctx.db.unit_of_work(readonly=True) as s:
        [balance] = await ledger.balances(s, org.id, "test")
        assert balance.available == 10_000 + sum(applied) >= 0
        assert (await ledger.verify(s)).ok
