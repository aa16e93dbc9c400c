"""Matching a statement's lines against our orders: pure, in memory, one dict lookup per line.

A line is matched by the supplier's reference to our order of that supplier (orders.supplier_ref). Then:
- amount (within amount_tolerance_minor), currency, date (within ±date_tolerance_days) and our status
  (fulfilled) all agree -> `matched`; any of them differs -> `amount_mismatch`, with `reasons`;
- no order has its reference -> `missing_here`.
Our fulfilled orders of the supplier whose day is in the statement's period and that no line names
-> `missing_there`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from rewardkit.orders.reconcile_reads import SupplierOrder
from rewardkit.reconciliation.models import AMOUNT_MISMATCH, MATCHED, MISSING_HERE, MISSING_THERE
from rewardkit.reconciliation.statement import StatementLine


@dataclass(frozen=True)
class Bounds:
    period_start: date
    period_end: date
    date_tolerance_days: int
    amount_tolerance_minor: int


def _ours(o: SupplierOrder) -> dict[str, Any]:
    return {
        "order_id": o.id,
        "our_reference": o.reference,
        "our_amount": o.amount,
        "our_currency": o.currency,
        "our_date": o.date,
        "our_status": o.status,
    }


_NO_OURS = dict.fromkeys(("order_id", "our_reference", "our_amount", "our_currency", "our_date", "our_status"))
_NO_THEIRS = dict.fromkeys(("their_line", "their_reference", "their_amount", "their_currency", "their_date"))


def reasons(line: StatementLine, order: SupplierOrder, bounds: Bounds) -> list[str]:
    out = []
    if line.currency != order.currency:
        out.append("currency")
    elif abs(line.amount - order.amount) > bounds.amount_tolerance_minor:
        out.append("amount")
    if abs((line.date - order.date).days) > bounds.date_tolerance_days:
        out.append("date")
    if order.status != "fulfilled":
        out.append("status")
    return out


def line_ids(reconciliation_id: str) -> Iterator[str]:
    """rcl_ + the reconciliation's own 26 characters + a 7-digit hex counter: unique (the
    reconciliation's id is), sortable in the order the lines were made (statement order, then ours),
    and some 30 times cheaper than new_id per line (100,000 lines: 0.1 s, not 2.6 s)."""
    base = "rcl_" + reconciliation_id.split("_", 1)[1]
    return (f"{base}{i:07x}" for i in itertools.count())


def match(
    reconciliation_id: str, lines: list[StatementLine], orders: Iterable[SupplierOrder], bounds: Bounds
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The rows of reconciliation_lines (their lines in file order, then ours missing there) and the
    count per status."""
    by_ref: dict[str, SupplierOrder] = {}
    for o in orders:
        by_ref.setdefault(o.reference, o)
    named: set[str] = set()
    ids = line_ids(reconciliation_id)
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for line in lines:
        theirs = {
            "their_line": line.line,
            "their_reference": line.reference,
            "their_amount": line.amount,
            "their_currency": line.currency,
            "their_date": line.date,
        }
        order = by_ref.get(line.reference)
        if order is None:
            status, why, ours = MISSING_HERE, None, _NO_OURS
        else:
            named.add(order.reference)
            found = reasons(line, order, bounds)
            status, why, ours = (
                (AMOUNT_MISMATCH, ",".join(found), _ours(order)) if found else (MATCHED, None, _ours(order))
            )
        counts[status] += 1
        rows.append(
            {
                "id": next(ids),
                "reconciliation_id": reconciliation_id,
                "status": status,
                "reasons": why,
                **theirs,
                **ours,
            }
        )
    for order in sorted(by_ref.values(), key=lambda o: o.id):
        if order.reference in named or order.status != "fulfilled":
            continue
        if bounds.period_start <= order.date <= bounds.period_end:
            counts[MISSING_THERE] += 1
            rows.append(
                {
                    "id": next(ids),
                    "reconciliation_id": reconciliation_id,
                    "status": MISSING_THERE,
                    "reasons": None,
                    **_NO_THEIRS,
                    **_ours(order),
                }
            )
    return rows, counts
