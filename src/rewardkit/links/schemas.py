"""Request and response bodies of reward links and of the headless claim API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from rewardkit.catalog.schemas import ProductOut
from rewardkit.kit.responses import ListObject, Money, ResponseModel
from rewardkit.kit.schemas import Amount, Country, Email, Flag, RequestModel
from rewardkit.orders.schemas import OrderOut

Verification = Literal["none", "email_otp"]
LinkStatus = Literal["created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled"]
MetadataKey = Annotated[str, Field(min_length=1, max_length=40)]
ChoiceItem = Annotated[str, Field(min_length=1, max_length=120)]


def e164(v: str) -> str:
    """A phone number as E.164 (+14155550123), or ValueError. Parsed by phonenumbers, never a regex."""
    try:
        parsed = phonenumbers.parse(v, None)
    except phonenumbers.NumberParseException:
        raise ValueError("phone numbers are E.164: + then country code and number, e.g. +14155550123") from None
    if not v.startswith("+") or not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number in E.164 form, e.g. +14155550123")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class LinkRecipient(RequestModel):
    email: Email | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32, description="E.164, e.g. +14155550123")
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2: choices are filtered to it")

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return None if v is None else e164(v)


class Choice(RequestModel):
    """Exactly one of the three lists: the products, categories or brands the recipient may pick from."""

    products: list[ChoiceItem] | None = Field(default=None, min_length=1, max_length=100)
    categories: list[ChoiceItem] | None = Field(default=None, min_length=1, max_length=20)
    brands: list[ChoiceItem] | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> Choice:
        given = [k for k in ("products", "categories", "brands") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of products, categories or brands")
        return self


class RewardLinkCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "value": 25,
                    "currency": "USD",
                    "choice": {"products": ["amazon_us"]},
                    "recipient": {"email": "ada@example.com", "name": "Ada", "country": "US"},
                    "delivery": "none",
                    "message": "Thanks for your help!",
                    "sender_name": "Acme",
                }
            ]
        },
    )

    value: Amount = Field(gt=0, allow_inf_nan=False, max_digits=20, description="In major units of `currency`")
    currency: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$", description="ISO 4217")
    choice: Choice | None = Field(default=None, description="Omitted: any product sold in the currency and country")
    recipient: LinkRecipient = Field(default_factory=LinkRecipient)
    delivery: Literal["email", "sms", "none"] = Field(
        default="none",
        description="email: we send the link to recipient.email; sms: to recipient.phone; none: you send the url",
    )
    message: str | None = Field(default=None, max_length=1000)
    sender_name: str | None = Field(default=None, min_length=1, max_length=200)
    expires_at: datetime | None = Field(default=None, description="Default: 90 days from now")
    allow_split: Flag = False
    reminders: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=list,
        max_length=5,
        description="Days before expiry: a reminder on the link's channel and reward_link.expiring",
    )
    external_id: str | None = Field(default=None, min_length=1, max_length=120)
    metadata: dict[MetadataKey, Annotated[str, Field(max_length=500)]] = Field(default_factory=dict, max_length=20)
    verification: Verification = Field(
        default="none",
        description='"email_otp": the recipient must enter a code emailed to recipient.email before the '
        "link shows its choices or can be claimed",
    )

    @model_validator(mode="after")
    def _otp_needs_email(self) -> RewardLinkCreate:
        if self.verification == "email_otp" and not self.recipient.email:
            raise ValueError('verification "email_otp" needs recipient.email')
        return self

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-31T12:00:00Z")
        return v


class RedeemRequest(RequestModel):
    product_id: str = Field(min_length=1, max_length=80, description="One of the link's `choices`")
    denomination: Amount = Field(gt=0, allow_inf_nan=False, max_digits=20, description="In major units")
    currency: str = Field(min_length=3, max_length=3, description="The link's currency")


class ChoiceOut(ResponseModel):
    products: list[str] | None
    categories: list[str] | None
    brands: list[str] | None


class LinkRecipientOut(ResponseModel):
    email: str | None
    name: str | None
    phone: str | None
    country: str | None


class LinkTimelineEntry(ResponseModel):
    status: LinkStatus
    from_status: LinkStatus | None
    reason: str
    at: datetime


class RewardLinkOut(ResponseModel):
    id: str
    object: Literal["reward_link"] = "reward_link"
    livemode: bool
    status: LinkStatus
    url: str = Field(description="The claim link for the recipient: {PUBLIC_URL}/l/{token}")
    currency: str
    value: Money
    remaining: Money
    choice: ChoiceOut | None
    recipient: LinkRecipientOut
    delivery: Literal["email", "sms", "none"]
    message: str | None
    sender_name: str | None
    expires_at: datetime
    allow_split: bool
    reminders: list[int]
    external_id: str | None
    metadata: dict[str, str]
    orders: list[str] = Field(description="Ids of the orders claimed with this link, oldest first")
    verification: Verification
    timeline: list[LinkTimelineEntry]
    created_at: datetime
    updated_at: datetime


class RewardLinkList(ListObject):
    data: list[RewardLinkOut]


class LinkClaimOut(ResponseModel):
    """A link as its recipient sees it: no recipient details, no metadata, no ids of the org's."""

    object: Literal["link_claim"] = "link_claim"
    livemode: bool
    status: LinkStatus
    currency: str
    value: Money
    remaining: Money
    message: str | None
    sender_name: str | None
    expires_at: datetime
    allow_split: bool
    choices: list[ProductOut] = Field(description="What may be claimed, each with its allowed denominations")
    verification: Verification
    verification_required: bool = Field(
        description="True while the choices are hidden: check the emailed code first (Link-Verification header)"
    )


