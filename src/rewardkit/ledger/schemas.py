from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from rewardkit.kit.responses import ListObject, Money, ResponseModel


class BalanceOut(ResponseModel):
    object: Literal["balance"] = "balance"
    currency: str
    available: Money
    pending: Money
    reserved: Money = Field(description="Held by reward links until claimed, expired or canceled; not available")


class BalanceTransactionOut(ResponseModel):
    id: str
    object: Literal["balance_transaction"] = "balance_transaction"
    transaction_id: str
    type: str
    currency: str
    amount: Money
    balance_after: Money
    description: str
    source_id: str | None
    created_at: datetime


class BalanceList(ListObject):
    livemode: bool
    data: list[BalanceOut]


class BalanceTransactionList(ListObject):
    data: list[BalanceTransactionOut]
