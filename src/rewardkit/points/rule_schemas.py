"""Request and response bodies of earning rules and activities (docs/points.md#earning-rules): apart from
schemas.py (programs, members, movements, tiers, redemptions, batches), so that each file says what it holds."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictInt, field_validator, model_validator

from rewardkit.kit.responses import ListObject, ResponseModel
from rewardkit.kit.schemas import RequestModel
from rewardkit.points.schemas import MAX_POINTS, MEMBER_ID_PATTERN, aware

PropertyName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
EventType = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="e.g. task.completed")
]
# A property's or a condition's value: a scalar. Nested objects are refused: conditions compare scalars.


def _bounded(v: Any) -> Any:
    """Integers within ±10¹⁵ (exact in every JSON reader, and in 64 bits for the fingerprint), refused
    beyond rather than read as an inexact float."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**15:
        raise ValueError("integers are limited to ±10^15")
    return v


Scalar = Annotated[
    Annotated[str, Field(max_length=500)] | StrictInt | Annotated[float, Field(allow_inf_nan=False)] | bool,
    BeforeValidator(_bounded),
]
Operator = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in"]
ORDERING = ("gt", "gte", "lt", "lte")
MAX_RULE_POINTS = 10**9


def _utc(v: datetime | None) -> datetime | None:
    """Aware, and in UTC: an offset at the edge of the calendar (0001-01-01T00:00+05:00) is refused here
    rather than overflowing later."""
    v = aware(v)
    if v is None:
        return None
    try:
        return v.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


class Condition(RequestModel):
    property: PropertyName
    op: Operator = Field(description="eq, neq, gt, gte, lt, lte (numbers), in (a list of values)")
    value: Scalar | list[Scalar] = Field(description="A scalar; for `in`, a list of 1 to 100 scalars")

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if self.op == "in":
            if not isinstance(self.value, list) or not 1 <= len(self.value) <= 100:
                raise ValueError("`in` takes a list of 1 to 100 values")
        elif isinstance(self.value, list):
            raise ValueError(f"`{self.op}` takes one value, not a list")
        elif self.op in ORDERING and (isinstance(self.value, bool) or not isinstance(self.value, int | float)):
            raise ValueError(f"`{self.op}` compares numbers: give a number")
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError("not a finite number")
        return self


class PerUnit(RequestModel):
    property: PropertyName = Field(description="The numeric property the points follow, e.g. amount")
    points: StrictInt = Field(gt=0, le=MAX_RULE_POINTS, description="Points for every `per` units")
    per: StrictInt = Field(default=1, gt=0, le=10**9, description="e.g. 2 points per 10 units: points 2, per 10")


class RulePoints(RequestModel):
    """Exactly one of `fixed` and `per_unit`."""

    fixed: StrictInt | None = Field(default=None, gt=0, le=MAX_RULE_POINTS)
    per_unit: PerUnit | None = None

    @model_validator(mode="after")
    def _one(self) -> RulePoints:
        if (self.fixed is None) == (self.per_unit is None):
            raise ValueError("give exactly one of `fixed` and `per_unit`")
        return self


Cap = Annotated[StrictInt, Field(gt=0, le=MAX_POINTS, description="At most this many points per member")]


class RuleCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event_type": "order.paid",
                    "points": {"per_unit": {"property": "amount", "points": 2}},
                    "conditions": [{"property": "channel", "op": "in", "value": ["web", "app"]}],
                    "daily_cap": 500,
                    "monthly_cap": 5000,
                }
            ]
        },
    )

    event_type: EventType
    description: str | None = Field(default=None, min_length=1, max_length=300)
    points: RulePoints
    conditions: list[Condition] = Field(default_factory=list, max_length=10, description="All must hold")
    daily_cap: Cap | None = Field(default=None, description="Per member per UTC day")
    monthly_cap: Cap | None = Field(default=None, description="Per member per UTC calendar month")
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    _tz = field_validator("starts_at", "ends_at")(_utc)

    @model_validator(mode="after")
    def _window(self) -> RuleCreate:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class RuleUpdate(RequestModel):
    """Every field optional; `points` and `conditions` are replaced whole; null clears a cap or a bound."""

    event_type: EventType | None = None
    description: str | None = Field(default=None, min_length=1, max_length=300)
    points: RulePoints | None = None
    conditions: list[Condition] | None = Field(default=None, max_length=10)
    daily_cap: Cap | None = None
    monthly_cap: Cap | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    _tz = field_validator("starts_at", "ends_at")(_utc)


class PerUnitOut(ResponseModel):
    property: str
    points: int
    per: int


class RulePointsOut(ResponseModel):
    fixed: int | None
    per_unit: PerUnitOut | None


class ConditionOut(ResponseModel):
    property: str
    op: Operator
    value: Any


class RuleOut(ResponseModel):
    id: str
    object: Literal["points_rule"] = "points_rule"
    livemode: bool
    program_id: str
    event_type: str
    description: str | None
    points: RulePointsOut
    conditions: list[ConditionOut]
    daily_cap: int | None
    monthly_cap: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RuleList(ListObject):
    data: list[RuleOut]


class RuleDeleted(ResponseModel):
    id: str
    object: Literal["points_rule"] = "points_rule"
    deleted: Literal[True] = True


class ActivityCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "member_id": "user_42",
                    "event_type": "order.paid",
                    "properties": {"amount": 42.5, "channel": "web"},
                    "reference": "order-981",
                }
            ]
        },
    )

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)
    event_type: EventType
    properties: dict[PropertyName, Scalar] = Field(default_factory=dict, max_length=50)
    reference: str = Field(min_length=1, max_length=80, description="Unique in the program: a retry replays")
    occurred_at: datetime | None = Field(
        default=None, description="Default now; at most 30 days ago and not in the future (5 minutes' skew)"
    )

    _tz = field_validator("occurred_at")(_utc)

    @field_validator("properties")
    @classmethod
    def _finite(cls, v: dict[str, Any]) -> dict[str, Any]:
        for value in v.values():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError("not a finite number")
        return v


class ActivityCredit(ResponseModel):
    rule_id: str
    points: int = Field(description="What was credited: the rule's points, reduced to what its caps left")
    requested_points: int = Field(description="What the rule computed before its caps")
    transaction_id: str | None = Field(description="The credit (ptx_…); null when nothing was credited")


class ActivityOut(ResponseModel):
    id: str
    object: Literal["points_activity"] = "points_activity"
    livemode: bool
    program_id: str
    member_id: str
    event_type: str
    properties: dict[str, Any]
    reference: str
    occurred_at: datetime
    points: int = Field(description="All the rules credited for it")
    credits: list[ActivityCredit] = Field(description="One per rule that matched; empty when none did")
    created_at: datetime


class ActivityList(ListObject):
    data: list[ActivityOut]
