"""The rows of each report type, produced in chunks from the database (each chunk one bounded keyset
query in its own read-only unit of work, so memory stays flat however many rows), and the tie-outs
that decide whether a ledger report may be published (docs/reports.md#tie-out)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rewardkit.kit.money import is_currency
from rewardkit.ledger import exports as ledger_exports
from rewardkit.ledger.exports import AccountFigures
from rewardkit.links import exports as link_exports
from rewardkit.orders import exports as order_exports
from rewardkit.points import exports as points_exports
from rewardkit.reports.categories import CATEGORIES, category
from rewardkit.reports.columns import Amount
from rewardkit.reports.timeframe import local_iso, utc_iso

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime

CHUNK = 5000  # rows per query and per stored chunk
Row = dict[str, Any]


class TieOutError(Exception):
    """The figures do not tie to the ledger: the run fails and publishes nothing."""


@dataclass(frozen=True)
class Spec:
    org_id: str
    mode: str
    type: str
    start: datetime
    end: datetime
    tz: ZoneInfo
    currency: str | None


@dataclass
class Summary:
    """One account's summary figures, by category."""

    figures: AccountFigures
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def closing(self) -> int:
        return self.figures.opening + sum(self.by_category.values())


def _opt_time(t: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if t is None:
        return None
    return local_iso(t, tz) if tz else utc_iso(t)


def summarise(figures: list[AccountFigures]) -> list[Summary]:
    out = []
    for f in figures:
        by_cat = dict.fromkeys(CATEGORIES, 0)
        for kind, total in f.activity.items():
            by_cat[category(kind, f.kind, is_currency(f.asset))] += total
        out.append(Summary(f, by_cat))
    return out


def tie_out(summaries: list[Summary]) -> None:
    """opening + activity = closing = the sum of postings before end = the running balance of the last
    posting before end = (when nothing was booked on it since) the account's cached balance."""
    for sm in summaries:
        f = sm.figures
        where = f"{f.asset} {f.holder_type}:{f.holder_id}/{f.kind}"
        if sm.closing != f.closing_sum:
            raise TieOutError(f"{where}: opening + activity = {sm.closing}, postings before end sum to {f.closing_sum}")
        if sm.closing != f.last_balance_after:
            raise TieOutError(f"{where}: closing {sm.closing} != running balance {f.last_balance_after}")
        if f.cached_balance is not None and sm.closing != f.cached_balance:
            raise TieOutError(f"{where}: closing {sm.closing} != the account's balance {f.cached_balance}")


async def figures_of(ctx: Runtime, spec: Spec, *, org_only: bool = False) -> list[Summary]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        figures = await ledger_exports.account_figures(
            s, spec.org_id, spec.mode, spec.start, spec.end, asset=spec.currency, org_only=org_only
        )
    return summarise(figures)


async def _precisions(ctx: Runtime, org_id: str, assets: set[str], known: dict[str, int]) -> dict[str, int]:
    missing = [a for a in assets if a not in known]
    if missing:
        async with ctx.db.unit_of_work(readonly=True) as s:
            known |= await ledger_exports.precisions(s, org_id, missing)
    return known


async def balance_summary(ctx: Runtime, spec: Spec) -> AsyncIterator[list[Row]]:
    summaries = await figures_of(ctx, spec)
    tie_out(summaries)
    prec = await _precisions(ctx, spec.org_id, {sm.figures.asset for sm in summaries}, {})
    rows = []
    for sm in summaries:
        f, p = sm.figures, prec[sm.figures.asset]
        row: Row = {
            "currency": f.asset,
            "account": f.kind,
            "holder_type": f.holder_type,
            "holder_id": f.holder_id,
            "opening_balance": Amount(f.opening, p),
        }
        row |= {f"activity_{c}": Amount(sm.by_category[c], p) for c in CATEGORIES}
        row |= {"closing_balance": Amount(sm.closing, p), "transaction_count": f.count}
        rows.append(row)
    yield rows


def _ids(source_id: str | None) -> tuple[str | None, str | None, str | None]:
    if not source_id:
        return None, None, None
    prefix = source_id.split("_", 1)[0]
    return (
        source_id if prefix == "ord" else None,
        source_id if prefix == "rwl" else None,
        source_id if prefix == "pmb" else None,
    )


async def balance_transactions(ctx: Runtime, spec: Spec) -> AsyncIterator[list[Row]]:
    """Every posting of the interval; then the tie-out: per account, the rows chain (each row's running
    balance is the previous one's plus its amount, from the opening balance) and sum, by category, to
    the summary's activity."""
    summaries = await figures_of(ctx, spec)
    tie_out(summaries)
    expected = {sm.figures.account_id: sm for sm in summaries}
    by_address = {(f.asset, f.holder_type, f.holder_id, f.kind): f.account_id for f in (sm.figures for sm in summaries)}
    running: dict[str, int] = {}
    sums: dict[tuple[str, str], int] = {}
    prec: dict[str, int] = {}
    after = 0
    while True:
        async with ctx.db.unit_of_work(readonly=True) as s:
            chunk = await ledger_exports.postings(
                s, spec.org_id, spec.mode, spec.start, spec.end, after_id=after, limit=CHUNK, asset=spec.currency
            )
            order_ids = {p.source_id for p in chunk if p.source_id and p.source_id.startswith("ord_")}
            fx = await order_exports.fx_of(s, spec.org_id, sorted(order_ids))  # type: ignore[arg-type]
        if not chunk:
            break
        prec = await _precisions(ctx, spec.org_id, {p.asset for p in chunk}, prec)
        rows = []
        for p in chunk:
            account_id = by_address.get((p.asset, p.holder_type, p.holder_id, p.account_kind))
            if account_id is None:
                raise TieOutError(f"posting {p.id} is on an account the summary does not know")
            before = running.get(account_id, expected[account_id].figures.opening)
            if before + p.amount != p.balance_after:
                raise TieOutError(f"posting {p.id}: {before} + {p.amount} != its running balance {p.balance_after}")
            running[account_id] = p.balance_after
            cat = category(p.kind, p.account_kind, is_currency(p.asset))
            sums[(account_id, cat)] = sums.get((account_id, cat), 0) + p.amount
            order_id, link_id, member_id = _ids(p.source_id)
            rate, bps = fx.get(order_id, (None, None)) if order_id else (None, None)
            precision = prec[p.asset]
            rows.append(
                {
                    "id": f"btx_{p.id}",
                    "transaction_id": p.transaction_id,
                    "created_utc": utc_iso(p.created_at),
                    "created_local": local_iso(p.created_at, spec.tz),
                    "account": p.account_kind,
                    "holder_type": p.holder_type,
                    "holder_id": p.holder_id,
                    "category": cat,
                    "type": p.kind,
                    "description": p.description,
                    "amount": Amount(p.amount, precision),
                    "amount_minor": p.amount,
                    "currency": p.asset,
                    "balance_after": Amount(p.balance_after, precision),
                    "source_id": p.source_id,
                    "order_id": order_id,
                    "link_id": link_id,
                    "points_member_id": member_id,
                    "fx_rate": rate,
                    "fx_markup_bps": bps,
                }
            )
        after = chunk[-1].id
        yield rows
    for account_id, sm in expected.items():
        for cat, total in sm.by_category.items():
            if sums.get((account_id, cat), 0) != total:
                raise TieOutError(f"{account_id} {cat}: rows sum to {sums.get((account_id, cat), 0)}, summary {total}")


async def orders(ctx: Runtime, spec: Spec) -> AsyncIterator[list[Row]]:
    after = ""
    while True:
        async with ctx.db.unit_of_work(readonly=True) as s:
            chunk = await order_exports.orders(
                s, spec.org_id, spec.mode, spec.start, spec.end, after_id=after, limit=CHUNK
            )
        if not chunk:
            return
        prec = await _precisions(ctx, spec.org_id, {o.currency for o in chunk} | {o.charge_currency for o in chunk}, {})
        rows = [
            {
                "id": o.id,
                "created_utc": utc_iso(o.created_at),
                "created_local": local_iso(o.created_at, spec.tz),
                "status": o.status,
                "product_id": o.product_id,
                "currency": o.currency,
                "face_value": Amount(o.face_amount, prec[o.currency]),
                "charge_currency": o.charge_currency,
                "charged": Amount(o.charge_amount, prec[o.charge_currency]),
                "fx_rate": o.fx_rate,
                "fx_markup_bps": o.fx_markup_bps,
                "supplier": o.supplier,
                "supplier_reference": o.supplier_ref,
                "external_id": o.external_id,
                "failure_code": o.failure_code,
                "fulfilled_utc": _opt_time(o.fulfilled_at),
                "fulfilled_local": _opt_time(o.fulfilled_at, spec.tz),
                "refunded_utc": _opt_time(o.refunded_at),
                "refunded_local": _opt_time(o.refunded_at, spec.tz),
            }
            for o in chunk
            if spec.currency in (None, o.currency, o.charge_currency)
        ]
        after = chunk[-1].id
        yield rows


async def reward_links(ctx: Runtime, spec: Spec) -> AsyncIterator[list[Row]]:
    after = ""
    while True:
        async with ctx.db.unit_of_work(readonly=True) as s:
            chunk = await link_exports.links(
                s, spec.org_id, spec.mode, spec.start, spec.end, after_id=after, limit=CHUNK
            )
        if not chunk:
            return
        prec = await _precisions(ctx, spec.org_id, {x.currency for x in chunk}, {})
        rows = [
            {
                "id": x.id,
                "created_utc": utc_iso(x.created_at),
                "created_local": local_iso(x.created_at, spec.tz),
                "status": x.status,
                "currency": x.currency,
                "value": Amount(x.value_minor, prec[x.currency]),
                "remaining": Amount(x.remaining, prec[x.currency]),
                "expires_utc": utc_iso(x.expires_at),
                "opened_utc": _opt_time(x.opened_at),
                "external_id": x.external_id,
                "order_ids": " ".join(x.order_ids or []),
            }
            for x in chunk
            if spec.currency in (None, x.currency)
        ]
        after = chunk[-1].id
        yield rows


async def points(ctx: Runtime, spec: Spec) -> AsyncIterator[list[Row]]:
    after = ""
    while True:
        async with ctx.db.unit_of_work(readonly=True) as s:
            chunk = await points_exports.transactions(
                s, spec.org_id, spec.mode, spec.start, spec.end, after_id=after, limit=CHUNK
            )
        if not chunk:
            return
        prec = await _precisions(ctx, spec.org_id, {t.currency for t in chunk}, {})
        rows = [
            {
                "id": t.id,
                "created_utc": utc_iso(t.created_at),
                "created_local": local_iso(t.created_at, spec.tz),
                "program_id": t.program_id,
                "member_id": t.member_id,
                "points_member_id": t.member_pk,
                "type": t.type,
                "points": t.points,
                "delta": t.delta,
                "balance_after": t.balance_after,
                "pending_after": t.pending_after,
                "status": t.status,
                "reference": t.reference,
                "reverses": t.reverses,
                "cash": Amount(t.cash_minor, prec[t.currency]),
                "currency": t.currency,
            }
            for t in chunk
            if spec.currency in (None, t.currency, t.asset)
        ]
        after = chunk[-1].id
        yield rows


BUILDERS = {
    "balance_summary": balance_summary,
    "balance_transactions": balance_transactions,
    "orders": orders,
    "reward_links": reward_links,
    "points": points,
}
