"""The ledger's reads for reports (#16): per-account figures of an interval and the itemized postings,
streamed in keyset chunks over posting ids. Service-level functions taking the caller's session (the
reports domain opens the read unit of work); only the ledger reads its own tables.

An interval is [start, end) on the transaction's `created_at`. Ledger rows are never backdated, so the
figures of an interval that has ended never change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rewardkit.kit.money import exponent, is_currency
from rewardkit.ledger.models import ORG, Account, Asset, Posting, Transaction


@dataclass
class AccountFigures:
    """One account over [start, end): opening = the postings before start, activity = those inside,
    per transaction kind, closing = opening + activity. The tie-out figures are read independently of
    those sums: `last_balance_after` (the running balance of the account's last posting before end) and,
    when nothing was booked on it since end, `cached_balance` (ledger_accounts.balance)."""

    account_id: str
    holder_type: str
    holder_id: str
    kind: str
    asset: str
    opening: int = 0
    activity: dict[str, int] = field(default_factory=dict)  # transaction kind -> sum of postings
    count: int = 0
    closing_sum: int = 0  # sum of all postings before end, in one SQL sum
    last_balance_after: int | None = None
    cached_balance: int | None = None  # only when no posting was booked on or after end

    @property
    def closing(self) -> int:
        return self.opening + sum(self.activity.values())


@dataclass(frozen=True)
class PostingRow:
    id: int
    transaction_id: str
    kind: str  # the transaction's kind
    description: str
    source_id: str | None
    created_at: datetime
    account_kind: str
    holder_type: str
    holder_id: str
    asset: str
    amount: int
    balance_after: int


async def precisions(s: AsyncSession, org_id: str, assets: Sequence[str]) -> dict[str, int]:
    """Digits after the point of each asset: ISO 4217's, or what the org defined in ledger_assets."""
    out = {a: exponent(a) for a in assets if is_currency(a)}
    others = [a for a in assets if a not in out]
    if others:
        rows = await s.execute(
            select(Asset.code, Asset.precision).where(Asset.org_id == org_id, Asset.code.in_(others))
        )
        out |= {code: int(p) for code, p in rows}
    return {a: out.get(a, 0) for a in assets}


def _scope(org_id: str, mode: str, asset: str | None, org_only: bool) -> list[object]:
    where: list[object] = [Account.org_id == org_id, Account.mode == mode]
    if asset:
        where.append(Account.asset == asset)
    if org_only:
        where += [Account.holder_type == ORG, Account.holder_id == org_id]
    return where


async def account_figures(
    s: AsyncSession,
    org_id: str,
    mode: str,
    start: datetime,
    end: datetime,
    *,
    asset: str | None = None,
    kinds: Sequence[str] | None = None,
    org_only: bool = False,
) -> list[AccountFigures]:
    """Every account of the org and mode (optionally of one asset, of some kinds, the org's own only)
    that had a posting before end, with its figures over [start, end), by asset, holder and kind. Three
    grouped queries whatever the number of postings: the memory is per account, not per row."""
    where = _scope(org_id, mode, asset, org_only)
    if kinds:
        where.append(Account.kind.in_(list(kinds)))
    accounts = (
        await s.execute(
            select(Account.id, Account.holder_type, Account.holder_id, Account.kind, Account.asset, Account.balance)
            .where(*where)  # type: ignore[arg-type]
            .order_by(Account.asset, Account.holder_type, Account.holder_id, Account.kind)
        )
    ).all()
    # Until a posting on or after end shows otherwise, the cached balance must equal the closing.
    figures = {
        a.id: AccountFigures(a.id, a.holder_type, a.holder_id, a.kind, a.asset, cached_balance=int(a.balance))
        for a in accounts
    }
    if not figures:
        return []
    before_end = Transaction.created_at < end
    totals = await s.execute(
        select(
            Posting.account_id,
            func.sum(case((Transaction.created_at < start, Posting.amount), else_=0)),
            func.sum(case((before_end, Posting.amount), else_=0)),
            func.max(case((before_end, Posting.id), else_=None)),
            func.sum(case((before_end, 0), else_=1)),
        )
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(*where)  # type: ignore[arg-type]
        .group_by(Posting.account_id)
    )
    last_ids: dict[int, str] = {}
    for account_id, opening, closing_sum, last_id, later in totals:
        f = figures.get(account_id)
        if f is None:
            continue
        if last_id is None:  # every posting of it is on or after end: it did not exist yet
            del figures[account_id]
            continue
        f.opening, f.closing_sum = int(opening or 0), int(closing_sum or 0)
        if last_id is not None:
            last_ids[int(last_id)] = account_id
        if later:
            f.cached_balance = None  # booked on since end: its balance now says nothing about then
    activity = await s.execute(
        select(Posting.account_id, Transaction.kind, func.sum(Posting.amount), func.count())
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(*where, Transaction.created_at >= start, before_end)  # type: ignore[arg-type]
        .group_by(Posting.account_id, Transaction.kind)
    )
    for account_id, kind, total, n in activity:
        f = figures.get(account_id)
        if f is not None:
            f.activity[kind] = f.activity.get(kind, 0) + int(total or 0)
            f.count += int(n)
    ids = list(last_ids)
    for i in range(0, len(ids), 500):
        rows = await s.execute(select(Posting.id, Posting.balance_after).where(Posting.id.in_(ids[i : i + 500])))
        for pid, after in rows:
            figures[last_ids[int(pid)]].last_balance_after = int(after)
    for f in figures.values():
        if f.last_balance_after is None:
            f.last_balance_after = 0  # nothing booked on it before end: it was empty then
    return list(figures.values())


async def postings(
    s: AsyncSession,
    org_id: str,
    mode: str,
    start: datetime,
    end: datetime,
    *,
    after_id: int = 0,
    limit: int = 5000,
    asset: str | None = None,
    org_only: bool = False,
) -> list[PostingRow]:
    """One chunk of the postings of [start, end), in posting id order after `after_id` (keyset: each
    chunk is one bounded query, so an export of any size holds one chunk in memory)."""
    q = (
        select(
            Posting.id,
            Posting.transaction_id,
            Transaction.kind,
            Transaction.description,
            Transaction.source_id,
            Transaction.created_at,
            Account.kind,
            Account.holder_type,
            Account.holder_id,
            Posting.asset,
            Posting.amount,
            Posting.balance_after,
        )
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            *_scope(org_id, mode, asset, org_only),  # type: ignore[arg-type]
            Posting.id > after_id,
            Transaction.created_at >= start,
            Transaction.created_at < end,
        )
        .order_by(Posting.id)
        .limit(limit)
    )
    return [PostingRow(*cast(tuple[Any, ...], row)) for row in (await s.execute(q)).all()]


async def latest_activity(s: AsyncSession, org_id: str, mode: str) -> datetime | None:
    """When the org's last ledger transaction in this mode was booked (None: never)."""
    return (
        await s.execute(
            select(func.max(Transaction.created_at)).where(Transaction.org_id == org_id, Transaction.mode == mode)
        )
    ).scalar_one_or_none()
