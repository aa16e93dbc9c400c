"""The points state machine (tests/points/test_model.py) with redemptions (#14): orders that are
fulfilled (the points spent, the wallet or the backing account paying) and orders that fail (the
sandbox's `fail`: refunded, the points back as a reversal of the debit, once), among the credits,
debits, reversals (a redemption's debit refuses one: its points come back through the order),
releases and expiry of the base machine; the same
invariants, the org's wallet after the orders it paid, and `ledger verify` at the end. Sized for CI as
the base machine (REWARDKIT_POINTS_EXAMPLES)."""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from rewardkit.points import movements
from rewardkit.runtime import Runtime
from tests.points.test_model import EXAMPLES, WALLET, PointsMachine, Tx

PRODUCT = "american_red_cross_us"
COUNTS: collections.Counter[tuple[str, bool]] = collections.Counter()  # what the runs did, for the test


class RedeemingMachine(PointsMachine):
    def __init__(self) -> None:
        super().__init__()
        self.paid = 0  # cents the org's orders took (fulfilled ones; a failed order is refunded)

    # A product sold from 1 USD in steps of 1 USD: 1 to 500 points at the machine's rates, as its credits.
    @rule(denomination=st.integers(1, 5), fail=st.booleans())
    def redeem(self, denomination: int, fail: bool) -> None:
        points = denomination * self.ppu  # whole for every ppu the machine uses
        body: dict[str, object] = {"product_id": PRODUCT, "denomination": denomination, "currency": "USD"}
        if fail:
            body["metadata"] = {"sandbox": "fail"}
        r = self.post(self.url("/redemptions"), body)
        if points > self.available:
            assert r.status_code == 422 and r.json()["code"] == "insufficient_points", r.text
            return
        assert r.status_code == 200, r.text
        out = r.json()
        shares = self._consume(points)
        assert [(x["lot_id"], x["points"]) for x in out["transaction"]["lots"]] == [(lot.id, k) for lot, k in shares]
        self.available -= points
        tx = Tx(out["transaction"]["id"], "redemption", points, shares=shares)  # a debit that refuses /reverse
        self.txs.append(tx)
        if not fail:
            assert out["order"]["status"] == "fulfilled" and out["returned"] is None, out
            # The money left the org either way: from the wallet (on_redemption), or from the backing account
            # (prefunded: the base invariant's wallet = WALLET - backing - paid, the backing having shrunk).
            self.paid += denomination * 100
            COUNTS["fulfilled", self.prefunded] += 1
            return
        # Refunded at once: the points came back as a reversal of the debit, into the lots they left.
        assert out["order"]["status"] == "refunded", out
        back = 0
        for lot, k in shares:
            if lot.closed is None:
                lot.remaining += k
                back += k
        self.available += back
        tx.reversed = True
        returned = out["returned"]
        assert returned["type"] == "reversal" and returned["points"] == back, out
        assert returned["balance_after"] == self.available
        self.txs.append(Tx(returned["id"], "reversal", back))
        COUNTS["failed", self.prefunded] += 1

    @invariant()
    def wallet_paid_the_orders(self) -> None:
        if not hasattr(self, "program") or self.prefunded:
            return
        b = self.call(self.client.get("/v1/balances", headers=self.org.h())).json()["data"]
        assert [x["available"]["minor_units"] for x in b if x["currency"] == "USD"] == [WALLET - self.paid]


async def test_points_state_machine_with_redemptions(
    client: httpx.AsyncClient, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine: dict[str, PointsMachine] = {}

    class Machine(RedeemingMachine):
        def __init__(self) -> None:
            super().__init__()
            machine["now"] = self

    Machine.loop, Machine.client, Machine.ctx = asyncio.get_running_loop(), client, ctx
    monkeypatch.setattr(movements, "now", lambda: machine["now"].now)
    config = settings(
        max_examples=EXAMPLES,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    await asyncio.get_running_loop().run_in_executor(None, lambda: run_state_machine_as_test(Machine, settings=config))
    print("redemptions by outcome and prefunded:", dict(COUNTS))
