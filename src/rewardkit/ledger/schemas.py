from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Money(BaseModel):
    currency: str
    minor_units: int
    value: str


class BalanceOut(BaseModel):
    object: str = "balance"
    currency: str
    available: Money
    pending: Money


class BalanceTransactionOut(BaseModel):
    id: str
    object: str = "balance_transaction"
    transaction_id: str
    type: str
    currency: str
    amount: Money
    balance_after: Money
    description: str
    source_id: str | None
    created_at: datetime
