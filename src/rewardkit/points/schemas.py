"""Request and response bodies of reward points."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictInt, WithJsonSchema, field_validator, model_validator

from rewardkit.kit.responses import ListObject, Money, ResponseModel
from rewardkit.kit.schemas import Amount, Country, Email, Flag, RequestModel
from rewardkit.orders.schemas import OrderOut, Recipient

MAX_POINTS = 10**12  # per movement: a BIGINT holds far more, no program means it
MetadataKey = Annotated[str, Field(min_length=1, max_length=40)]
Metadata = dict[MetadataKey, Annotated[str, Field(max_length=500)]]
Points = Annotated[StrictInt, Field(gt=0, le=MAX_POINTS, description="A whole, positive number of points")]
# The customer's own user id: printable, no spaces or slashes, so that it reads the same in a path.
MEMBER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"
Funding = Literal["on_redemption", "prefunded"]
TxType = Literal["credit", "debit", "reversal", "expiry"]


def aware(v: datetime | None) -> datetime | None:
    if v is not None and v.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2027-01-31T12:00:00Z")
    return v


class Expiry(RequestModel):
    months: StrictInt = Field(ge=1, le=120, description="Each credit's points expire this many months after it")
    round_to: Literal["month_end"] | None = Field(
        default=None, description='"month_end": at the end of that calendar month (UTC); null: to the instant'
    )


class ProgramCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Rewards",
                    "currency": "USD",
                    "points_per_unit": 100,
                    "expiry": {"months": 12, "round_to": "month_end"},
                    "pending_days": 0,
                    "funding": "prefunded",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern="^[A-Z]{3}$", description="ISO 4217: the currency points are worth")
    points_per_unit: StrictInt = Field(gt=0, le=10**9, description="Points worth one major unit of `currency`")
    expiry: Expiry | None = Field(default=None, description="null: points never expire")
    pending_days: StrictInt = Field(default=0, ge=0, le=365, description="Credits become available after this")
    funding: Funding = "on_redemption"
    allow_negative: Flag = Field(default=False, description="A reversed credit already spent may leave a debt")
    expiring_notice_days: StrictInt | None = Field(
        default=None, ge=1, le=365, description="`points.expiring` this many days before a lot expires"
    )


class ProgramUpdate(RequestModel):
    """Every field optional; currency, funding and points_per_unit only until the first credit."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    currency: str | None = Field(default=None, pattern="^[A-Z]{3}$")
    points_per_unit: StrictInt | None = Field(default=None, gt=0, le=10**9)
    expiry: Expiry | None = None
    pending_days: StrictInt | None = Field(default=None, ge=0, le=365)
    funding: Funding | None = None
    allow_negative: Flag | None = None
    expiring_notice_days: StrictInt | None = Field(default=None, ge=1, le=365)


class MemberPut(RequestModel):
    email: Email | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2")
    metadata: Metadata = Field(default_factory=dict, max_length=20)


class CreditCreate(RequestModel):
    points: Points
    reason: str | None = Field(default=None, min_length=1, max_length=300)
    reference: str = Field(min_length=1, max_length=120, description="Unique in the program: a retry replays")
    expires_at: datetime | None = Field(default=None, description="Overrides the program's expiry for this credit")

    _tz = field_validator("expires_at")(aware)


class DebitCreate(RequestModel):
    points: Points
    reason: str | None = Field(default=None, min_length=1, max_length=300)
    reference: str = Field(min_length=1, max_length=120, description="Unique in the program: a retry replays")


class ExpiryOut(ResponseModel):
    months: int
    round_to: Literal["month_end"] | None


class ProgramOut(ResponseModel):
    id: str
    object: Literal["points_program"] = "points_program"
    livemode: bool
    name: str
    currency: str
    points_per_unit: int
    expiry: ExpiryOut | None
    pending_days: int
    funding: Funding
    allow_negative: bool
    expiring_notice_days: int | None
    asset: str = Field(description="The program's ledger asset (precision 0)")
    outstanding_points: int = Field(description="Points members hold, available and pending")
    backing: Money | None = Field(description="prefunded: the cash held for the outstanding points")
    created_at: datetime
    updated_at: datetime


class ProgramList(ListObject):
    data: list[ProgramOut]


class BalanceOut(ResponseModel):
    available: int
    pending: int
    lifetime_earned: int


class ExpiringLot(ResponseModel):
    lot_id: str
    points: int = Field(description="What is left of the lot")
    status: Literal["pending", "available"]
    expires_at: datetime


class MemberOut(ResponseModel):
    id: str = Field(description="The member's id: your own user id")
    object: Literal["points_member"] = "points_member"
    livemode: bool
    program_id: str
    email: str | None
    name: str | None
    country: str | None
    metadata: dict[str, str]
    balance: BalanceOut
    expiring: list[ExpiringLot] = Field(description="Lots with points left that expire, soonest first")
    tier: MemberTierOut | None = Field(description="null when the program has no tiers (PUT …/tiers)")
    created_at: datetime
    updated_at: datetime


class MemberList(ListObject):
    data: list[MemberOut]


class LotTouched(ResponseModel):
    lot_id: str
    points: int


class TransactionOut(ResponseModel):
    id: str
    object: Literal["points_transaction"] = "points_transaction"
    livemode: bool
    program_id: str
    member_id: str
    type: TxType
    points: int = Field(description="Always positive: `type` says the direction")
    balance_after: int = Field(description="The member's available points right after")
    pending_after: int
    status: Literal["pending", "available"] | None = Field(description="A credit's: pending until released")
    reason: str | None
    reference: str | None
    lots: list[LotTouched]
    reverses: str | None
    reversed_by: str | None
    expires_at: datetime | None
    available_at: datetime | None
    cash: Money | None = Field(description="prefunded: the cash this moved into (+) or out of (-) the backing")
    created_at: datetime


