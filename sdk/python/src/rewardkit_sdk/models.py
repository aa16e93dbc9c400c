"""GENERATED from the OpenAPI description by sdk/python/generate.py: do not edit.

Regenerate: `.venv/bin/python sdk/python/generate.py`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# The newest API version this SDK was generated against: every client pins it unless told otherwise.
API_VERSION = "2026-12-01"
KNOWN_API_VERSIONS = ("2026-11-01", "2026-12-01",)


class Model(BaseModel):
    """Every generated model: fields a newer server adds are kept (model_extra), never an error."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())


class ActivityCreate(Model):
    member_id: str
    event_type: str
    properties: dict[str, str | int | Decimal | bool] | None = None
    reference: str
    occurred_at: datetime | None = None


class ActivityCredit(Model):
    rule_id: str
    points: int
    requested_points: int
    transaction_id: str | None


class ActivityList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ActivityOut]


class ActivityOut(Model):
    id: str
    object: Literal["points_activity"]
    livemode: bool
    program_id: str
    member_id: str
    event_type: str
    properties: dict[str, Any]
    reference: str
    occurred_at: datetime
    points: int
    credits: list[ActivityCredit]
    created_at: datetime


class ApiKeyOut(Model):
    """An API key: never its secret or its hash."""
    id: str
    object: Literal["api_key"]
    livemode: bool
    redacted: str
    api_version: str
    created_at: datetime


class ApiKeyUpdate(Model):
    """Pin the key to another API version: its requests without a Rewardkit-Version header get it."""
    api_version: Literal["2026-11-01", "2026-12-01"] | str


class ApiVersionList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ApiVersionOut]


class ApiVersionOut(Model):
    id: str
    object: Literal["api_version"]
    released: date
    latest: bool
    changes: list[VersionChange]


class AskRequest(Model):
    question: str


class AssistantAnswer(Model):
    object: Literal["assistant_answer"]
    question: str
    answer: str
    refused: bool
    confidence: Decimal | int
    citations: list[Citation]
    code_sample: CodeSample | None
    mode: Literal["extractive", "llm"] | str


class AttemptOut(Model):
    attempt: int
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None
    at: datetime


class BalanceList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    livemode: bool
    data: list[LedgerBalanceOut]


class BalanceTransactionList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[BalanceTransactionOut]


class BalanceTransactionOut(Model):
    id: str
    object: Literal["balance_transaction"]
    transaction_id: str
    type: str
    currency: str
    amount: Money
    balance_after: Money
    description: str
    source_id: str | None
    created_at: datetime


class BatchCreditProblem(Model):
    """The RFC 9457 problem the item would have answered on its own."""
    type: str
    title: str
    status: int
    detail: str
    code: str


class BatchProblem(Model):
    """The RFC 9457 problem the item would have answered on its own (POST /v1/reward_links)."""
    type: str
    title: str
    status: int
    detail: str
    code: str


class BrandingOut(Model):
    object: Literal["branding"]
    org_id: str
    display_name: str | None
    logo_url: str | None
    accent_color: str | None
    accent_text_color: str
    support_email: str | None


class BrandingOverride(Model):
    """Fields of the org's branding (PATCH /v1/branding) this store shows differently; null: the org's."""
    display_name: str | None = None
    logo_url: str | None = None
    accent_color: str | None = None
    support_email: str | None = None


class BrandingOverrideOut(Model):
    display_name: str | None
    logo_url: str | None
    accent_color: str | None
    support_email: str | None


class BrandingUpdate(Model):
    """Only the fields sent change; `null` clears one (the hosted pages then use the default)."""
    display_name: str | None = None
    logo_url: str | None = None
    accent_color: str | None = None
    support_email: str | None = None


class CategoryList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[CategoryOut]


class CategoryOut(Model):
    id: str
    object: Literal["category"]
    name: str
    product_count: int


class Choice(Model):
    """Exactly one of the three lists: the products, categories or brands the recipient may pick from."""
    products: list[str] | None = None
    categories: list[str] | None = None
    brands: list[str] | None = None


class ChoiceOut(Model):
    products: list[str] | None
    categories: list[str] | None
    brands: list[str] | None


