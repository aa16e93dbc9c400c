"""The only code that moves money.

A transaction is a list of postings that sums to zero per currency; it is written once, with a
unique reference, and never changed: a refund or reversal is a new transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.service import EventBus
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import money
from rewardkit.ledger import repository
from rewardkit.ledger.errors import DuplicateReference, InsufficientFunds, UnbalancedTransaction
from rewardkit.ledger.models import BALANCE_FUNDED, BALANCE_LOW, NON_NEGATIVE, Transaction


@dataclass(frozen=True)
class Leg:
    kind: str
    currency: str
    amount: int  # signed minor units


@dataclass
class Entry:
    org_id: str
    mode: str
    kind: str
    reference: str
    legs: list[Leg]
    description: str = ""
    source_id: str | None = None
    balances_after: dict[tuple[str, str], int] = field(default_factory=dict)


def _check_balanced(legs: list[Leg]) -> None:
    per_currency: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise UnbalancedTransaction("amounts must be integers in minor units")
        per_currency[leg.currency] += leg.amount
    broken = {c: v for c, v in per_currency.items() if v != 0}
    if broken or not legs:
        raise UnbalancedTransaction(f"postings do not sum to zero per currency: {broken}")


async def post(s: AsyncSession, entry: Entry) -> Transaction:
    """Book one balanced transaction inside the caller's unit of work.

    Raises InsufficientFunds (and the caller's transaction must roll back) if any non-negative
    account would go below zero.
    """
    [tx] = await post_many(s, [entry])
    return tx


async def post_many(s: AsyncSession, entries: list[Entry]) -> list[Transaction]:
    """Book several balanced transactions in the caller's unit of work: post() is this with one, group
    commit (kit/group_commit.py) with many. The rows of each, with one guarded UPDATE per account
    carrying the sum of its legs, and multi-row inserts. Each posting's balance_after is the running
    balance in entry order, exactly as if the entries had been posted one after another.

    Raises InsufficientFunds if an account's sum, or any running balance on the way, would take a
    non-negative account below zero; DuplicateReference if any reference was booked before. Either
    way the caller's transaction must roll back (a batch is then retried one entry at a time)."""
    if not entries:
        return []
    for entry in entries:
        _check_balanced(entry.legs)
    ids: dict[tuple[str, str, str, str], str] = {}
    for entry in entries:
        for leg in entry.legs:
            key = (entry.org_id, entry.mode, leg.kind, leg.currency)
            if key not in ids:
                ids[key] = await repository.get_or_create_account(
                    s, entry.org_id, entry.mode, leg.kind, leg.currency, leg.kind not in NON_NEGATIVE
                )
    now = utcnow()
    txs = [
        Transaction(
            id=new_id("ltx"),
            org_id=e.org_id,
            mode=e.mode,
            kind=e.kind,
            reference=e.reference,
            description=e.description,
            source_id=e.source_id,
            created_at=now,
        )
        for e in entries
    ]
    totals: dict[str, int] = defaultdict(int)
    guarded: set[str] = set()
    currency_of: dict[str, str] = {}
    for entry in entries:
        for leg in entry.legs:
            account_id = ids[(entry.org_id, entry.mode, leg.kind, leg.currency)]
            totals[account_id] += leg.amount
            currency_of[account_id] = leg.currency
            if leg.kind in NON_NEGATIVE:
                guarded.add(account_id)
    owner = {account_id: (org_id, mode) for (org_id, mode, _, _), account_id in ids.items()}

    def short(account_id: str) -> InsufficientFunds:
        exc = InsufficientFunds(
            f"The {currency_of[account_id]} wallet does not cover this amount.", currency=currency_of[account_id]
        )
        exc.scope = owner[account_id]
        return exc

    # Each entry's legs in account id order, the order its postings are written and numbered in.
    legs = [
        (entry, sorted(entry.legs, key=lambda lg: ids[(entry.org_id, entry.mode, lg.kind, lg.currency)]))
        for entry in entries
    ]
    postings = [
        (tx.id, ids[(entry.org_id, entry.mode, leg.kind, leg.currency)], leg.currency, leg.amount)
        for (entry, its_legs), tx in zip(legs, txs, strict=True)
        for leg in its_legs
    ]
    # One global lock order (by account id), whatever the entries: an order debit (wallet -> pending)
    # and a refund (pending -> wallet) running at once must not lock the same rows in opposite
    # orders and deadlock on PostgreSQL. The non-negative guard is in the UPDATE, not in the order.
    try:
        running = await repository.post_all(s, txs, totals, postings)
    except IntegrityError as exc:
        # Only the unique reference (PostgreSQL names its constraint, SQLite its column); anything else
        # is not the caller's duplicate and goes up as it is.
        if "reference" not in str(exc.orig):
            raise
        which = repr(entries[0].reference) if len(entries) == 1 else "of this batch"
        raise DuplicateReference(f"Ledger reference {which} was already booked.") from exc
    for account_id in sorted(totals):
        if account_id not in running:
            raise short(account_id)
    for entry, its_legs in legs:
        for leg in its_legs:
            account_id = ids[(entry.org_id, entry.mode, leg.kind, leg.currency)]
            running[account_id] += leg.amount  # balance_after, as post_all wrote it
            if account_id in guarded and running[account_id] < 0:  # the sum covers it, this order on the way not
                raise short(account_id)
            entry.balances_after[(leg.kind, leg.currency)] = running[account_id]
    return txs


@dataclass
class Balance:
    currency: str
    available: int
    pending: int


async def balances(s: AsyncSession, org_id: str, mode: str) -> list[Balance]:
    rows = await repository.accounts_of(s, org_id, mode, ["wallet", "pending"])
    out: dict[str, Balance] = {}
    for acc in rows:
        b = out.setdefault(acc.currency, Balance(acc.currency, 0, 0))
        if acc.kind == "wallet":
            b.available = acc.balance
        else:
            b.pending = acc.balance
    # A currency seen only through FX orders (pending account, no wallet) shows while something is held.
    wallets = {a.currency for a in rows if a.kind == "wallet"}
    return [out[c] for c in sorted(out) if c in wallets or out[c].pending]


async def wallet_currencies(s: AsyncSession, org_id: str, mode: str) -> set[str]:
    return {a.currency for a in await repository.accounts_of(s, org_id, mode, ["wallet"])}


async def has_wallet(s: AsyncSession, org_id: str, mode: str, currency: str) -> bool:
    """Whether the org holds a wallet in this currency (accounts are never deleted: a cached id is proof)."""
    if repository.cached_account(s, org_id, mode, "wallet", currency) is not None:
        return True
    return await repository.find_account(s, org_id, mode, "wallet", currency) is not None


async def fund(
    s: AsyncSession,
    org_id: str,
    mode: str,
    currency: str,
    amount: int,
    reference: str | None = None,
    description: str = "Wallet top-up",
) -> Transaction:
    if amount <= 0:
        raise ValueError("a top-up must be positive")
    return await post(
        s,
        Entry(
            org_id=org_id,
            mode=mode,
            kind="funding",
            reference=reference or new_id("fund"),
            description=description,
            legs=[Leg("funding", currency, -amount), Leg("wallet", currency, amount)],
        ),
    )


async def fund_wallet(
    s: AsyncSession,
    bus: EventBus,
    org_id: str,
    mode: str,
    currency: str,
    amount: int,
    reference: str | None = None,
    description: str = "Wallet top-up",
) -> Transaction:
    """A top-up as customers see it: the ledger transaction and its `balance.funded` event."""
    tx = await fund(s, org_id, mode, currency, amount, reference=reference, description=description)
    [available] = [b.available for b in await balances(s, org_id, mode) if b.currency == currency]
    await bus.emit(
        s,
        org_id,
        mode,
        BALANCE_FUNDED,
        {
            "object": "balance_transaction",
            "transaction_id": tx.id,
            "amount": money(amount, currency),
            "available": money(available, currency),
            "description": description,
        },
    )
    return tx


async def note_debit(
    s: AsyncSession, bus: EventBus, org_id: str, mode: str, currency: str, after: int, amount: int, threshold: int
) -> None:
    """`balance.low` when a debit takes a wallet from at/above the threshold to below it (once per crossing)."""
    if after < threshold <= after + amount:
        await bus.emit(
            s,
            org_id,
            mode,
            BALANCE_LOW,
            {
                "object": "balance",
                "currency": currency,
                "available": money(after, currency),
                "threshold": money(threshold, currency),
            },
        )


@dataclass
class Report:
    unbalanced: list[tuple[str, str, int]]
    drifted: list[tuple[str, int, int]]
    negative: list[tuple[str, int]]
    currency_mismatch: list[int]
    empty: list[str]
    running_breaks: list[int]

    @property
    def ok(self) -> bool:
        return not any(
            [self.unbalanced, self.drifted, self.negative, self.currency_mismatch, self.empty, self.running_breaks]
        )


async def verify(s: AsyncSession) -> Report:
    return Report(
        unbalanced=await repository.unbalanced_transactions(s),
        drifted=await repository.drifted_balances(s),
        negative=await repository.negative_accounts(s),
        currency_mismatch=await repository.currency_mismatches(s),
        empty=await repository.empty_transactions(s),
        running_breaks=await repository.running_balance_breaks(s),
    )