class TransactionList(ListObject):
    data: list[TransactionOut]


# --- tiers ---------------------------------------------------------------------------------------


class Tier(RequestModel):
    name: str = Field(min_length=1, max_length=60)
    min_points: StrictInt = Field(ge=0, le=MAX_POINTS, description="Points earned in the window to reach it")


class TiersPut(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tiers": [{"name": "Silver", "min_points": 1000}, {"name": "Gold", "min_points": 5000}],
                    "window_months": 12,
                    "downgrade": "end_of_period",
                }
            ]
        },
    )

    tiers: list[Tier] = Field(min_length=1, max_length=20, description="Ascending by min_points, names unique")
    window_months: StrictInt | None = Field(default=None, ge=1, le=120, description="null: all time")
    downgrade: Literal["immediate", "end_of_period"] = "immediate"

    @model_validator(mode="after")
    def _ascending(self) -> TiersPut:
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        mins = [t.min_points for t in self.tiers]
        if any(b <= a for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError("tiers must be in strictly ascending min_points")
        return self


class TierOut(ResponseModel):
    name: str
    min_points: int


class TiersOut(ResponseModel):
    object: Literal["points_tiers"] = "points_tiers"
    program_id: str
    tiers: list[TierOut]
    window_months: int | None
    downgrade: Literal["immediate", "end_of_period"]
    updated_at: datetime


class MemberTierOut(ResponseModel):
    name: str | None = Field(description="null: below the lowest tier")
    earned: int = Field(description="Points earned in the program's tier window, as last evaluated")
    since: datetime
    downgrade_at: datetime | None = Field(description="end_of_period: when a pending downgrade applies")


MemberOut.model_rebuild()


# --- #14 redemptions (redemptions.py) and batch credits (batch.py) ----------------------------------

MAX_BATCH = 1000


class RedemptionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"product_id": "amazon_us", "denomination": 25, "currency": "USD"}]},
    )

    product_id: str = Field(min_length=1, max_length=80, description="A product id from GET /v1/products")
    denomination: Amount = Field(
        gt=0,
        allow_inf_nan=False,
        max_digits=20,
        description="Face value in major units of `currency`; it costs denomination x points_per_unit points, "
        "which must be whole (no rounding: 422 points_not_whole)",
    )
    currency: str = Field(pattern="^[A-Z]{3}$", description="The program's currency")
    country: str | None = Field(
        default=None, min_length=2, max_length=2, description="Refuse if not sold there; default: the member's"
    )
    recipient: Recipient | None = Field(
        default=None, description="Who gets the voucher; default: the member's email and name"
    )
    metadata: Metadata = Field(
        default_factory=dict,
        max_length=17,
        description="Copied onto the order, with points_program, points_member and points_transaction added",
    )


class RedemptionOut(ResponseModel):
    object: Literal["points_redemption"] = "points_redemption"
    livemode: bool
    program_id: str
    member_id: str
    points: int = Field(description="The points spent: denomination x points_per_unit")
    transaction: TransactionOut = Field(description="The debit of the points (type debit)")
    order: OrderOut = Field(description="The order, with its voucher once fulfilled")
    returned: TransactionOut | None = Field(
        description="The reversal that gave the points back when the order failed or was canceled; null otherwise"
    )


class BatchCreditCreate(CreditCreate):
    member_id: str = Field(pattern=MEMBER_ID_PATTERN, description="An existing member of the program")


# Each item is checked on its own (batch.py), so a bad item is that item's failure, not a 422 for the
# whole batch: any JSON value is accepted (and answered in its result), hence the `anyOf`.
BatchCreditItem = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [BatchCreditCreate.model_json_schema(), {}],
            "description": "A credit as POST …/members/{member_id}/credits takes it, with its member_id. "
            "An item that is not one is that item's failed result, not a 422.",
        }
    ),
]


class CreditBatchCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "credits": [
                        {"member_id": "user_42", "points": 500, "reason": "Q4 campaign", "reference": "q4-user_42"},
                        {"member_id": "user_43", "points": 500, "reason": "Q4 campaign", "reference": "q4-user_43"},
                    ]
                }
            ]
        },
    )

    credits: list[BatchCreditItem] = Field(min_length=1, max_length=MAX_BATCH, description="1 to 1,000 credits")


class BatchCreditProblem(ResponseModel):
    """The RFC 9457 problem the item would have answered on its own."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)

    type: str
    title: str
    status: int
    detail: str
    code: str


class CreditBatchResult(ResponseModel):
    index: int = Field(description="The item's position in `credits`, from 0")
    status: Literal["credited", "replayed", "failed"] = Field(
        description="credited by this batch; replayed: its reference named a credit made before with the same "
        "request (that credit, not counted in `credited`/`points`); failed"
    )
    transaction: TransactionOut | None = Field(description="The credit, or the earlier credit it replayed")
    error: BatchCreditProblem | None = Field(description="Why the item was refused (failed); nothing was written")


class CreditBatchOut(ResponseModel):
    object: Literal["points_credit_batch"] = "points_credit_batch"
    livemode: bool
    program_id: str
    credited: int = Field(description="How many items this batch credited")
    replayed: int = Field(description="How many items replayed a credit made before (nothing new credited)")
    failed: int = Field(description="How many items were refused")
    points: int = Field(description="The points this batch credited, in all (replayed items not counted)")
    data: list[CreditBatchResult] = Field(description="One result per item, in request order")