class Citation(Model):
    kind: Literal["guide", "operation"] | str
    title: str
    url: str
    page: str | None
    section: str | None
    operation_id: str | None
    field: str | None
    score: Decimal | int


class CodeIn(Model):
    code: str
    pin: str | None = None
    amount: Decimal | int | str
    expires_at: str | None = None


class CodeSample(Model):
    operation_id: str
    language: Literal["shell"] | str
    code: str


class CodesIn(Model):
    codes: list[CodeIn]


class Condition(Model):
    property: str
    op: Literal["eq", "neq", "gt", "gte", "lt", "lte", "in"] | str
    value: str | int | Decimal | bool | list[str | int | Decimal | bool]


class ConditionOut(Model):
    property: str
    op: Literal["eq", "neq", "gt", "gte", "lt", "lte", "in"] | str
    value: Any


class CountryList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[CountryOut]


class CountryOut(Model):
    id: str
    object: Literal["country"]
    name: str
    currencies: list[str]
    product_count: int


class CountsOut(Model):
    lines: int
    matched: int
    missing_here: int
    missing_there: int
    amount_mismatch: int
    resolved: int
    unresolved: int


class CreditBatchCreate(Model):
    credits: list[dict[str, Any] | Any]


class CreditBatchOut(Model):
    object: Literal["points_credit_batch"]
    livemode: bool
    program_id: str
    credited: int
    replayed: int
    failed: int
    points: int
    data: list[CreditBatchResult]


class CreditBatchResult(Model):
    index: int
    status: Literal["credited", "replayed", "failed"] | str
    transaction: TransactionOut | None
    error: BatchCreditProblem | None


class CreditCreate(Model):
    points: int
    reason: str | None = None
    reference: str
    expires_at: datetime | None = None


class DebitCreate(Model):
    points: int
    reason: str | None = None
    reference: str


class DeliveryList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[DeliveryOut]


class DeliveryOut(Model):
    id: str
    object: Literal["webhook_delivery"]
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: list[AttemptOut]
    created_at: datetime


class DeliveryQueued(Model):
    """A delivery just queued (POST …/test, POST /v1/events/{id}/redeliver): the worker sends it."""
    object: Literal["webhook_delivery"]
    id: str
    event_id: str
    endpoint_id: str
    status: Literal["pending"] | str


class DeliveryQueuedList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[DeliveryQueued]


class EmailBounceCreate(Model):
    message_id: str | None = None
    recipient: str | None = None
    type: Literal["hard", "soft"] | str
    diagnostic: str | None = None


class EmailBounceOut(Model):
    object: Literal["email_bounce"]
    type: Literal["hard", "soft"] | str
    delivery: LinkDeliveryOut


class EmailTemplateOut(Model):
    object: Literal["email_template"]
    kind: Literal["link", "reminder", "otp"] | str
    subject: str
    text: str
    html: str
    custom_parts: list[Literal["subject", "text", "html"] | str]
    variables: list[str]
    updated_at: datetime | None


class EmailTemplateReplace(Model):
    """The org's own templates of one kind: a part sent replaces the built-in one, a part left out (or
    null) is the built-in one. Jinja2 syntax, rendered in a sandbox with the kind's variables only.
    """
    subject: str | None = None
    text: str | None = None
    html: str | None = None


class EndpointCreate(Model):
    url: str
    enabled_events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    ordered: bool | None = None


class EndpointDeleted(Model):
    id: str
    object: Literal["webhook_endpoint"]
    deleted: Literal[True] | bool


class EndpointList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[EndpointOut]


class EndpointOut(Model):
    id: str
    object: Literal["webhook_endpoint"]
    livemode: bool
    url: str
    description: str
    enabled_events: list[str]
    enabled: bool
    ordered: bool
    disabled_reason: str | None
    secret: str | None
    api_version: str
    created_at: datetime
    updated_at: datetime


class EndpointUpdate(Model):
    url: str | None = None
    enabled_events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    ordered: bool | None = None


class EventList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[EventOut]


class EventOut(Model):
    id: str
    object: Literal["event"]
    type: str
    livemode: bool
    created_at: datetime
    resource_id: str | None
    sequence: int | None
    data: dict[str, Any]


class ExpiringLot(Model):
    lot_id: str
    points: int
    status: Literal["pending", "available"] | str
    expires_at: datetime


