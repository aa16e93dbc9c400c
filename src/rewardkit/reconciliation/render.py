"""Reconciliations and their lines as the API shows them, each through its model."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.money import money
from rewardkit.reconciliation.models import Reconciliation, ReconciliationLine, ReconciliationResolution
from rewardkit.reconciliation.schemas import LineOut, ReconciliationOut


def render_reconciliation(r: Reconciliation) -> dict[str, Any]:
    unresolved = r.missing_here + r.missing_there + r.amount_mismatch - r.resolved
    body = {
        "id": r.id,
        "livemode": r.mode == "live",
        "supplier": r.supplier,
        "mapping": r.mapping,
        "currency": r.currency,
        "period": {"start": r.period_start, "end": r.period_end},
        "date_tolerance_days": r.date_tolerance_days,
        "amount_tolerance_minor": r.amount_tolerance_minor,
        "file": {"name": r.file_name, "sha256": r.file_sha256, "bytes": r.file_bytes},
        "counts": {
            "lines": r.lines_total,
            "matched": r.matched,
            "missing_here": r.missing_here,
            "missing_there": r.missing_there,
            "amount_mismatch": r.amount_mismatch,
            "resolved": r.resolved,
            "unresolved": unresolved,
        },
        "created_at": r.created_at,
    }
    return ReconciliationOut.model_validate(body).model_dump(mode="json")


def render_resolution(res: ReconciliationResolution) -> dict[str, Any]:
    return {
        "id": res.id,
        "action": res.action,
        "direction": res.direction,
        "amount": money(res.amount, res.currency) if res.amount is not None and res.currency else None,
        "note": res.note,
        "principal_id": res.principal_id,
        "ledger_transaction_id": res.ledger_transaction_id,
        "created_at": res.created_at,
    }


def render_line(line: ReconciliationLine, res: ReconciliationResolution | None) -> dict[str, Any]:
    theirs = None
    if line.their_reference is not None and line.their_amount is not None and line.their_currency:
        theirs = {
            "line": line.their_line,
            "reference": line.their_reference,
            "amount": money(line.their_amount, line.their_currency),
            "date": line.their_date,
        }
    ours = None
    if line.order_id is not None and line.our_amount is not None and line.our_currency:
        ours = {
            "order_id": line.order_id,
            "reference": line.our_reference,
            "amount": money(line.our_amount, line.our_currency),
            "date": line.our_date,
            "status": line.our_status,
        }
    body = {
        "id": line.id,
        "reconciliation_id": line.reconciliation_id,
        "status": line.status,
        "reasons": line.reasons.split(",") if line.reasons else [],
        "theirs": theirs,
        "ours": ours,
        "resolution": render_resolution(res) if res is not None else None,
    }
    return LineOut.model_validate(body).model_dump(mode="json")
