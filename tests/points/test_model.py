"""A hypothesis state machine of one member's points (#14): credits (with and without expiry, pending
or not), releases, debits, reversals of either, and time moving on (release and expiry jobs run at their
due time, on a simulated clock), each checked against a simple model: the balances, lifetime earned,
the expiring lots, the member's ledger accounts, a prefunded program's backing and the org's wallet,
then `ledger verify`.

The machine runs in a thread of its own (hypothesis drives rules synchronously) and sends each call to
the test's event loop, where the app, its database connections and the points clock live. Sized for CI
(a few seconds); REWARDKIT_POINTS_EXAMPLES=200 runs more."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from rewardkit.auth import service as auth
from rewardkit.ledger import service as ledger
from rewardkit.ledger.models import Account
from rewardkit.points import movements, service
from rewardkit.points.models import PointsMember
from rewardkit.runtime import Runtime
from tests.conftest import OrgHandle

EXAMPLES = int(os.environ.get("REWARDKIT_POINTS_EXAMPLES", "8"))
T = TypeVar("T")
WALLET = 10**9  # cents: no prefunded credit of the machine runs out


@dataclass
class Lot:
    id: str
    seq: int
    points: int
    remaining: int
    expires_at: datetime | None
    available_at: datetime | None = None  # None: available from the start; else pending until then
    expired: int = 0
    closed: str | None = None  # "expired" | "reversed"

    @property
    def pending(self) -> bool:
        return self.available_at is not None and self.closed is None


@dataclass
class Tx:
    id: str
    type: str
    points: int
    lot: Lot | None = None
    shares: list[tuple[Lot, int]] = field(default_factory=list)
    reversed: bool = False


class PointsMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    ctx: Runtime

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2030, 1, 1, tzinfo=UTC)
        self.lots: list[Lot] = []
        self.txs: list[Tx] = []
        self.available = 0
        self.pending = 0
        self.earned = 0
        self.seq = 0

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    # --- set-up ----------------------------------------------------------------------------------

    @initialize(
        allow_negative=st.booleans(),
        prefunded=st.booleans(),
        ppu=st.sampled_from([1, 3, 100, 7]),
        pending_days=st.sampled_from([0, 3]),
    )
    def start(self, allow_negative: bool, prefunded: bool, ppu: int, pending_days: int) -> None:
        self.allow_negative, self.prefunded, self.ppu = allow_negative, prefunded, ppu
        self.pending_days = pending_days
        self.org = self.call(self._org())
        body = {
            "name": "model",
            "currency": "USD",
            "points_per_unit": ppu,
            "allow_negative": allow_negative,
            "funding": "prefunded" if prefunded else "on_redemption",
            "pending_days": pending_days,
        }
        r = self.call(self.client.post("/v1/points_programs", json=body, headers=self.org.h()))
        assert r.status_code == 200, r.text
        self.program = r.json()["id"]
        self.member = "m_" + secrets.token_hex(4)
        r = self.call(self.client.put(self.url(), json={}, headers=self.org.h()))
        assert r.status_code == 200, r.text

    async def _org(self) -> OrgHandle:
        async with self.ctx.db.unit_of_work() as s:
            org = await auth.create_org(s, "model " + secrets.token_hex(3), "USD")
            _, test = await auth.create_key(s, self.ctx.keyring, org.id, "test")
            _, live = await auth.create_key(s, self.ctx.keyring, org.id, "live")
            await ledger.fund(s, org.id, "test", "USD", WALLET)
        return OrgHandle(org.id, test, live)

    def url(self, tail: str = "") -> str:
        return f"/v1/points_programs/{self.program}/members/{self.member}{tail}"

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.call(self.client.post(path, json=body, headers=self.org.h()))

    # --- the model's rules -----------------------------------------------------------------------

    def _spendable(self) -> list[Lot]:
        live = [x for x in self.lots if x.closed is None and not x.pending and x.remaining > 0]
        return sorted(live, key=lambda x: (x.expires_at is None, x.expires_at or self.now, x.seq))

    def _consume(self, points: int, skip: Lot | None = None) -> list[tuple[Lot, int]]:
        shares = []
        for lot in self._spendable():
            if points == 0:
                break
            if lot is skip:
                continue
            take = min(lot.remaining, points)
            lot.remaining -= take
            points -= take
            shares.append((lot, take))
        return shares

    @rule(points=st.integers(1, 500), days=st.one_of(st.none(), st.integers(1, 60)))
    def credit(self, points: int, days: int | None) -> None:
        body: dict[str, Any] = {"points": points, "reference": "r" + secrets.token_hex(6)}
        expires = self.now + timedelta(days=days) if days else None
        if expires:
            body["expires_at"] = expires.isoformat()
        r = self.post(self.url("/credits"), body)
        release_at = self.now + timedelta(days=self.pending_days) if self.pending_days else None
        if expires is not None and expires <= (release_at or self.now):
            assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
            return
        assert r.status_code == 200, r.text
        pay = 0 if release_at else min(points, max(-self.available, 0))
        self.seq += 1
        lot = Lot(r.json()["lots"][0]["lot_id"], self.seq, points, points - pay, expires, release_at)
        self.lots.append(lot)
        self.txs.append(Tx(r.json()["id"], "credit", points, lot=lot))
        if release_at:
            self.pending += points
        else:
            self.available += points
        self.earned += points
        assert (r.json()["balance_after"], r.json()["pending_after"]) == (self.available, self.pending)

    @rule(points=st.integers(1, 600))
    def debit(self, points: int) -> None:
        r = self.post(self.url("/debits"), {"points": points, "reference": "r" + secrets.token_hex(6)})
        if points > self.available:
            assert r.status_code == 422 and r.json()["code"] == "insufficient_points", r.text
            return
        assert r.status_code == 200, r.text
        shares = self._consume(points)
        assert [(x["lot_id"], x["points"]) for x in r.json()["lots"]] == [(lot.id, k) for lot, k in shares]
        self.available -= points
        self.txs.append(Tx(r.json()["id"], "debit", points, shares=shares))

    @precondition(lambda self: bool(self.txs))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        tx = data.draw(st.sampled_from(self.txs))
        r = self.post(f"/v1/points_transactions/{tx.id}/reverse")
        if tx.type == "redemption":  # its points come back only through the order (test_model_redemptions.py)
            assert r.status_code == 409 and r.json()["code"] == "points_redemption_not_reversible", r.text
            return
        if tx.reversed or tx.type not in ("credit", "debit"):
            assert r.status_code == 409 and r.json()["code"] == "points_transaction_not_reversible", r.text
            return
        if tx.type == "credit":
            lot = tx.lot
            assert lot is not None
            take = tx.points - lot.expired
            if lot.pending:  # all of it is still in pending: nothing to check against available
                assert r.status_code == 200, r.text
                lot.remaining, lot.closed = 0, "reversed"
                self.pending -= take
                self.earned -= tx.points
                tx.reversed = True
                assert r.json()["points"] == take and r.json()["pending_after"] == self.pending, r.text
                self.txs.append(Tx(r.json()["id"], "reversal", take))
                return
            if take > self.available and not self.allow_negative:
                assert r.status_code == 409 and r.json()["code"] == "points_already_spent", r.text
                return
            assert r.status_code == 200, r.text
            own = lot.remaining if lot.closed is None else 0
            lot.remaining = 0
            lot.closed = lot.closed or "reversed"
            self._consume(take - own, skip=lot)
            self.available -= take
            self.earned -= tx.points
            points = take
        else:
            if all(lot.closed is not None for lot, _ in tx.shares):
                # Every lot it came from has expired or was reversed since: nothing can come back, and a
                # reversal by hand is refused, writing nothing (docs/points.md "Reversals").
                assert r.status_code == 409 and r.json()["code"] == "points_transaction_not_reversible", r.text
                return
            assert r.status_code == 200, r.text
            debt = max(-self.available, 0)
            points = 0
            for lot, k in tx.shares:
                if lot.closed is not None:
                    continue
                pay = min(k, debt)
                debt -= pay
                lot.remaining += k - pay
                points += k
            self.available += points
        tx.reversed = True
        assert r.json()["points"] == points and r.json()["balance_after"] == self.available, r.text
        self.txs.append(Tx(r.json()["id"], "reversal", points))

    def _release(self, lot: Lot) -> None:
        pay = min(lot.remaining, max(-self.available, 0))
        self.available += lot.remaining
        self.pending -= lot.remaining
        lot.remaining -= pay
        lot.available_at = None

    @precondition(lambda self: any(x.pending for x in self.lots))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        tx = data.draw(st.sampled_from([t for t in self.txs if t.lot is not None and t.lot.pending]))
        assert tx.lot is not None
        r = self.post(f"/v1/points_transactions/{tx.id}/release")
        assert r.status_code == 200 and r.json()["status"] == "available", r.text
        self._release(tx.lot)

    @rule(days=st.integers(1, 40))
    def wait(self, days: int) -> None:
        self.now += timedelta(days=days)
        for lot in self.lots:
            if lot.pending and lot.available_at is not None and lot.available_at <= self.now:
                assert self.call(service.release_job(self.ctx, lot.id)) == "released"
                self._release(lot)
            if lot.expires_at is not None and lot.expires_at <= self.now and lot.closed is None:
                said = self.call(service.expire_job(self.ctx, lot.id))
                assert said == (f"expired {lot.remaining}" if lot.remaining else "nothing to expire"), said
                self.available -= lot.remaining
                lot.expired, lot.remaining, lot.closed = lot.remaining, 0, "expired"

    # --- what must hold after every step ---------------------------------------------------------

    @invariant()
    def agrees(self) -> None:
        if not hasattr(self, "program"):
            return
        r = self.call(self.client.get(self.url(), headers=self.org.h()))
        assert r.status_code == 200, r.text
        m = r.json()
        want = {"available": self.available, "pending": self.pending, "lifetime_earned": self.earned}
        assert m["balance"] == want, m
        expiring = sorted(
            (x for x in self.lots if x.closed is None and x.remaining > 0 and x.expires_at is not None),
            key=lambda x: (x.expires_at, x.id),
        )
        assert [(x["lot_id"], x["points"]) for x in m["expiring"]] == [(x.id, x.remaining) for x in expiring]
        spendable = sum(x.remaining for x in self.lots if x.closed is None and not x.pending)
        assert spendable == max(self.available, 0)
        assert sum(x.remaining for x in self.lots if x.pending) == self.pending
        wallet, debt, pending = self.call(self._accounts())
        assert (wallet, debt, pending) == (max(self.available, 0), min(self.available, 0), self.pending)
        if self.prefunded:
            p = self.call(self.client.get(f"/v1/points_programs/{self.program}", headers=self.org.h())).json()
            held = max(self.available, 0) + self.pending
            backing = -(-held * 100 // self.ppu)
            assert p["outstanding_points"] == held and p["backing"]["minor_units"] == backing
            b = self.call(self.client.get("/v1/balances", headers=self.org.h())).json()["data"]
            paid = getattr(self, "paid", 0)  # orders paid (tests/points/test_model_redemptions.py)
            assert [x["available"]["minor_units"] for x in b if x["currency"] == "USD"] == [WALLET - backing - paid]

    async def _accounts(self) -> tuple[int, int, int]:
        async with self.ctx.db.unit_of_work(readonly=True) as s:
            pk = (
                await s.execute(
                    select(PointsMember.id).where(
                        PointsMember.program_id == self.program, PointsMember.member_id == self.member
                    )
                )
            ).scalar_one()
            rows = (await s.execute(select(Account).where(Account.holder_id == pk))).scalars().all()
        got = {a.kind: a.balance for a in rows}
        return got.get("wallet", 0), got.get("points_debt", 0), got.get("pending", 0)

    def teardown(self) -> None:
        if hasattr(self, "program"):
            report = self.call(self._verify())
            assert report.ok, report

    async def _verify(self) -> ledger.Report:
        async with self.ctx.db.unit_of_work(readonly=True) as s:
            return await ledger.verify(s)


async def test_points_state_machine(client: httpx.AsyncClient, ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    machine: dict[str, PointsMachine] = {}

    class Machine(PointsMachine):
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