class Expiry(Model):
    months: int
    round_to: Literal["month_end"] | None = None


class ExpiryOut(Model):
    months: int
    round_to: Literal["month_end"] | None


class Failure(Model):
    code: str
    message: str


class FieldError(Model):
    """One invalid field (validation_error) or row (catalog and inventory imports)."""


class FileOut(Model):
    name: str | None
    sha256: str
    bytes: int


class Filter(Model):
    include: list[str] | None = None
    exclude: list[str] | None = None


class FilterOut(Model):
    include: list[str]
    exclude: list[str]


class FixedDenominationsOut(Model):
    type: Literal["fixed"]
    values: list[str]


class Fx(Model):
    from_currency: str
    to_currency: str
    rate: str
    markup_bps: int


class Health(Model):
    status: Literal["ok"] | str


class InventoryImportOut(Model):
    object: Literal["inventory_import"]
    product_id: str
    imported: int
    stock: list[StockOut]


class LedgerBalanceOut(Model):
    object: Literal["balance"]
    currency: str
    available: Money
    pending: Money
    reserved: Money


class LineList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[LineOut]


class LineOut(Model):
    id: str
    object: Literal["reconciliation_line"]
    reconciliation_id: str
    status: Literal["matched", "missing_here", "missing_there", "amount_mismatch"] | str
    reasons: list[Literal["amount", "currency", "date", "status"] | str]
    theirs: TheirSide | None
    ours: OurSide | None
    resolution: ResolutionOut | None


class LinkClaimOut(Model):
    """A link as its recipient sees it: no recipient details, no metadata, no ids of the org's."""
    object: Literal["link_claim"]
    livemode: bool
    status: Literal["created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled"] | str
    currency: str
    value: Money
    remaining: Money
    message: str | None
    sender_name: str | None
    expires_at: datetime
    allow_split: bool
    choices: list[ProductOut]
    verification: Literal["none", "email_otp"] | str
    verification_required: bool


class LinkDeliveryList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[LinkDeliveryOut]


class LinkDeliveryOut(Model):
    id: str
    object: Literal["link_delivery"]
    channel: Literal["email", "sms"] | str
    kind: Literal["link", "reminder", "resend"] | str
    destination: str
    status: Literal["queued", "sent", "delivered", "failed", "bounced"] | str
    attempts: int
    error_code: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


class LinkRecipient(Model):
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    country: str | None = None


class LinkRecipientOut(Model):
    email: str | None
    name: str | None
    phone: str | None
    country: str | None


class LinkTimelineEntry(Model):
    status: Literal["created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled"] | str
    from_status: (
        Literal["created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled"]
        | str
        | None
    )
    reason: str
    at: datetime


class LinkVerificationGrant(Model):
    object: Literal["link_verification_grant"]
    verification_token: str
    expires_at: datetime


class LinkVerificationOut(Model):
    object: Literal["link_verification"]
    sent_to: str
    expires_at: datetime
    resend_after: datetime
    attempts: int


class LinksRedemptionOut(Model):
    object: Literal["link_redemption"]
    order: OrderOut
    link: LinkClaimOut


class LotTouched(Model):
    lot_id: str
    points: int


class MemberList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[MemberOut]


class MemberOut(Model):
    id: str
    object: Literal["points_member"]
    livemode: bool
    program_id: str
    email: str | None
    name: str | None
    country: str | None
    metadata: dict[str, str]
    balance: PointsBalanceOut
    expiring: list[ExpiringLot]
    tier: MemberTierOut | None
    created_at: datetime
    updated_at: datetime


class MemberPut(Model):
    email: str | None = None
    name: str | None = None
    country: str | None = None
    metadata: dict[str, str] | None = None


class MemberTierOut(Model):
    name: str | None
    earned: int
    since: datetime
    downgrade_at: datetime | None


class Money(Model):
    """An amount: integer minor units (ISO 4217: USD 2 places, JPY 0, BHD 3) and the same in major units."""
    currency: str
    minor_units: int
    value: str


class OrderCreate(Model):
    product_id: str
    denomination: Decimal | int | str
    currency: str
    country: str | None = None
    recipient: str | Recipient | None = None
    external_id: str | None = None
    metadata: dict[str, str] | None = None


