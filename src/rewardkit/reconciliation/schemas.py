"""Request and response bodies of supplier reconciliation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, StrictInt, model_validator

from rewardkit.kit.money import MAX_MINOR
from rewardkit.kit.responses import ListObject, Money, ResponseModel
from rewardkit.kit.schemas import RequestModel

Status = Literal["matched", "missing_here", "missing_there", "amount_mismatch"]
Reason = Literal["amount", "currency", "date", "status"]
Action = Literal["adjust", "accept", "write_off"]
Direction = Literal["debit", "credit"]


class ResolveCreate(RequestModel):
    action: Action = Field(
        description="`adjust`: book the difference in the ledger (needs amount, currency, direction); "
        "`accept`: their side is right and nothing moves; `write_off`: the difference is not pursued"
    )
    note: str = Field(min_length=1, max_length=1000, description="Why: kept in the audit trail")
    amount: StrictInt | None = Field(default=None, gt=0, le=MAX_MINOR, description="adjust: minor units")
    currency: str | None = Field(default=None, min_length=3, max_length=3, description="adjust: ISO 4217")
    direction: Direction | None = Field(
        default=None,
        description="adjust: `debit` takes the amount from the org's wallet into fulfillment (the supplier "
        "billed more), `credit` gives it back (it billed less)",
    )

    @model_validator(mode="after")
    def _adjust_fields(self) -> ResolveCreate:
        given = [f for f in ("amount", "currency", "direction") if getattr(self, f) is not None]
        if self.action == "adjust" and len(given) != 3:
            raise ValueError("adjust needs amount, currency and direction")
        if self.action != "adjust" and given:
            raise ValueError(f"{self.action} takes no {', '.join(given)}: only adjust moves money")
        return self


class PeriodOut(ResponseModel):
    start: dt.date
    end: dt.date


class FileOut(ResponseModel):
    name: str | None
    sha256: str
    bytes: int


class CountsOut(ResponseModel):
    lines: int = Field(description="Lines on the statement (missing_there lines are ours, not counted)")
    matched: int
    missing_here: int
    missing_there: int
    amount_mismatch: int
    resolved: int
    unresolved: int = Field(description="Lines not matched and not yet resolved")


class ReconciliationOut(ResponseModel):
    id: str
    object: Literal["reconciliation"] = "reconciliation"
    livemode: bool
    supplier: str
    mapping: str
    currency: str | None = Field(description="The statement's currency, null when its lines have several")
    period: PeriodOut
    date_tolerance_days: int
    amount_tolerance_minor: int
    file: FileOut
    counts: CountsOut
    created_at: dt.datetime


class ReconciliationList(ListObject):
    data: list[ReconciliationOut]


class TheirSide(ResponseModel):
    line: int = Field(description="The line number in the file (the header is line 1)")
    reference: str
    amount: Money
    date: dt.date


class OurSide(ResponseModel):
    order_id: str
    reference: str
    amount: Money = Field(description="The order's face value: what the supplier bills")
    date: dt.date = Field(description="The day the order was fulfilled (UTC), else created")
    status: str


class ResolutionOut(ResponseModel):
    id: str
    action: Action
    direction: Direction | None
    amount: Money | None
    note: str
    principal_id: str
    ledger_transaction_id: str | None
    created_at: dt.datetime


class LineOut(ResponseModel):
    id: str
    object: Literal["reconciliation_line"] = "reconciliation_line"
    reconciliation_id: str
    status: Status
    reasons: list[Reason] = Field(description="amount_mismatch: what differs; empty otherwise")
    theirs: TheirSide | None = Field(description="The statement's line; null for missing_there")
    ours: OurSide | None = Field(description="Our order; null for missing_here")
    resolution: ResolutionOut | None


class LineList(ListObject):
    data: list[LineOut]
