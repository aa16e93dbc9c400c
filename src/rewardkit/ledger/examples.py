"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST

BALANCE = {
    "object": "balance",
    "currency": "USD",
    "available": {"currency": "USD", "minor_units": 990000, "value": "9900.00"},
    "pending": {"currency": "USD", "minor_units": 0, "value": "0.00"},
    "reserved": {"currency": "USD", "minor_units": 0, "value": "0.00"},
}
BALANCE_TRANSACTION = {
    "id": "btx_42",
    "object": "balance_transaction",
    "transaction_id": "ltx_01m8ac0j5bq6k3",
    "type": "order_debit",
    "currency": "USD",
    "amount": {"currency": "USD", "minor_units": -5000, "value": "-50.00"},
    "balance_after": {"currency": "USD", "minor_units": 990000, "value": "9900.00"},
    "description": "Order ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "source_id": "ord_01m8ac0j59y5hwxskkmbyqbyg0",
    "created_at": "2026-11-25T22:07:55.561Z",
}
RESPONSES: dict[str, Any] = {
    "listBalances": {"object": "list", "livemode": False, "data": [BALANCE]},
    "listBalanceTransactions": {**LIST, "data": [BALANCE_TRANSACTION]},
}