class OrderList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[OrderOut]


class OrderOut(Model):
    """An order as the API answers it. orders/render.py builds this shape as a plain dict for speed;
    tests/orders/test_render.py holds the two equal (and this model refuses any field it lacks).
    """
    id: str
    object: Literal["order"]
    livemode: bool
    status: Literal["pending", "processing", "fulfilled", "failed", "refunded", "canceled"] | str
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


class OurSide(Model):
    order_id: str
    reference: str
    amount: Money
    date: date
    status: str


class PerUnit(Model):
    property: str
    points: int
    per: int | None = None


class PerUnitOut(Model):
    property: str
    points: int
    per: int


class PeriodOut(Model):
    start: date
    end: date


class PointsBalanceOut(Model):
    available: int
    pending: int
    lifetime_earned: int


class PointsRedemptionOut(Model):
    object: Literal["points_redemption"]
    livemode: bool
    program_id: str
    member_id: str
    points: int
    transaction: TransactionOut
    order: OrderOut
    returned: TransactionOut | None


class Problem(Model):
    """RFC 9457 problem details. `code` is stable; switch on it."""
    type: str
    title: str
    status: int
    detail: str
    code: (
        Literal[
            "amount_not_allowed",
            "assistant_unavailable",
            "authentication_required",
            "bad_request",
            "catalog_import_invalid",
            "choice_brand_not_found",
            "choice_product_not_found",
            "conflict",
            "cors_refused",
            "country_not_supported",
            "currency_not_supported",
            "delivery_recipient_missing",
            "delivery_unavailable",
            "duplicate_ledger_reference",
            "email_delivery_not_found",
            "email_template_invalid",
            "event_not_found",
            "fx_rate_unavailable",
            "idempotency_key_in_flight",
            "idempotency_key_invalid",
            "idempotency_key_reused",
            "insufficient_funds",
            "insufficient_points",
            "internal_error",
            "interval_beyond_data",
            "interval_too_long",
            "invalid_api_key",
            "invalid_api_version",
            "invalid_branding",
            "invalid_cursor",
            "invalid_denomination",
            "invalid_expiry",
            "invalid_interval",
            "invalid_month",
            "invalid_phone_number",
            "invalid_recipient_email",
            "invalid_sandbox_value",
            "invalid_session",
            "invalid_storefront",
            "invalid_webhook_url",
            "inventory_import_invalid",
            "key_not_found",
            "malformed_json",
            "malformed_request",
            "method_not_allowed",
            "metrics_unauthorized",
            "not_found",
            "operator_disabled",
            "operator_token_invalid",
            "order_not_cancelable",
            "order_not_found",
            "org_not_found",
            "payload_too_large",
            "points_already_spent",
            "points_member_not_found",
            "points_not_pending",
            "points_not_whole",
            "points_program_not_found",
            "points_redemption_not_reversible",
            "points_rule_not_found",
            "points_tiers_not_set",
            "points_transaction_not_found",
            "points_transaction_not_reversible",
            "principal_not_allowed",
            "product_not_found",
            "product_not_in_choice",
            "product_unavailable",
            "program_locked",
            "rate_limited",
            "reconciliation_line_not_found",
            "reconciliation_line_not_resolvable",
            "reconciliation_line_resolved",
            "reconciliation_mapping_unknown",
            "reconciliation_not_found",
            "reconciliation_supplier_unknown",
            "redemption_currency_mismatch",
            "reference_reused",
            "report_not_found",
            "report_not_ready",
            "report_schedule_not_found",
            "report_tie_out_failed",
            "report_type_unavailable",
            "resend_rate_limited",
            "return_url_not_allowed",
            "reward_link_canceled",
            "reward_link_claimed",
            "reward_link_closed",
            "reward_link_expired",
            "reward_link_not_cancelable",
            "reward_link_not_found",
            "service_unavailable",
            "sms_body_invalid",
            "sms_unavailable",
            "sso_alg_none_refused",
            "sso_algorithm_not_allowed",
            "sso_bad_signature",
            "sso_invalid_token",
            "sso_jwks_unavailable",
            "sso_secret_not_found",
            "sso_token_expired",
            "sso_token_lifetime_too_long",
            "sso_token_not_yet_valid",
            "sso_token_replayed",
            "sso_unknown_key",
            "sso_wrong_audience",
            "statement_encoding",
            "statement_invalid",
            "storefront_not_found",
            "storefront_session_link_not_found",
            "storefront_session_required",
            "storefront_slug_taken",
            "too_many_auth_failures",
            "too_many_sso_secrets",
            "too_many_token_failures",
            "unbalanced_transaction",
            "unknown_column",
            "unknown_currency",
            "unknown_event_type",
            "unknown_timezone",
            "unsupported_media_type",
            "validation_error",
            "value_not_allowed",
            "verification_code_expired",
            "verification_code_invalid",
            "verification_locked",
            "verification_not_enabled",
            "verification_required",
            "verification_throttled",
            "webhook_endpoint_limit_reached",
            "webhook_endpoint_not_found",
        ]
        | str
    )
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ProductList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ProductOut]


