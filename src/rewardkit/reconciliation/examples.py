"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST

RECONCILIATION: dict[str, Any] = {
    "id": "rcn_01m8ac0j59y5hwxskkmbyqbyg0",
    "object": "reconciliation",
    "livemode": False,
    "supplier": "sandbox",
    "mapping": "sandbox",
    "currency": "USD",
    "period": {"start": "2026-11-01", "end": "2026-11-30"},
    "date_tolerance_days": 3,
    "amount_tolerance_minor": 0,
    "file": {
        "name": "sandbox-2026-11.csv",
        "sha256": "9f2c1d3b0a4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd",
        "bytes": 48211,
    },
    "counts": {
        "lines": 1204,
        "matched": 1198,
        "missing_here": 2,
        "missing_there": 1,
        "amount_mismatch": 4,
        "resolved": 1,
        "unresolved": 6,
    },
    "created_at": "2026-12-01T09:12:44.120Z",
}
LINE: dict[str, Any] = {
    "id": "rcl_01m8ac0k7q2w4e6r8t0y2u4i6o",
    "object": "reconciliation_line",
    "reconciliation_id": RECONCILIATION["id"],
    "status": "amount_mismatch",
    "reasons": ["amount"],
    "theirs": {
        "line": 17,
        "reference": "sbx_1f0c3a9e5b7d2c4a",
        "amount": {"currency": "USD", "minor_units": 5500, "value": "55.00"},
        "date": "2026-11-14",
    },
    "ours": {
        "order_id": "ord_01m8abz3x5c7v9b1n3m5q7w9e1",
        "reference": "sbx_1f0c3a9e5b7d2c4a",
        "amount": {"currency": "USD", "minor_units": 5000, "value": "50.00"},
        "date": "2026-11-14",
        "status": "fulfilled",
    },
    "resolution": None,
}
RESOLVED: dict[str, Any] = {
    **LINE,
    "resolution": {
        "id": "rcr_01m8ac0p2s4d6f8g0h2j4k6l8z",
        "action": "adjust",
        "direction": "debit",
        "amount": {"currency": "USD", "minor_units": 500, "value": "5.00"},
        "note": "Supplier invoice 2026-11 line 17: billed at 55.00, confirmed by their support (ticket 4411)",
        "principal_id": "key_01m8a9yq2w4e6r8t0y2u4i6o8p",
        "ledger_transaction_id": "ltx_01m8ac0p2s4d6f8g0h2j4k6l8y",
        "created_at": "2026-12-01T09:20:03.512Z",
    },
}

RESPONSES: dict[str, Any] = {
    "createReconciliation": RECONCILIATION,
    "getReconciliation": RECONCILIATION,
    "listReconciliations": {**LIST, "data": [RECONCILIATION]},
    "listReconciliationLines": {**LIST, "data": [LINE]},
    "resolveReconciliationLine": RESOLVED,
}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own: the supplier billed 55.00 for a 50.00 order and is right.
REQUEST_EXAMPLES: dict[str, Any] = {
    "resolveReconciliationLine": {
        "action": "adjust",
        "amount": 500,
        "currency": "USD",
        "direction": "debit",
        "note": RESOLVED["resolution"]["note"],
    },
}
