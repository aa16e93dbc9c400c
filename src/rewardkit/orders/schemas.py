from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from rewardkit.kit.responses import ListObject, Money, ResponseModel
from rewardkit.kit.schemas import Amount, RequestModel

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


def _check_email(v: str) -> str:
    v = v.strip()
    if len(v) > 254 or not _EMAIL.match(v):
        raise ValueError("not a valid email address")
    return v


class Recipient(RequestModel):
    email: str | None = None
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, description="E.164, e.g. +14155550123")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return None if v is None else _check_email(v)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not _PHONE.match(v):
            raise ValueError("phone numbers are E.164: + then country code and number, e.g. +14155550123")
        return v


MetadataKey = Annotated[str, Field(min_length=1, max_length=40)]


class OrderCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"product_id": "amazon_us", "denomination": 50, "currency": "USD"},
                {
                    "product_id": "amazon_us",
                    "denomination": 50,
                    "currency": "USD",
                    "recipient": "user@acme.com",
                    "external_id": "reward-123",
                    "metadata": {"campaign": "q4"},
                },
            ]
        },
    )

    product_id: str = Field(min_length=1, max_length=80, description="A product id from GET /v1/products")
    denomination: Amount = Field(
        gt=0,
        allow_inf_nan=False,
        max_digits=20,
        description="Face value in major units of `currency` (50 = 50.00 USD; 5000 = ¥5000).",
    )
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217, the product's currency")
    country: str | None = Field(
        default=None, min_length=2, max_length=2, description="Optional: refuse if not sold there"
    )
    recipient: str | Recipient | None = Field(default=None, description="An email, or {email, name, phone}")
    external_id: str | None = Field(default=None, min_length=1, max_length=120)
    metadata: dict[MetadataKey, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict, max_length=20)

    @field_validator("recipient")
    @classmethod
    def _recipient(cls, v: str | Recipient | None) -> Recipient | None:
        if isinstance(v, str):
            return Recipient(email=_check_email(v))
        return v

    @field_validator("currency")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


OrderStatus = Literal["pending", "processing", "fulfilled", "failed", "refunded", "canceled"]


class Fx(ResponseModel):
    from_currency: str
    to_currency: str
    rate: str
    markup_bps: int


class Voucher(ResponseModel):
    code: str | None
    pin: str | None
    expires_at: datetime | None
    url: str


class RecipientOut(ResponseModel):
    email: str | None
    name: str | None
    phone: str | None


class Failure(ResponseModel):
    code: str
    message: str


class TimelineEntry(ResponseModel):
    status: OrderStatus
    from_status: OrderStatus | None
    reason: str
    at: datetime


class OrderOut(ResponseModel):
    """An order as the API answers it. orders/render.py builds this shape as a plain dict for speed;
    tests/orders/test_render.py holds the two equal (and this model refuses any field it lacks)."""

    id: str
    object: Literal["order"] = "order"
    livemode: bool
    status: OrderStatus
    product_id: str
    currency: str
    face_value: Money
    charged: Money
    fx: Fx | None
    recipient: RecipientOut | None
    external_id: str | None
    metadata: dict[str, str]
    voucher_url: str | None
    voucher: Voucher | None
    failure: Failure | None
    timeline: list[TimelineEntry]
    created_at: datetime
    updated_at: datetime
    fulfilled_at: datetime | None


class OrderList(ListObject):
    data: list[OrderOut]