class ProductOut(Model):
    id: str
    object: Literal["product"]
    brand: str
    name: str
    category: str
    countries: list[str]
    currency: str
    denominations: FixedDenominationsOut | RangeDenominationsOut | dict[str, Any]
    description: str
    redemption_instructions: str
    terms: str
    image_url: str | None
    validity_days: int | None


class ProgramCreate(Model):
    name: str
    currency: str
    points_per_unit: int
    expiry: Expiry | None = None
    pending_days: int | None = None
    funding: Literal["on_redemption", "prefunded"] | str | None = None
    allow_negative: bool | None = None
    expiring_notice_days: int | None = None


class ProgramList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ProgramOut]


class ProgramOut(Model):
    id: str
    object: Literal["points_program"]
    livemode: bool
    name: str
    currency: str
    points_per_unit: int
    expiry: ExpiryOut | None
    pending_days: int
    funding: Literal["on_redemption", "prefunded"] | str
    allow_negative: bool
    expiring_notice_days: int | None
    asset: str
    outstanding_points: int
    backing: Money | None
    created_at: datetime
    updated_at: datetime


class ProgramUpdate(Model):
    """Every field optional; currency, funding and points_per_unit only until the first credit."""
    name: str | None = None
    currency: str | None = None
    points_per_unit: int | None = None
    expiry: Expiry | None = None
    pending_days: int | None = None
    funding: Literal["on_redemption", "prefunded"] | str | None = None
    allow_negative: bool | None = None
    expiring_notice_days: int | None = None


class RangeDenominationsOut(Model):
    type: Literal["range"]
    min: str
    max: str
    step: str


class Ready(Model):
    status: Literal["ready"] | str
    migration: str


class Recipient(Model):
    email: str | None = None
    name: str | None = None
    phone: str | None = None


class RecipientOut(Model):
    email: str | None
    name: str | None
    phone: str | None


class ReconciliationList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ReconciliationOut]


class ReconciliationOut(Model):
    id: str
    object: Literal["reconciliation"]
    livemode: bool
    supplier: str
    mapping: str
    currency: str | None
    period: PeriodOut
    date_tolerance_days: int
    amount_tolerance_minor: int
    file: FileOut
    counts: CountsOut
    created_at: datetime


class RedeemRequest(Model):
    product_id: str
    denomination: Decimal | int | str
    currency: str


class Redeliver(Model):
    endpoint_id: str | None = None


class RedemptionCreate(Model):
    product_id: str
    denomination: Decimal | int | str
    currency: str
    country: str | None = None
    recipient: Recipient | None = None
    metadata: dict[str, str] | None = None


class ReportCreate(Model):
    type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str
    interval_start: int | str
    interval_end: int | str
    timezone: str | None = None
    currency: str | None = None
    columns: list[str] | None = None
    format: Literal["csv", "jsonl"] | str | None = None


class ReportList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ReportOut]


class ReportOut(Model):
    id: str
    object: Literal["report_run"]
    livemode: bool
    type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str
    status: Literal["pending", "succeeded", "failed"] | str
    interval_start: datetime
    interval_end: datetime
    timezone: str
    currency: str | None
    columns: list[str]
    format: Literal["csv", "jsonl"] | str
    row_count: int | None
    size: int | None
    sha256: str | None
    error: dict[str, Any] | None
    download_url: str | None
    schedule_id: str | None
    created_at: datetime
    completed_at: datetime | None


