"""The only code that moves money.

A transaction is a list of postings that sums to zero per asset; it is written once, with a unique
reference, and never changed: a refund or reversal is a new transaction. An account is addressed by
org, mode, holder, kind and asset (docs/ledger.md#addresses).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.events.service import EventBus
from rewardkit.jobs import service as jobs
from rewardkit.kit.db import utcnow
from rewardkit.kit.ids import new_id
from rewardkit.kit.money import exponent, is_currency, money
from rewardkit.ledger import repository
from rewardkit.ledger.errors import (
    AssetError,
    DuplicateReference,
    InsufficientFunds,
    UnbalancedTransaction,
    UnknownAsset,
)
from rewardkit.ledger.models import (
    BALANCE_FUNDED,
    BALANCE_LOW,
    HOLDER_TYPES,
    LEDGER_VERIFIED,
    NON_NEGATIVE,
    ORG,
    Address,
    Asset,
    Transaction,
)
from rewardkit.ledger.models import Holder as Holder  # re-exported: callers build Legs from here
from rewardkit.ledger.repository import AccountIds as AccountIds  # re-exported: callers pass the runtime part


@dataclass(frozen=True)
class Leg:
    kind: str
    asset: str  # an ISO 4217 code (USD) or a code the org defined (define_asset)
    amount: int  # signed, in the asset's minor units (10**-precision)
    holder: Holder | None = None  # None: the entry's org itself


@dataclass
class Entry:
    org_id: str
    mode: str
    kind: str
    reference: str
    legs: list[Leg]
    description: str = ""
    source_id: str | None = None
    # Each account's balance right after this entry: keyed (kind, asset) for the org's own accounts,
    # (kind, asset, holder) for a holder inside it (see balance_after).
    balances_after: dict[tuple[str, str] | tuple[str, str, Holder], int] = field(default_factory=dict)

    def balance_after(self, kind: str, asset: str, holder: Holder | None = None) -> int:
        if holder is None or holder == (ORG, self.org_id):
            return self.balances_after[(kind, asset)]
        return self.balances_after[(kind, asset, holder)]


def _check_balanced(legs: list[Leg]) -> None:
    per_asset: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise UnbalancedTransaction("amounts must be integers in minor units")
        per_asset[leg.asset] += leg.amount
    broken = {c: v for c, v in per_asset.items() if v != 0}
    if broken or not legs:
        raise UnbalancedTransaction(f"postings do not sum to zero per asset: {broken}")


def _address(entry: Entry, leg: Leg) -> Address:
    holder = leg.holder
    if holder is None:
        return Address(entry.org_id, entry.mode, ORG, entry.org_id, leg.kind, leg.asset)
    if holder.type not in HOLDER_TYPES or (holder.type == ORG and holder.id != entry.org_id) or not holder.id:
        raise ValueError(f"no such holder in org {entry.org_id}: {holder}")
    return Address(entry.org_id, entry.mode, holder.type, holder.id, leg.kind, leg.asset)


def _balance_key(address: Address) -> tuple[str, str] | tuple[str, str, Holder]:
    if address.holder_type == ORG:
        return (address.kind, address.asset)
    return (address.kind, address.asset, Holder(address.holder_type, address.holder_id))


async def post(s: AsyncSession, entry: Entry, known: AccountIds | None = None) -> Transaction:
    """Book one balanced transaction inside the caller's unit of work.

    Raises InsufficientFunds (and the caller's transaction must roll back) if any non-negative
    account would go below zero. `known`: the process's account ids (runtime part AccountIds), which
    spare the lookup of accounts seen before; without them every account is read.
    """
    [tx] = await post_many(s, [entry], known)
    return tx


async def post_many(s: AsyncSession, entries: list[Entry], known: AccountIds | None = None) -> list[Transaction]:
    """Book several balanced transactions in the caller's unit of work: post() is this with one, group
    commit (kit/group_commit.py) with many. The rows of each, with one guarded UPDATE per account
    carrying the sum of its legs, and multi-row inserts. Each posting's balance_after is the running
    balance in entry order, exactly as if the entries had been posted one after another.

    Raises InsufficientFunds if an account's sum, or any running balance on the way, would take a
    non-negative account below zero; DuplicateReference if any reference was booked before; UnknownAsset
    if an account would be opened in an asset that is neither ISO 4217 nor defined by its org. Either
    way the caller's transaction must roll back (a batch is then retried one entry at a time)."""
    if not entries:
        return []
    for entry in entries:
        _check_balanced(entry.legs)
    # Each leg's account address, computed once; the account id of each address, created on first use.
    addresses = [[_address(entry, leg) for leg in entry.legs] for entry in entries]
    ids: dict[Address, str] = {}
    for its_addresses in addresses:
        for address in its_addresses:
            if address not in ids:
                found = await repository.get_or_create_account(s, address, address.kind not in NON_NEGATIVE, known)
                if found is None:
                    raise UnknownAsset(f"org {address.org_id} has no asset {address.asset!r} (define_asset)")
                ids[address] = found
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
    for entry, its_addresses in zip(entries, addresses, strict=True):
        for leg, address in zip(entry.legs, its_addresses, strict=True):
            account_id = ids[address]
            totals[account_id] += leg.amount
            if leg.kind in NON_NEGATIVE:
                guarded.add(account_id)
    address_of = {account_id: address for address, account_id in ids.items()}

    def short(account_id: str) -> InsufficientFunds:
        address = address_of[account_id]
        what = "wallet" if address.holder_type == ORG else f"{address.holder_type} {address.kind} account"
        exc = InsufficientFunds(f"The {address.asset} {what} does not cover this amount.", currency=address.asset)
        exc.scope = (address.org_id, address.mode)
        return exc

    # Each entry's legs in account id order, the order its postings are written and numbered in.
    legs = [
        sorted(((ids[a], leg) for a, leg in zip(its_addresses, entry.legs, strict=True)), key=lambda al: al[0])
        for entry, its_addresses in zip(entries, addresses, strict=True)
    ]
    postings = [
        (tx.id, account_id, leg.asset, leg.amount)
        for its_legs, tx in zip(legs, txs, strict=True)
        for account_id, leg in its_legs
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
    for entry, its_legs in zip(entries, legs, strict=True):
        for account_id, leg in its_legs:
            running[account_id] += leg.amount  # balance_after, as post_all wrote it
            if account_id in guarded and running[account_id] < 0:  # the sum covers it, this order on the way not
                raise short(account_id)
            entry.balances_after[_balance_key(address_of[account_id])] = running[account_id]
    return txs


# --- assets ------------------------------------------------------------------------------------

# An org-defined asset's code: 4 to 24 capitals, digits and underscores, starting with a capital. Never
# three characters, so it can never be (or become) an ISO 4217 code, which are implicit assets.
ASSET_CODE = re.compile(r"[A-Z][A-Z0-9_]{3,23}")
MAX_PRECISION = 18


async def define_asset(s: AsyncSession, org_id: str, code: str, precision: int) -> Asset:
    """Define a unit of the org's own (e.g. POINTS with precision 0). Defining it again with the same
    precision returns it; with another precision raises AssetError (its amounts are already scaled)."""
    if not ASSET_CODE.fullmatch(code):
        raise AssetError(f"an asset code is 4 to 24 of A-Z, 0-9 and _, starting with a letter: {code!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= MAX_PRECISION:
        raise AssetError(f"precision is a whole number of digits from 0 to {MAX_PRECISION}: {precision!r}")
    await repository.insert_asset(s, Asset(org_id=org_id, code=code, precision=precision, created_at=utcnow()))
    asset = await repository.find_asset(s, org_id, code)
    assert asset is not None
    if asset.precision != precision:
        raise AssetError(f"asset {code} of org {org_id} is already defined with precision {asset.precision}")
    return asset


async def asset_precision(s: AsyncSession, org_id: str, code: str) -> int:
    """Digits after the point of an asset: an ISO 4217 currency's minor units, or what the org defined."""
    if is_currency(code):
        return exponent(code)
    asset = await repository.find_asset(s, org_id, code)
    if asset is None:
        raise UnknownAsset(f"org {org_id} has no asset {code!r}")
    return asset.precision


@dataclass
class Balance:
    currency: str
    available: int
    pending: int
    reserved: int = 0  # held by the org's reward links until they are claimed, expire or are canceled


async def balances(s: AsyncSession, org_id: str, mode: str) -> list[Balance]:
    """The org's own wallet and pending balances per currency, and what its reward links hold (an
    org-held account in an asset of its own is not money: it is not listed)."""
    rows = [a for a in await repository.accounts_of(s, org_id, mode, ["wallet", "pending"]) if is_currency(a.asset)]
    out: dict[str, Balance] = {}
    for acc in rows:
        b = out.setdefault(acc.asset, Balance(acc.asset, 0, 0))
        if acc.kind == "wallet":
            b.available = acc.balance
        else:
            b.pending = acc.balance
    for asset, held in (await repository.reserved_of(s, org_id, mode)).items():
        if is_currency(asset) and held:
            out.setdefault(asset, Balance(asset, 0, 0)).reserved = held
    # A currency seen only through FX orders (pending account, no wallet) shows while something is held.
    wallets = {a.asset for a in rows if a.kind == "wallet"}
    return [out[c] for c in sorted(out) if c in wallets or out[c].pending or out[c].reserved]


async def wallet_balances(s: AsyncSession, org_id: str, mode: str) -> dict[str, int]:
    """The org's wallet balance per asset (what balances() calls `available`), without summing what its
    reward links hold: the reward link batch reads it once per batch."""
    return {a.asset: a.balance for a in await repository.accounts_of(s, org_id, mode, ["wallet"])}


async def wallet_currencies(s: AsyncSession, org_id: str, mode: str) -> set[str]:
    return {a.asset for a in await repository.accounts_of(s, org_id, mode, ["wallet"]) if is_currency(a.asset)}


async def has_wallet(s: AsyncSession, org_id: str, mode: str, currency: str, known: AccountIds | None = None) -> bool:
    """Whether the org holds a wallet in this currency (accounts are never deleted: a known id is proof)."""
    address = Address(org_id, mode, ORG, org_id, "wallet", currency)
    if known is not None and known.get(address) is not None:
        return True
    return await repository.find_account(s, address) is not None


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
        resource_id=balance_resource(currency),
    )
    return tx


def balance_resource(currency: str) -> str:
    """What balance events are about, for their sequence numbers: the org's balance in a currency."""
    return f"bal_{currency}"


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
            resource_id=balance_resource(currency),
        )


@dataclass
class Report:
    unbalanced: list[tuple[str, str, int]]  # (transaction id, asset, sum)
    drifted: list[tuple[str, int, int]]  # (account id, cached balance, sum of postings)
    negative: list[tuple[str, int]]  # (account id, balance)
    currency_mismatch: list[int]  # posting ids whose asset is not their account's
    empty: list[str]  # transaction ids
    running_breaks: list[int]  # posting ids
    unknown_asset: list[tuple[str, str]]  # (account id, asset): neither ISO 4217 nor defined by its org
    bad_holder: list[tuple[str, str, str]]  # (account id, holder type, holder id)

    @property
    def ok(self) -> bool:
        return not any(
            [
                self.unbalanced,
                self.drifted,
                self.negative,
                self.currency_mismatch,
                self.empty,
                self.running_breaks,
                self.unknown_asset,
                self.bad_holder,
            ]
        )


async def record_verified(s: AsyncSession) -> None:
    """A verify found nothing wrong: rewardkit_ledger_verify_age_seconds counts from now."""
    await jobs.record_success(s, LEDGER_VERIFIED)


async def verify_age(s: AsyncSession) -> list[tuple[tuple[()], float]]:
    """Seconds since the last successful verify; no sample if there never was one (kit/metrics.py)."""
    last = await jobs.last_success(s, LEDGER_VERIFIED)
    return [((), max(0.0, (utcnow() - last).total_seconds()))] if last is not None else []


async def verify(s: AsyncSession) -> Report:
    """Every invariant, over every org, mode, holder and asset."""
    return Report(
        unbalanced=await repository.unbalanced_transactions(s),
        drifted=await repository.drifted_balances(s),
        negative=await repository.negative_accounts(s),
        currency_mismatch=await repository.asset_mismatches(s),
        empty=await repository.empty_transactions(s),
        running_breaks=await repository.running_balance_breaks(s),
        unknown_asset=await repository.unknown_assets(s),
        bad_holder=await repository.bad_holders(s),
    )