class RedemptionOut(ResponseModel):
    object: Literal["link_redemption"] = "link_redemption"
    order: OrderOut
    link: LinkClaimOut


# --- POST /v1/reward_links/batch -----------------------------------------------------------------

MAX_BATCH = 1000
# Each item is checked on its own (links/batch.py), so a bad item is that item's failure, not a 422 for
# the whole batch. The description says so truthfully: an item is meant to be a RewardLinkCreate, and
# any JSON value is accepted (and answered in its result), hence the `anyOf` with the empty schema.
BatchItem = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"$ref": "#/components/schemas/RewardLinkCreate"}, {}],
            "description": "A link as POST /v1/reward_links takes it (RewardLinkCreate). An item that is not "
            "one is not a 422 for the batch: it is that item's failed result, with its problem.",
        }
    ),
]


class RewardLinkBatchCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "links": [
                        {"value": 25, "currency": "USD", "recipient": {"email": "ada@example.com", "country": "US"}},
                        {"value": 50, "currency": "USD", "recipient": {"email": "alan@example.com", "country": "US"}},
                    ]
                }
            ]
        },
    )

    links: list[BatchItem] = Field(
        min_length=1, max_length=MAX_BATCH, description="1 to 1,000 links, each as POST /v1/reward_links takes it"
    )


class BatchProblem(ResponseModel):
    """The RFC 9457 problem the item would have answered on its own (POST /v1/reward_links)."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)

    type: str
    title: str
    status: int
    detail: str
    code: str


class RewardLinkBatchResult(ResponseModel):
    index: int = Field(description="The item's position in `links`, from 0")
    status: Literal["created", "failed"]
    link: RewardLinkOut | None = Field(description="The link, its value reserved (status created)")
    error: BatchProblem | None = Field(description="Why the item was refused (status failed); nothing was written")


class RewardLinkBatchOut(ResponseModel):
    object: Literal["reward_link_batch"] = "reward_link_batch"
    livemode: bool
    created: int = Field(description="How many items made a link")
    failed: int = Field(description="How many items were refused")
    reserved: list[Money] = Field(description="What the created links reserved in all, per currency")
    data: list[RewardLinkBatchResult] = Field(description="One result per item, in request order")


# --- delivery: resend, the deliveries of a link, bounces -------------------------------------------

DeliveryChannel = Literal["email", "sms"]


class ResendRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{}, {"channel": "sms", "to": "+14155550123"}]}
    )

    channel: DeliveryChannel | None = Field(
        default=None,
        description='Default: the link\'s delivery; for `delivery: "none"`, email if the link has a '
        "recipient email, else sms if it has a phone",
    )
    to: str | None = Field(
        default=None,
        min_length=3,
        max_length=254,
        description="Send to this address (email) or E.164 number (sms) instead of the link's recipient, "
        "this once: the link's recipient is not changed",
    )


class LinkDeliveryOut(ResponseModel):
    id: str
    object: Literal["link_delivery"] = "link_delivery"
    channel: DeliveryChannel
    kind: Literal["link", "reminder", "resend"]
    destination: str = Field(description="Redacted: a***@example.com, +*******0123")
    status: Literal["queued", "sent", "delivered", "failed", "bounced"]
    attempts: int
    error_code: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


class LinkDeliveryList(ListObject):
    data: list[LinkDeliveryOut]


class EmailBounceCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "message_id": "<173301.1.abc@rewards.acme.example>",
                    "type": "hard",
                    "diagnostic": "550 5.1.1 no such user",
                }
            ]
        },
    )

    message_id: str | None = Field(
        default=None, min_length=3, max_length=250, description="The bounced email's Message-ID (with or without <>)"
    )
    recipient: str | None = Field(
        default=None, max_length=254, description="Or the address that bounced: its most recent link email"
    )
    type: Literal["hard", "soft"]
    diagnostic: str | None = Field(default=None, max_length=1000, description="The receiving server's answer")

    @model_validator(mode="after")
    def _one(self) -> EmailBounceCreate:
        if (self.message_id is None) == (self.recipient is None):
            raise ValueError("give exactly one of message_id or recipient")
        return self


class EmailBounceOut(ResponseModel):
    object: Literal["email_bounce"] = "email_bounce"
    type: Literal["hard", "soft"]
    delivery: LinkDeliveryOut


class VerificationCheck(RequestModel):
    code: str = Field(min_length=6, max_length=6, pattern="^[0-9]{6}$", description="The 6 digits emailed")


class LinkVerificationOut(ResponseModel):
    object: Literal["link_verification"] = "link_verification"
    sent_to: str = Field(description="The recipient's email, masked: a***@example.com")
    expires_at: datetime = Field(description="The code is valid until then")
    resend_after: datetime = Field(description="No new code before then")
    attempts: int = Field(description="Wrong codes this code takes before it is dead")


class LinkVerificationGrant(ResponseModel):
    object: Literal["link_verification_grant"] = "link_verification_grant"
    verification_token: str = Field(description="Send it as the Link-Verification header")
    expires_at: datetime