class ResendRequest(Model):
    channel: Literal["email", "sms"] | str | None = None
    to: str | None = None


class ResolutionOut(Model):
    id: str
    action: Literal["adjust", "accept", "write_off"] | str
    direction: Literal["debit", "credit"] | str | None
    amount: Money | None
    note: str
    principal_id: str
    ledger_transaction_id: str | None
    created_at: datetime


class ResolveCreate(Model):
    action: Literal["adjust", "accept", "write_off"] | str
    note: str
    amount: int | None = None
    currency: str | None = None
    direction: Literal["debit", "credit"] | str | None = None


class RewardLinkBatchCreate(Model):
    links: list[RewardLinkCreate | Any]


class RewardLinkBatchOut(Model):
    object: Literal["reward_link_batch"]
    livemode: bool
    created: int
    failed: int
    reserved: list[Money]
    data: list[RewardLinkBatchResult]


class RewardLinkBatchResult(Model):
    index: int
    status: Literal["created", "failed"] | str
    link: RewardLinkOut | None
    error: BatchProblem | None


class RewardLinkCreate(Model):
    value: Decimal | int | str
    currency: str
    choice: Choice | None = None
    recipient: LinkRecipient | None = None
    delivery: Literal["email", "sms", "none"] | str | None = None
    message: str | None = None
    sender_name: str | None = None
    expires_at: datetime | None = None
    allow_split: bool | None = None
    reminders: list[int] | None = None
    external_id: str | None = None
    metadata: dict[str, str] | None = None
    verification: Literal["none", "email_otp"] | str | None = None


class RewardLinkList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[RewardLinkOut]


class RewardLinkOut(Model):
    id: str
    object: Literal["reward_link"]
    livemode: bool
    status: Literal["created", "delivered", "opened", "partially_claimed", "claimed", "expired", "canceled"] | str
    url: str
    currency: str
    value: Money
    remaining: Money
    choice: ChoiceOut | None
    recipient: LinkRecipientOut
    delivery: Literal["email", "sms", "none"] | str
    message: str | None
    sender_name: str | None
    expires_at: datetime
    allow_split: bool
    reminders: list[int]
    external_id: str | None
    metadata: dict[str, str]
    orders: list[str]
    verification: Literal["none", "email_otp"] | str
    timeline: list[LinkTimelineEntry]
    created_at: datetime
    updated_at: datetime


class RotateSecret(Model):
    overlap_hours: Decimal | int | None = None


class RuleCreate(Model):
    event_type: str
    description: str | None = None
    points: RulePoints
    conditions: list[Condition] | None = None
    daily_cap: int | None = None
    monthly_cap: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class RuleDeleted(Model):
    id: str
    object: Literal["points_rule"]
    deleted: Literal[True] | bool


class RuleList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[RuleOut]


class RuleOut(Model):
    id: str
    object: Literal["points_rule"]
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


class RulePoints(Model):
    """Exactly one of `fixed` and `per_unit`."""
    fixed: int | None = None
    per_unit: PerUnit | None = None


class RulePointsOut(Model):
    fixed: int | None
    per_unit: PerUnitOut | None


class RuleUpdate(Model):
    """Every field optional; `points` and `conditions` are replaced whole; null clears a cap or a bound."""
    event_type: str | None = None
    description: str | None = None
    points: RulePoints | None = None
    conditions: list[Condition] | None = None
    daily_cap: int | None = None
    monthly_cap: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ScheduleCreate(Model):
    type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str
    frequency: Literal["daily", "monthly"] | str
    timezone: str | None = None
    currency: str | None = None
    columns: list[str] | None = None
    format: Literal["csv", "jsonl"] | str | None = None
    email: str | None = None


class ScheduleList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[ScheduleOut]


class ScheduleOut(Model):
    id: str
    object: Literal["report_schedule"]
    livemode: bool
    type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str
    frequency: Literal["daily", "monthly"] | str
    timezone: str
    currency: str | None
    columns: list[str]
    format: Literal["csv", "jsonl"] | str
    email: str | None
    next_run_at: datetime | None
    last_run_id: str | None
    created_at: datetime


class SessionCreate(Model):
    member_id: str
    email: str | None = None
    name: str | None = None
    country: str | None = None
    return_url: str
    refresh_url: str


class SessionLinkOut(Model):
    object: Literal["storefront_session"]
    url: str
    expires_at: datetime
    member_id: str


class SessionOut(Model):
    """A signed-in session (auth/principals.py): never an API key, never the token itself."""
    id: str
    object: Literal["session"]
    kind: Literal["member_session", "link_visitor", "dashboard_user"] | str
    livemode: bool
    subject: str
    scopes: list[str]
    expires_at: datetime
    created_at: datetime


class SsoOut(Model):
    jwks_url: str | None
    algorithms: list[str]
    audience: str
    url: str


class SsoSecretList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[SsoSecretOut]


class SsoSecretOut(Model):
    id: str
    object: Literal["storefront_sso_secret"]
    livemode: bool
    secret: str | None
    redacted: str
    created_at: datetime
    retired_at: datetime | None


class SsoSettings(Model):
    jwks_url: str | None = None
    algorithms: list[Literal["HS256", "RS256", "ES256", "EdDSA"] | str] | None = None


class StatementOut(Model):
    object: Literal["statement"]
    livemode: bool
    currency: str
    month: str
    timezone: str
    status: Literal["open", "closed"] | str
    period_start: datetime
    period_end: datetime
    opening_balance: int
    activity: dict[str, int]
    closing_balance: int
    transaction_count: int
    closed_at: datetime | None


class StockList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[StockOut]


class StockOut(Model):
    """Codes of one product and denomination: available (usable now), used, expired (never handed out)."""
    product_id: str
    currency: str
    amount: Money
    available: int
    used: int
    expired: int


class StorefrontOut(Model):
    id: str
    object: Literal["storefront"]
    livemode: bool
    slug: str
    url: str
    program_id: str
    title: str
    branding: BrandingOverrideOut
    allowed_return_origins: list[str]
    allowed_frame_ancestors: list[str]
    categories: FilterOut
    products: FilterOut
    sso: SsoOut
    sso_audience: str
    created_at: datetime
    updated_at: datetime


class StorefrontPut(Model):
    program_id: str
    title: str
    slug: str | None = None
    branding: BrandingOverride | None = None
    allowed_return_origins: list[str]
    allowed_frame_ancestors: list[str] | None = None
    categories: Filter | None = None
    products: Filter | None = None
    sso: SsoSettings | None = None


class TheirSide(Model):
    line: int
    reference: str
    amount: Money
    date: date


class Tier(Model):
    name: str
    min_points: int


class TierOut(Model):
    name: str
    min_points: int


class TiersOut(Model):
    object: Literal["points_tiers"]
    program_id: str
    tiers: list[TierOut]
    window_months: int | None
    downgrade: Literal["immediate", "end_of_period"] | str
    updated_at: datetime


class TiersPut(Model):
    tiers: list[Tier]
    window_months: int | None = None
    downgrade: Literal["immediate", "end_of_period"] | str | None = None


class TimelineEntry(Model):
    status: Literal["pending", "processing", "fulfilled", "failed", "refunded", "canceled"] | str
    from_status: Literal["pending", "processing", "fulfilled", "failed", "refunded", "canceled"] | str | None
    reason: str
    at: datetime


class TransactionList(Model):
    object: Literal["list"]
    has_more: bool
    next_cursor: str | None
    data: list[TransactionOut]


class TransactionOut(Model):
    id: str
    object: Literal["points_transaction"]
    livemode: bool
    program_id: str
    member_id: str
    type: Literal["credit", "debit", "reversal", "expiry"] | str
    points: int
    balance_after: int
    pending_after: int
    status: Literal["pending", "available"] | str | None
    reason: str | None
    reference: str | None
    lots: list[LotTouched]
    reverses: str | None
    reversed_by: str | None
    expires_at: datetime | None
    available_at: datetime | None
    cash: Money | None
    created_at: datetime


class VerificationCheck(Model):
    code: str


class VersionChange(Model):
    resource: str
    description: str
    breaking: bool
    fields: list[str]


class Voucher(Model):
    code: str | None
    pin: str | None
    expires_at: datetime | None
    url: str


for _model in list(globals().values()):
    if isinstance(_model, type) and issubclass(_model, Model):
        _model.model_rebuild()
