"""GENERATED from the OpenAPI description by sdk/python/generate.py: do not edit.

Regenerate: `.venv/bin/python sdk/python/generate.py`."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import httpx

from rewardkit_sdk import models
from rewardkit_sdk._base import NOT_GIVEN, NotGiven, given, path
from rewardkit_sdk._pagination import AsyncPage, SyncPage

if TYPE_CHECKING:
    from rewardkit_sdk._client import AsyncClient, Client

__all__ = ["AsyncResources", "SyncResources"]


class BalancesResource:
    """Balances."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list_transactions(
        self,
        *,
        currency: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.BalanceTransactionOut]:
        """List Balance Transactions: `GET /v1/balance_transactions` (listBalanceTransactions).

        The wallet statement: each movement with the running balance after it.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/balance_transactions",
            models.BalanceTransactionList,
            given({"currency": currency, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.LedgerBalanceOut]:
        """List Balances: `GET /v1/balances` (listBalances).

        Available (spendable now) and pending (held for orders being fulfilled), per currency.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/balances",
            models.BalanceList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )


class AsyncBalancesResource:
    """Balances."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list_transactions(
        self,
        *,
        currency: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.BalanceTransactionOut]:
        """List Balance Transactions: `GET /v1/balance_transactions` (listBalanceTransactions).

        The wallet statement: each movement with the running balance after it.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/balance_transactions",
            models.BalanceTransactionList,
            given({"currency": currency, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.LedgerBalanceOut]:
        """List Balances: `GET /v1/balances` (listBalances).

        Available (spendable now) and pending (held for orders being fulfilled), per currency.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/balances",
            models.BalanceList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )


class BrandingResource:
    """Branding."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.BrandingOut:
        """Get Branding: `GET /v1/branding` (getBranding).

        The branding of your hosted pages. It belongs to the organisation: the same for test and live keys.
        """
        return self._client._call(
            "GET",
            "/v1/branding",
            models.BrandingOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def update(
        self,
        *,
        display_name: str | NotGiven | None = NOT_GIVEN,
        logo_url: str | NotGiven | None = NOT_GIVEN,
        accent_color: str | NotGiven | None = NOT_GIVEN,
        support_email: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.BrandingOut:
        """Update Branding: `PATCH /v1/branding` (updateBranding).

        Change the display name, logo, accent colour or support email; fields not sent are kept, `null` clears.
        """
        return self._client._call(
            "PATCH",
            "/v1/branding",
            models.BrandingOut,
            body=given({
                "display_name": display_name,
                "logo_url": logo_url,
                "accent_color": accent_color,
                "support_email": support_email,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncBrandingResource:
    """Branding."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.BrandingOut:
        """Get Branding: `GET /v1/branding` (getBranding).

        The branding of your hosted pages. It belongs to the organisation: the same for test and live keys.
        """
        return await self._client._call(
            "GET",
            "/v1/branding",
            models.BrandingOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def update(
        self,
        *,
        display_name: str | NotGiven | None = NOT_GIVEN,
        logo_url: str | NotGiven | None = NOT_GIVEN,
        accent_color: str | NotGiven | None = NOT_GIVEN,
        support_email: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.BrandingOut:
        """Update Branding: `PATCH /v1/branding` (updateBranding).

        Change the display name, logo, accent colour or support email; fields not sent are kept, `null` clears.
        """
        return await self._client._call(
            "PATCH",
            "/v1/branding",
            models.BrandingOut,
            body=given({
                "display_name": display_name,
                "logo_url": logo_url,
                "accent_color": accent_color,
                "support_email": support_email,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class CatalogResource:
    """Catalog."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get_product(
        self,
        product_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProductOut:
        """Get Product: `GET /v1/products/{product_id}` (getProduct)."""
        return self._client._call(
            "GET",
            path("/v1/products/{product_id}", product_id=product_id),
            models.ProductOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_categories(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.CategoryOut]:
        """List Categories: `GET /v1/categories` (listCategories).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/categories",
            models.CategoryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_countries(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.CountryOut]:
        """List Countries: `GET /v1/countries` (listCountries).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/countries",
            models.CountryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_products(
        self,
        *,
        country: str | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        category: str | NotGiven | None = NOT_GIVEN,
        denomination: Decimal | int | str | NotGiven | None = NOT_GIVEN,
        brand: str | NotGiven | None = NOT_GIVEN,
        q: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ProductOut]:
        """List Products: `GET /v1/products` (listProducts).

        List products, filtered. Every filter narrows the list; pages follow `next_cursor`.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/products",
            models.ProductList,
            given({
                "country": country,
                "currency": currency,
                "category": category,
                "denomination": denomination,
                "brand": brand,
                "q": q,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )


class AsyncCatalogResource:
    """Catalog."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get_product(
        self,
        product_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProductOut:
        """Get Product: `GET /v1/products/{product_id}` (getProduct)."""
        return await self._client._call(
            "GET",
            path("/v1/products/{product_id}", product_id=product_id),
            models.ProductOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_categories(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.CategoryOut]:
        """List Categories: `GET /v1/categories` (listCategories).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/categories",
            models.CategoryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_countries(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.CountryOut]:
        """List Countries: `GET /v1/countries` (listCountries).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/countries",
            models.CountryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_products(
        self,
        *,
        country: str | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        category: str | NotGiven | None = NOT_GIVEN,
        denomination: Decimal | int | str | NotGiven | None = NOT_GIVEN,
        brand: str | NotGiven | None = NOT_GIVEN,
        q: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ProductOut]:
        """List Products: `GET /v1/products` (listProducts).

        List products, filtered. Every filter narrows the list; pages follow `next_cursor`.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/products",
            models.ProductList,
            given({
                "country": country,
                "currency": currency,
                "category": category,
                "denomination": denomination,
                "brand": brand,
                "q": q,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )


class DocsAssistantResource:
    """Docs assistant."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def ask(
        self,
        *,
        question: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.AssistantAnswer:
        """Ask Assistant: `POST /v1/assistant/ask` (askAssistant).

        Ask the docs a question: the answer quotes the guides and the API reference (or, with an LLM
        server configured, is written from them only), with links to its sources and a curl sample for the
        operation it concerns. Below a confidence threshold it says it does not know and points to the
        closest pages instead. No API key; limited per client address (`assistant_rate_limit`).
        """
        return self._client._call(
            "POST",
            "/v1/assistant/ask",
            models.AssistantAnswer,
            body=given({"question": question}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncDocsAssistantResource:
    """Docs assistant."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def ask(
        self,
        *,
        question: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.AssistantAnswer:
        """Ask Assistant: `POST /v1/assistant/ask` (askAssistant).

        Ask the docs a question: the answer quotes the guides and the API reference (or, with an LLM
        server configured, is written from them only), with links to its sources and a curl sample for the
        operation it concerns. Below a confidence threshold it says it does not know and points to the
        closest pages instead. No API key; limited per client address (`assistant_rate_limit`).
        """
        return await self._client._call(
            "POST",
            "/v1/assistant/ask",
            models.AssistantAnswer,
            body=given({"question": question}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class EmailResource:
    """Email."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def delete_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Delete Email Template: `DELETE /v1/email_templates/{kind}` (deleteEmailTemplate).

        Go back to the built-in templates of one kind of email (a no-op when they are in use already).
        """
        return self._client._call(
            "DELETE",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Get Email Template: `GET /v1/email_templates/{kind}` (getEmailTemplate).

        The templates of one kind of email (link, reminder, otp) your organisation's emails use: your own
        where you saved them, the built-in ones otherwise; the same for test and live keys.
        """
        return self._client._call(
            "GET",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def replace_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        subject: str | NotGiven | None = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Replace Email Template: `PUT /v1/email_templates/{kind}` (replaceEmailTemplate).

        Use your own subject, text or HTML template for one kind of email; a part not sent is the built-in
        one. Each is rendered with sample values first: one that does not render is refused (422
        `email_template_invalid`, naming the part) and nothing is saved.
        """
        return self._client._call(
            "PUT",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            body=given({"subject": subject, "text": text, "html": html}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def report_bounce(
        self,
        *,
        type: Literal["hard", "soft"] | str,
        message_id: str | NotGiven | None = NOT_GIVEN,
        recipient: str | NotGiven | None = NOT_GIVEN,
        diagnostic: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailBounceOut:
        """Report Email Bounce: `POST /v1/email_bounces` (reportEmailBounce).

        Report a bounce your mail provider told you about, by the email's Message-ID (on every link
        email) or its recipient. `hard`: the delivery becomes `bounced` and `reward_link.delivery_failed` is
        sent (once); `soft`: noted on the delivery (error_code `email_soft_bounce`), nothing else.
        """
        return self._client._call(
            "POST",
            "/v1/email_bounces",
            models.EmailBounceOut,
            body=given({
                "type": type,
                "message_id": message_id,
                "recipient": recipient,
                "diagnostic": diagnostic,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncEmailResource:
    """Email."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def delete_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Delete Email Template: `DELETE /v1/email_templates/{kind}` (deleteEmailTemplate).

        Go back to the built-in templates of one kind of email (a no-op when they are in use already).
        """
        return await self._client._call(
            "DELETE",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Get Email Template: `GET /v1/email_templates/{kind}` (getEmailTemplate).

        The templates of one kind of email (link, reminder, otp) your organisation's emails use: your own
        where you saved them, the built-in ones otherwise; the same for test and live keys.
        """
        return await self._client._call(
            "GET",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def replace_template(
        self,
        kind: Literal["link", "reminder", "otp"] | str,
        *,
        subject: str | NotGiven | None = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailTemplateOut:
        """Replace Email Template: `PUT /v1/email_templates/{kind}` (replaceEmailTemplate).

        Use your own subject, text or HTML template for one kind of email; a part not sent is the built-in
        one. Each is rendered with sample values first: one that does not render is refused (422
        `email_template_invalid`, naming the part) and nothing is saved.
        """
        return await self._client._call(
            "PUT",
            path("/v1/email_templates/{kind}", kind=kind),
            models.EmailTemplateOut,
            body=given({"subject": subject, "text": text, "html": html}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def report_bounce(
        self,
        *,
        type: Literal["hard", "soft"] | str,
        message_id: str | NotGiven | None = NOT_GIVEN,
        recipient: str | NotGiven | None = NOT_GIVEN,
        diagnostic: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EmailBounceOut:
        """Report Email Bounce: `POST /v1/email_bounces` (reportEmailBounce).

        Report a bounce your mail provider told you about, by the email's Message-ID (on every link
        email) or its recipient. `hard`: the delivery becomes `bounced` and `reward_link.delivery_failed` is
        sent (once); `soft`: noted on the delivery (error_code `email_soft_bounce`), nothing else.
        """
        return await self._client._call(
            "POST",
            "/v1/email_bounces",
            models.EmailBounceOut,
            body=given({
                "type": type,
                "message_id": message_id,
                "recipient": recipient,
                "diagnostic": diagnostic,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class EventsResource:
    """Events."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(
        self,
        event_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EventOut:
        """Get Event: `GET /v1/events/{event_id}` (getEvent)."""
        return self._client._call(
            "GET",
            path("/v1/events/{event_id}", event_id=event_id),
            models.EventOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list(
        self,
        *,
        type: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.EventOut]:
        """List Events: `GET /v1/events` (listEvents).

        Everything that happened, kept at least 30 days: a missed webhook can always be fetched here.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/events",
            models.EventList,
            given({
                "type": type,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )

    def redeliver(
        self,
        event_id: str,
        *,
        endpoint_id: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.DeliveryQueuedList:
        """Redeliver Event: `POST /v1/events/{event_id}/redeliver` (redeliverEvent).

        Send an event again, to one endpoint or to every endpoint that subscribes to it.
        """
        return self._client._call(
            "POST",
            path("/v1/events/{event_id}/redeliver", event_id=event_id),
            models.DeliveryQueuedList,
            body=given({"endpoint_id": endpoint_id}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncEventsResource:
    """Events."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(
        self,
        event_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EventOut:
        """Get Event: `GET /v1/events/{event_id}` (getEvent)."""
        return await self._client._call(
            "GET",
            path("/v1/events/{event_id}", event_id=event_id),
            models.EventOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list(
        self,
        *,
        type: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.EventOut]:
        """List Events: `GET /v1/events` (listEvents).

        Everything that happened, kept at least 30 days: a missed webhook can always be fetched here.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/events",
            models.EventList,
            given({
                "type": type,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )

    async def redeliver(
        self,
        event_id: str,
        *,
        endpoint_id: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.DeliveryQueuedList:
        """Redeliver Event: `POST /v1/events/{event_id}/redeliver` (redeliverEvent).

        Send an event again, to one endpoint or to every endpoint that subscribes to it.
        """
        return await self._client._call(
            "POST",
            path("/v1/events/{event_id}/redeliver", event_id=event_id),
            models.DeliveryQueuedList,
            body=given({"endpoint_id": endpoint_id}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class InventoryResource:
    """Inventory."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def import_codes(
        self,
        product_id: str,
        *,
        codes: builtins.list[models.CodeIn | Mapping[str, Any]],
        x_operator_token: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.InventoryImportOut:
        """Import Codes: `POST /v1/inventory/{product_id}/codes` (importInventoryCodes).

        Upload codes bought in bulk for a product, all or nothing: one bad row (or a code imported
        before) rejects the whole batch with a row-by-row list of problems.
        """
        return self._client._call(
            "POST",
            path("/v1/inventory/{product_id}/codes", product_id=product_id),
            models.InventoryImportOut,
            body=given({"codes": codes}),
            headers={**{"X-Operator-Token": x_operator_token}, **(extra_headers or {})},
            repeatable=False,
        )

    def list(
        self,
        *,
        product_id: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        x_operator_token: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.StockOut]:
        """List Inventory: `GET /v1/inventory` (listInventory).

        Stock per product and denomination: available (usable now), used, expired.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/inventory",
            models.StockList,
            given({"product_id": product_id, "cursor": cursor, "limit": limit}),
            {**{"X-Operator-Token": x_operator_token}, **(extra_headers or {})},
        )


class AsyncInventoryResource:
    """Inventory."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def import_codes(
        self,
        product_id: str,
        *,
        codes: builtins.list[models.CodeIn | Mapping[str, Any]],
        x_operator_token: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.InventoryImportOut:
        """Import Codes: `POST /v1/inventory/{product_id}/codes` (importInventoryCodes).

        Upload codes bought in bulk for a product, all or nothing: one bad row (or a code imported
        before) rejects the whole batch with a row-by-row list of problems.
        """
        return await self._client._call(
            "POST",
            path("/v1/inventory/{product_id}/codes", product_id=product_id),
            models.InventoryImportOut,
            body=given({"codes": codes}),
            headers={**{"X-Operator-Token": x_operator_token}, **(extra_headers or {})},
            repeatable=False,
        )

    async def list(
        self,
        *,
        product_id: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        x_operator_token: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.StockOut]:
        """List Inventory: `GET /v1/inventory` (listInventory).

        Stock per product and denomination: available (usable now), used, expired.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/inventory",
            models.StockList,
            given({"product_id": product_id, "cursor": cursor, "limit": limit}),
            {**{"X-Operator-Token": x_operator_token}, **(extra_headers or {})},
        )


class LinkClaimsResource:
    """Link claims."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def check_verification(
        self,
        token: str,
        *,
        code: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkVerificationGrant:
        """Check Link Verification: `POST /v1/link_claims/{token}/verification/check` (checkLinkVerification).

        Check the emailed code. Right: a verification token valid 30 minutes (the code is spent). Wrong:
        422 `verification_code_invalid` with `attempts_left`; the fifth wrong code kills it (423
        `verification_locked`): ask for a new one.
        """
        return self._client._call(
            "POST",
            path("/v1/link_claims/{token}/verification/check", token=token),
            models.LinkVerificationGrant,
            body=given({"code": code}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def get(
        self,
        token: str,
        *,
        link_verification: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkClaimOut:
        """Get Link Claim: `GET /v1/link_claims/{token}` (getLinkClaim).

        For a claim page of your own: what the link holds and the products it may be claimed as. The
        first call marks the link `opened`. A link with `verification: "email_otp"` shows its choices only
        with a `Link-Verification` header (`verification_required` says so).
        """
        return self._client._call(
            "GET",
            path("/v1/link_claims/{token}", token=token),
            models.LinkClaimOut,
            headers={**{"Link-Verification": link_verification}, **(extra_headers or {})},
            repeatable=True,
        )

    def redeem(
        self,
        token: str,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        link_verification: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinksRedemptionOut:
        """Redeem Link Claim: `POST /v1/link_claims/{token}/redeem` (redeemLinkClaim).

        Claim one of the link's choices: an order paid from the link's reservation, fulfilled at once
        where the supplier allows (its `voucher`), and the link's `remaining` after it.
        """
        return self._client._call(
            "POST",
            path("/v1/link_claims/{token}/redeem", token=token),
            models.LinksRedemptionOut,
            body=given({"product_id": product_id, "denomination": denomination, "currency": currency}),
            headers={**{"Link-Verification": link_verification}, **(extra_headers or {})},
            repeatable=False,
        )

    def send_verification(
        self,
        token: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkVerificationOut:
        """Send Link Verification: `POST /v1/link_claims/{token}/verification` (sendLinkVerification).

        Email a one-time code to the link's recipient (valid 10 minutes; any earlier code is dead). One
        code per `link_otp_resend_seconds` (60) and `link_otp_per_hour` (5) per link: 429 with Retry-After.
        """
        return self._client._call(
            "POST",
            path("/v1/link_claims/{token}/verification", token=token),
            models.LinkVerificationOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncLinkClaimsResource:
    """Link claims."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def check_verification(
        self,
        token: str,
        *,
        code: str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkVerificationGrant:
        """Check Link Verification: `POST /v1/link_claims/{token}/verification/check` (checkLinkVerification).

        Check the emailed code. Right: a verification token valid 30 minutes (the code is spent). Wrong:
        422 `verification_code_invalid` with `attempts_left`; the fifth wrong code kills it (423
        `verification_locked`): ask for a new one.
        """
        return await self._client._call(
            "POST",
            path("/v1/link_claims/{token}/verification/check", token=token),
            models.LinkVerificationGrant,
            body=given({"code": code}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def get(
        self,
        token: str,
        *,
        link_verification: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkClaimOut:
        """Get Link Claim: `GET /v1/link_claims/{token}` (getLinkClaim).

        For a claim page of your own: what the link holds and the products it may be claimed as. The
        first call marks the link `opened`. A link with `verification: "email_otp"` shows its choices only
        with a `Link-Verification` header (`verification_required` says so).
        """
        return await self._client._call(
            "GET",
            path("/v1/link_claims/{token}", token=token),
            models.LinkClaimOut,
            headers={**{"Link-Verification": link_verification}, **(extra_headers or {})},
            repeatable=True,
        )

    async def redeem(
        self,
        token: str,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        link_verification: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinksRedemptionOut:
        """Redeem Link Claim: `POST /v1/link_claims/{token}/redeem` (redeemLinkClaim).

        Claim one of the link's choices: an order paid from the link's reservation, fulfilled at once
        where the supplier allows (its `voucher`), and the link's `remaining` after it.
        """
        return await self._client._call(
            "POST",
            path("/v1/link_claims/{token}/redeem", token=token),
            models.LinksRedemptionOut,
            body=given({"product_id": product_id, "denomination": denomination, "currency": currency}),
            headers={**{"Link-Verification": link_verification}, **(extra_headers or {})},
            repeatable=False,
        )

    async def send_verification(
        self,
        token: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkVerificationOut:
        """Send Link Verification: `POST /v1/link_claims/{token}/verification` (sendLinkVerification).

        Email a one-time code to the link's recipient (valid 10 minutes; any earlier code is dead). One
        code per `link_otp_resend_seconds` (60) and `link_otp_per_hour` (5) per link: 429 with Retry-After.
        """
        return await self._client._call(
            "POST",
            path("/v1/link_claims/{token}/verification", token=token),
            models.LinkVerificationOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class OrdersResource:
    """Orders."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def cancel(
        self,
        order_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Cancel Order: `POST /v1/orders/{order_id}/cancel` (cancelOrder).

        Cancel an order that has not been sent to a supplier yet; its debit is refunded at once.
        """
        return self._client._call(
            "POST",
            path("/v1/orders/{order_id}/cancel", order_id=order_id),
            models.OrderOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create(
        self,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        country: str | NotGiven | None = NOT_GIVEN,
        recipient: str | models.Recipient | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Create Order: `POST /v1/orders` (createOrder).

        Buy a reward. Debits the wallet and fulfils at once where the supplier allows, answering
        200 `fulfilled` with a `voucher_url`; a slower supplier answers 202 `processing`, and the order
        finishes in the background (track it with GET /v1/orders/{id}).
        """
        return self._client._call(
            "POST",
            "/v1/orders",
            models.OrderOut,
            body=given({
                "product_id": product_id,
                "denomination": denomination,
                "currency": currency,
                "country": country,
                "recipient": recipient,
                "external_id": external_id,
                "metadata": metadata,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def get(
        self,
        order_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Get Order: `GET /v1/orders/{order_id}` (getOrder)."""
        return self._client._call(
            "GET",
            path("/v1/orders/{order_id}", order_id=order_id),
            models.OrderOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list(
        self,
        *,
        status: str | NotGiven | None = NOT_GIVEN,
        product_id: str | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.OrderOut]:
        """List Orders: `GET /v1/orders` (listOrders).

        Orders of this key's org and mode, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/orders",
            models.OrderList,
            given({
                "status": status,
                "product_id": product_id,
                "external_id": external_id,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )


class AsyncOrdersResource:
    """Orders."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def cancel(
        self,
        order_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Cancel Order: `POST /v1/orders/{order_id}/cancel` (cancelOrder).

        Cancel an order that has not been sent to a supplier yet; its debit is refunded at once.
        """
        return await self._client._call(
            "POST",
            path("/v1/orders/{order_id}/cancel", order_id=order_id),
            models.OrderOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create(
        self,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        country: str | NotGiven | None = NOT_GIVEN,
        recipient: str | models.Recipient | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Create Order: `POST /v1/orders` (createOrder).

        Buy a reward. Debits the wallet and fulfils at once where the supplier allows, answering
        200 `fulfilled` with a `voucher_url`; a slower supplier answers 202 `processing`, and the order
        finishes in the background (track it with GET /v1/orders/{id}).
        """
        return await self._client._call(
            "POST",
            "/v1/orders",
            models.OrderOut,
            body=given({
                "product_id": product_id,
                "denomination": denomination,
                "currency": currency,
                "country": country,
                "recipient": recipient,
                "external_id": external_id,
                "metadata": metadata,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def get(
        self,
        order_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.OrderOut:
        """Get Order: `GET /v1/orders/{order_id}` (getOrder)."""
        return await self._client._call(
            "GET",
            path("/v1/orders/{order_id}", order_id=order_id),
            models.OrderOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list(
        self,
        *,
        status: str | NotGiven | None = NOT_GIVEN,
        product_id: str | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.OrderOut]:
        """List Orders: `GET /v1/orders` (listOrders).

        Orders of this key's org and mode, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/orders",
            models.OrderList,
            given({
                "status": status,
                "product_id": product_id,
                "external_id": external_id,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )


class ReconciliationResource:
    """Reconciliation."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        body: Any,
        supplier: str,
        mapping: str | NotGiven | None = NOT_GIVEN,
        period_start: date | str | NotGiven | None = NOT_GIVEN,
        period_end: date | str | NotGiven | None = NOT_GIVEN,
        date_tolerance_days: int | NotGiven | None = NOT_GIVEN,
        amount_tolerance_minor: int | NotGiven = NOT_GIVEN,
        file_name: str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReconciliationOut:
        """Create Reconciliation: `POST /v1/reconciliations` (createReconciliation).

        Match a supplier's statement line by line against our orders of that supplier: each line is
        `matched`, `missing_here` (no order of ours), `amount_mismatch` (amount, currency, date or our status
        differ) and each of our fulfilled orders of the period it does not list is `missing_there`
        (docs/reconciliation.md). A statement that cannot be read is a 422 and records nothing.
        """
        return self._client._call(
            "POST",
            "/v1/reconciliations",
            models.ReconciliationOut,
            query=given({
                "supplier": supplier,
                "mapping": mapping,
                "period_start": period_start,
                "period_end": period_end,
                "date_tolerance_days": date_tolerance_days,
                "amount_tolerance_minor": amount_tolerance_minor,
                "file_name": file_name,
            }),
            body=body,
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def get(
        self,
        reconciliation_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReconciliationOut:
        """Get Reconciliation: `GET /v1/reconciliations/{reconciliation_id}` (getReconciliation)."""
        return self._client._call(
            "GET",
            path("/v1/reconciliations/{reconciliation_id}", reconciliation_id=reconciliation_id),
            models.ReconciliationOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_lines(
        self,
        reconciliation_id: str,
        *,
        status: (
            Literal["matched", "missing_here", "missing_there", "amount_mismatch"]
            | str
            | NotGiven
            | None
        ) = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.LineOut]:
        """List Reconciliation Lines: `GET /v1/reconciliations/{reconciliation_id}/lines` (listReconciliationLines).

        Each line with both sides: `theirs` (the statement's line) and `ours` (our order), and its
        resolution once resolved.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/reconciliations/{reconciliation_id}/lines", reconciliation_id=reconciliation_id),
            models.LineList,
            given({"status": status, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_reconciliations(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ReconciliationOut]:
        """List Reconciliations: `GET /v1/reconciliations` (listReconciliations).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/reconciliations",
            models.ReconciliationList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def resolve_line(
        self,
        reconciliation_id: str,
        line_id: str,
        *,
        action: Literal["adjust", "accept", "write_off"] | str,
        note: str,
        amount: int | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        direction: Literal["debit", "credit"] | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LineOut:
        """Resolve Reconciliation Line: `POST /v1/reconciliations/{reconciliation_id}/lines/{line_id}/resolve`
        (resolveReconciliationLine).

        Resolve a line that did not match, once, with a note: `adjust` books the difference as a ledger
        transaction of kind `adjustment` (docs/ledger.md#adjustments), `accept` and `write_off` move nothing.
        The resolution is kept as an audit row; a second resolve is 409 `reconciliation_line_resolved`.
        """
        return self._client._call(
            "POST",
            path(
                "/v1/reconciliations/{reconciliation_id}/lines/{line_id}/resolve",
                reconciliation_id=reconciliation_id, line_id=line_id,
            ),
            models.LineOut,
            body=given({
                "action": action,
                "note": note,
                "amount": amount,
                "currency": currency,
                "direction": direction,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )


class AsyncReconciliationResource:
    """Reconciliation."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        body: Any,
        supplier: str,
        mapping: str | NotGiven | None = NOT_GIVEN,
        period_start: date | str | NotGiven | None = NOT_GIVEN,
        period_end: date | str | NotGiven | None = NOT_GIVEN,
        date_tolerance_days: int | NotGiven | None = NOT_GIVEN,
        amount_tolerance_minor: int | NotGiven = NOT_GIVEN,
        file_name: str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReconciliationOut:
        """Create Reconciliation: `POST /v1/reconciliations` (createReconciliation).

        Match a supplier's statement line by line against our orders of that supplier: each line is
        `matched`, `missing_here` (no order of ours), `amount_mismatch` (amount, currency, date or our status
        differ) and each of our fulfilled orders of the period it does not list is `missing_there`
        (docs/reconciliation.md). A statement that cannot be read is a 422 and records nothing.
        """
        return await self._client._call(
            "POST",
            "/v1/reconciliations",
            models.ReconciliationOut,
            query=given({
                "supplier": supplier,
                "mapping": mapping,
                "period_start": period_start,
                "period_end": period_end,
                "date_tolerance_days": date_tolerance_days,
                "amount_tolerance_minor": amount_tolerance_minor,
                "file_name": file_name,
            }),
            body=body,
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def get(
        self,
        reconciliation_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReconciliationOut:
        """Get Reconciliation: `GET /v1/reconciliations/{reconciliation_id}` (getReconciliation)."""
        return await self._client._call(
            "GET",
            path("/v1/reconciliations/{reconciliation_id}", reconciliation_id=reconciliation_id),
            models.ReconciliationOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_lines(
        self,
        reconciliation_id: str,
        *,
        status: (
            Literal["matched", "missing_here", "missing_there", "amount_mismatch"]
            | str
            | NotGiven
            | None
        ) = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.LineOut]:
        """List Reconciliation Lines: `GET /v1/reconciliations/{reconciliation_id}/lines` (listReconciliationLines).

        Each line with both sides: `theirs` (the statement's line) and `ours` (our order), and its
        resolution once resolved.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/reconciliations/{reconciliation_id}/lines", reconciliation_id=reconciliation_id),
            models.LineList,
            given({"status": status, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_reconciliations(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ReconciliationOut]:
        """List Reconciliations: `GET /v1/reconciliations` (listReconciliations).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/reconciliations",
            models.ReconciliationList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def resolve_line(
        self,
        reconciliation_id: str,
        line_id: str,
        *,
        action: Literal["adjust", "accept", "write_off"] | str,
        note: str,
        amount: int | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        direction: Literal["debit", "credit"] | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LineOut:
        """Resolve Reconciliation Line: `POST /v1/reconciliations/{reconciliation_id}/lines/{line_id}/resolve`
        (resolveReconciliationLine).

        Resolve a line that did not match, once, with a note: `adjust` books the difference as a ledger
        transaction of kind `adjustment` (docs/ledger.md#adjustments), `accept` and `write_off` move nothing.
        The resolution is kept as an audit row; a second resolve is 409 `reconciliation_line_resolved`.
        """
        return await self._client._call(
            "POST",
            path(
                "/v1/reconciliations/{reconciliation_id}/lines/{line_id}/resolve",
                reconciliation_id=reconciliation_id, line_id=line_id,
            ),
            models.LineOut,
            body=given({
                "action": action,
                "note": note,
                "amount": amount,
                "currency": currency,
                "direction": direction,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )


class ReportsResource:
    """Reports."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create_run(
        self,
        *,
        type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str,
        interval_start: int | str,
        interval_end: int | str,
        timezone: str | NotGiven = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        columns: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        format: Literal["csv", "jsonl"] | str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReportOut:
        """Create Report Run: `POST /v1/reports` (createReportRun).

        Run a report over [interval_start, interval_end) in `timezone`, from the ledger's postings.
        """
        return self._client._call(
            "POST",
            "/v1/reports",
            models.ReportOut,
            body=given({
                "type": type,
                "interval_start": interval_start,
                "interval_end": interval_end,
                "timezone": timezone,
                "currency": currency,
                "columns": columns,
                "format": format,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create_schedule(
        self,
        *,
        type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str,
        frequency: Literal["daily", "monthly"] | str,
        timezone: str | NotGiven = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        columns: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        format: Literal["csv", "jsonl"] | str | NotGiven = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Create Report Schedule: `POST /v1/report_schedules` (createReportSchedule).

        Run a report every day (the previous day) or month (the previous month), in `timezone`.
        """
        return self._client._call(
            "POST",
            "/v1/report_schedules",
            models.ScheduleOut,
            body=given({
                "type": type,
                "frequency": frequency,
                "timezone": timezone,
                "currency": currency,
                "columns": columns,
                "format": format,
                "email": email,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def delete_schedule(
        self,
        schedule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Delete Report Schedule: `DELETE /v1/report_schedules/{schedule_id}` (deleteReportSchedule)."""
        return self._client._call(
            "DELETE",
            path("/v1/report_schedules/{schedule_id}", schedule_id=schedule_id),
            models.ScheduleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def download_run(
        self,
        run_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Download Report Run: `GET /v1/reports/{run_id}/download` (downloadReportRun).

        The succeeded run's file, streamed: CSV or JSON Lines, as published.
        """
        return self._client._call(
            "GET",
            path("/v1/reports/{run_id}/download", run_id=run_id),
            None,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_run(
        self,
        run_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReportOut:
        """Get Report Run: `GET /v1/reports/{run_id}` (getReportRun)."""
        return self._client._call(
            "GET",
            path("/v1/reports/{run_id}", run_id=run_id),
            models.ReportOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_schedule(
        self,
        schedule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Get Report Schedule: `GET /v1/report_schedules/{schedule_id}` (getReportSchedule)."""
        return self._client._call(
            "GET",
            path("/v1/report_schedules/{schedule_id}", schedule_id=schedule_id),
            models.ScheduleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_statement(
        self,
        *,
        currency: str,
        month: str,
        timezone: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StatementOut:
        """Get Statement: `GET /v1/statements` (getStatement).

        One wallet's monthly statement: opening, activity per category, closing, tied to the ledger.
        """
        return self._client._call(
            "GET",
            "/v1/statements",
            models.StatementOut,
            query=given({"currency": currency, "month": month, "timezone": timezone}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_runs(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ReportOut]:
        """List Report Runs: `GET /v1/reports` (listReportRuns).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/reports",
            models.ReportList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_schedules(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ScheduleOut]:
        """List Report Schedules: `GET /v1/report_schedules` (listReportSchedules).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/report_schedules",
            models.ScheduleList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )


class AsyncReportsResource:
    """Reports."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create_run(
        self,
        *,
        type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str,
        interval_start: int | str,
        interval_end: int | str,
        timezone: str | NotGiven = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        columns: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        format: Literal["csv", "jsonl"] | str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReportOut:
        """Create Report Run: `POST /v1/reports` (createReportRun).

        Run a report over [interval_start, interval_end) in `timezone`, from the ledger's postings.
        """
        return await self._client._call(
            "POST",
            "/v1/reports",
            models.ReportOut,
            body=given({
                "type": type,
                "interval_start": interval_start,
                "interval_end": interval_end,
                "timezone": timezone,
                "currency": currency,
                "columns": columns,
                "format": format,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create_schedule(
        self,
        *,
        type: Literal["balance_summary", "balance_transactions", "orders", "reward_links", "points"] | str,
        frequency: Literal["daily", "monthly"] | str,
        timezone: str | NotGiven = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        columns: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        format: Literal["csv", "jsonl"] | str | NotGiven = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Create Report Schedule: `POST /v1/report_schedules` (createReportSchedule).

        Run a report every day (the previous day) or month (the previous month), in `timezone`.
        """
        return await self._client._call(
            "POST",
            "/v1/report_schedules",
            models.ScheduleOut,
            body=given({
                "type": type,
                "frequency": frequency,
                "timezone": timezone,
                "currency": currency,
                "columns": columns,
                "format": format,
                "email": email,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def delete_schedule(
        self,
        schedule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Delete Report Schedule: `DELETE /v1/report_schedules/{schedule_id}` (deleteReportSchedule)."""
        return await self._client._call(
            "DELETE",
            path("/v1/report_schedules/{schedule_id}", schedule_id=schedule_id),
            models.ScheduleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def download_run(
        self,
        run_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Download Report Run: `GET /v1/reports/{run_id}/download` (downloadReportRun).

        The succeeded run's file, streamed: CSV or JSON Lines, as published.
        """
        return await self._client._call(
            "GET",
            path("/v1/reports/{run_id}/download", run_id=run_id),
            None,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_run(
        self,
        run_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ReportOut:
        """Get Report Run: `GET /v1/reports/{run_id}` (getReportRun)."""
        return await self._client._call(
            "GET",
            path("/v1/reports/{run_id}", run_id=run_id),
            models.ReportOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_schedule(
        self,
        schedule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ScheduleOut:
        """Get Report Schedule: `GET /v1/report_schedules/{schedule_id}` (getReportSchedule)."""
        return await self._client._call(
            "GET",
            path("/v1/report_schedules/{schedule_id}", schedule_id=schedule_id),
            models.ScheduleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_statement(
        self,
        *,
        currency: str,
        month: str,
        timezone: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StatementOut:
        """Get Statement: `GET /v1/statements` (getStatement).

        One wallet's monthly statement: opening, activity per category, closing, tied to the ledger.
        """
        return await self._client._call(
            "GET",
            "/v1/statements",
            models.StatementOut,
            query=given({"currency": currency, "month": month, "timezone": timezone}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_runs(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ReportOut]:
        """List Report Runs: `GET /v1/reports` (listReportRuns).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/reports",
            models.ReportList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_schedules(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ScheduleOut]:
        """List Report Schedules: `GET /v1/report_schedules` (listReportSchedules).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/report_schedules",
            models.ScheduleList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )


class RewardLinksResource:
    """Reward links."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def cancel(
        self,
        link_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Cancel Reward Link: `POST /v1/reward_links/{link_id}/cancel` (cancelRewardLink).

        Cancel a link that still holds money: its `remaining` goes back to the wallet in one ledger
        transaction. Claimed, expired and canceled links answer 409.
        """
        return self._client._call(
            "POST",
            path("/v1/reward_links/{link_id}/cancel", link_id=link_id),
            models.RewardLinkOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create(
        self,
        *,
        value: Decimal | int | str,
        currency: str,
        choice: models.Choice | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        recipient: models.LinkRecipient | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        delivery: Literal["email", "sms", "none"] | str | NotGiven = NOT_GIVEN,
        message: str | NotGiven | None = NOT_GIVEN,
        sender_name: str | NotGiven | None = NOT_GIVEN,
        expires_at: datetime | str | NotGiven | None = NOT_GIVEN,
        allow_split: bool | NotGiven = NOT_GIVEN,
        reminders: builtins.list[int] | NotGiven = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        verification: Literal["none", "email_otp"] | str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Create Reward Link: `POST /v1/reward_links` (createRewardLink).

        Make a reward link: its value moves from the wallet to the link's reservation at once. Send the
        returned `url` to the recipient (`delivery: "none"`).
        """
        return self._client._call(
            "POST",
            "/v1/reward_links",
            models.RewardLinkOut,
            body=given({
                "value": value,
                "currency": currency,
                "choice": choice,
                "recipient": recipient,
                "delivery": delivery,
                "message": message,
                "sender_name": sender_name,
                "expires_at": expires_at,
                "allow_split": allow_split,
                "reminders": reminders,
                "external_id": external_id,
                "metadata": metadata,
                "verification": verification,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def create_batch(
        self,
        *,
        links: builtins.list[models.RewardLinkCreate | Mapping[str, Any] | Any],
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkBatchOut:
        """Create Reward Link Batch: `POST /v1/reward_links/batch` (createRewardLinkBatch).

        Make up to 1,000 links at once. Each item is made and reserved, or refused for its own reason
        (the problem POST /v1/reward_links would answer, e.g. `insufficient_funds` once the wallet runs
        out); failed items do not stop the others. The answer is 200 whenever the batch itself is valid,
        even if every item failed: read `created`, `failed` and each item's `status`.
        """
        return self._client._call(
            "POST",
            "/v1/reward_links/batch",
            models.RewardLinkBatchOut,
            body=given({"links": links}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def get(
        self,
        link_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Get Reward Link: `GET /v1/reward_links/{link_id}` (getRewardLink)."""
        return self._client._call(
            "GET",
            path("/v1/reward_links/{link_id}", link_id=link_id),
            models.RewardLinkOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_deliveries(
        self,
        link_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.LinkDeliveryOut]:
        """List Reward Link Deliveries: `GET /v1/reward_links/{link_id}/deliveries` (listRewardLinkDeliveries).

        Every email and text message sent for the link (its first delivery, reminders, resends), each
        with its status and attempts. Never the voucher code, never the link's token.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/reward_links/{link_id}/deliveries", link_id=link_id),
            models.LinkDeliveryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list(
        self,
        *,
        status: str | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.RewardLinkOut]:
        """List Reward Links: `GET /v1/reward_links` (listRewardLinks).

        Reward links of this key's org and mode, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/reward_links",
            models.RewardLinkList,
            given({
                "status": status,
                "external_id": external_id,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )

    def resend(
        self,
        link_id: str,
        *,
        channel: Literal["email", "sms"] | str | NotGiven | None = NOT_GIVEN,
        to: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkDeliveryOut:
        """Resend Reward Link: `POST /v1/reward_links/{link_id}/resend` (resendRewardLink).

        Send the link's message again, on its channel (or `channel`), to its recipient (or `to`, this
        once). At most REWARDKIT_LINK_RESEND_LIMIT (default 3 an hour) per link: 429 with Retry-After past it.
        """
        return self._client._call(
            "POST",
            path("/v1/reward_links/{link_id}/resend", link_id=link_id),
            models.LinkDeliveryOut,
            body=given({"channel": channel, "to": to}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncRewardLinksResource:
    """Reward links."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def cancel(
        self,
        link_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Cancel Reward Link: `POST /v1/reward_links/{link_id}/cancel` (cancelRewardLink).

        Cancel a link that still holds money: its `remaining` goes back to the wallet in one ledger
        transaction. Claimed, expired and canceled links answer 409.
        """
        return await self._client._call(
            "POST",
            path("/v1/reward_links/{link_id}/cancel", link_id=link_id),
            models.RewardLinkOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create(
        self,
        *,
        value: Decimal | int | str,
        currency: str,
        choice: models.Choice | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        recipient: models.LinkRecipient | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        delivery: Literal["email", "sms", "none"] | str | NotGiven = NOT_GIVEN,
        message: str | NotGiven | None = NOT_GIVEN,
        sender_name: str | NotGiven | None = NOT_GIVEN,
        expires_at: datetime | str | NotGiven | None = NOT_GIVEN,
        allow_split: bool | NotGiven = NOT_GIVEN,
        reminders: builtins.list[int] | NotGiven = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        verification: Literal["none", "email_otp"] | str | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Create Reward Link: `POST /v1/reward_links` (createRewardLink).

        Make a reward link: its value moves from the wallet to the link's reservation at once. Send the
        returned `url` to the recipient (`delivery: "none"`).
        """
        return await self._client._call(
            "POST",
            "/v1/reward_links",
            models.RewardLinkOut,
            body=given({
                "value": value,
                "currency": currency,
                "choice": choice,
                "recipient": recipient,
                "delivery": delivery,
                "message": message,
                "sender_name": sender_name,
                "expires_at": expires_at,
                "allow_split": allow_split,
                "reminders": reminders,
                "external_id": external_id,
                "metadata": metadata,
                "verification": verification,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def create_batch(
        self,
        *,
        links: builtins.list[models.RewardLinkCreate | Mapping[str, Any] | Any],
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkBatchOut:
        """Create Reward Link Batch: `POST /v1/reward_links/batch` (createRewardLinkBatch).

        Make up to 1,000 links at once. Each item is made and reserved, or refused for its own reason
        (the problem POST /v1/reward_links would answer, e.g. `insufficient_funds` once the wallet runs
        out); failed items do not stop the others. The answer is 200 whenever the batch itself is valid,
        even if every item failed: read `created`, `failed` and each item's `status`.
        """
        return await self._client._call(
            "POST",
            "/v1/reward_links/batch",
            models.RewardLinkBatchOut,
            body=given({"links": links}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def get(
        self,
        link_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RewardLinkOut:
        """Get Reward Link: `GET /v1/reward_links/{link_id}` (getRewardLink)."""
        return await self._client._call(
            "GET",
            path("/v1/reward_links/{link_id}", link_id=link_id),
            models.RewardLinkOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_deliveries(
        self,
        link_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.LinkDeliveryOut]:
        """List Reward Link Deliveries: `GET /v1/reward_links/{link_id}/deliveries` (listRewardLinkDeliveries).

        Every email and text message sent for the link (its first delivery, reminders, resends), each
        with its status and attempts. Never the voucher code, never the link's token.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/reward_links/{link_id}/deliveries", link_id=link_id),
            models.LinkDeliveryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list(
        self,
        *,
        status: str | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        created_gte: datetime | str | NotGiven | None = NOT_GIVEN,
        created_lte: datetime | str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.RewardLinkOut]:
        """List Reward Links: `GET /v1/reward_links` (listRewardLinks).

        Reward links of this key's org and mode, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/reward_links",
            models.RewardLinkList,
            given({
                "status": status,
                "external_id": external_id,
                "created_gte": created_gte,
                "created_lte": created_lte,
                "cursor": cursor,
                "limit": limit,
            }),
            dict(extra_headers or {}),
        )

    async def resend(
        self,
        link_id: str,
        *,
        channel: Literal["email", "sms"] | str | NotGiven | None = NOT_GIVEN,
        to: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.LinkDeliveryOut:
        """Resend Reward Link: `POST /v1/reward_links/{link_id}/resend` (resendRewardLink).

        Send the link's message again, on its channel (or `channel`), to its recipient (or `to`, this
        once). At most REWARDKIT_LINK_RESEND_LIMIT (default 3 an hour) per link: 429 with Retry-After past it.
        """
        return await self._client._call(
            "POST",
            path("/v1/reward_links/{link_id}/resend", link_id=link_id),
            models.LinkDeliveryOut,
            body=given({"channel": channel, "to": to}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class RewardPointsResource:
    """Reward points."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create_activity(
        self,
        program_id: str,
        *,
        member_id: str,
        event_type: str,
        reference: str,
        properties: dict[str, str | int | Decimal | bool] | NotGiven = NOT_GIVEN,
        occurred_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ActivityOut:
        """Create Points Activity: `POST /v1/points_programs/{program_id}/activities` (createPointsActivity).

        Report what a member did; every matching rule credits its points (capped), in one transaction.
        An activity no rule matches is recorded with no credits. The same `reference` with the same body
        answers the first activity (`Idempotent-Replayed: true`); with another body, 409 `reference_reused`.
        """
        return self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/activities", program_id=program_id),
            models.ActivityOut,
            body=given({
                "member_id": member_id,
                "event_type": event_type,
                "reference": reference,
                "properties": properties,
                "occurred_at": occurred_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create_credit(
        self,
        program_id: str,
        member_id: str,
        *,
        points: int,
        reference: str,
        reason: str | NotGiven | None = NOT_GIVEN,
        expires_at: datetime | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Create Points Credit: `POST /v1/points_programs/{program_id}/members/{member_id}/credits`
        (createPointsCredit).

        Credit points to the member: a new lot, pending for the program's `pending_days`, expiring by the
        program's rule or at `expires_at`. The same `reference` with the same body replays the first credit.
        """
        return self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/credits",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionOut,
            body=given({
                "points": points,
                "reference": reference,
                "reason": reason,
                "expires_at": expires_at,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def create_credit_batch(
        self,
        program_id: str,
        *,
        credits: builtins.list[dict[str, Any] | Any],
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.CreditBatchOut:
        """Create Points Credit Batch: `POST /v1/points_programs/{program_id}/credits/batch`
        (createPointsCreditBatch).

        Credit up to 1,000 members at once (a campaign). Each item is credited or refused for its own
        reason (the problem its single credit would answer; an unknown member is refused, never created);
        failed items do not stop the others. 200 whenever the batch itself is valid, even if every item
        failed: read `credited`, `failed` and each item's `status`.
        """
        return self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/credits/batch", program_id=program_id),
            models.CreditBatchOut,
            body=given({"credits": credits}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def create_debit(
        self,
        program_id: str,
        member_id: str,
        *,
        points: int,
        reference: str,
        reason: str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Create Points Debit: `POST /v1/points_programs/{program_id}/members/{member_id}/debits`
        (createPointsDebit).

        Take points from the member's available balance, soonest-expiring lots first. More than the
        member has is 422 `insufficient_points`, and nothing is written.
        """
        return self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/debits",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionOut,
            body=given({"points": points, "reference": reference, "reason": reason}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def create_program(
        self,
        *,
        name: str,
        currency: str,
        points_per_unit: int,
        expiry: models.Expiry | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        pending_days: int | NotGiven = NOT_GIVEN,
        funding: Literal["on_redemption", "prefunded"] | str | NotGiven = NOT_GIVEN,
        allow_negative: bool | NotGiven = NOT_GIVEN,
        expiring_notice_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Create Points Program: `POST /v1/points_programs` (createPointsProgram).

        Start a points program: its points are a ledger asset of their own (`asset`, precision 0).
        """
        return self._client._call(
            "POST",
            "/v1/points_programs",
            models.ProgramOut,
            body=given({
                "name": name,
                "currency": currency,
                "points_per_unit": points_per_unit,
                "expiry": expiry,
                "pending_days": pending_days,
                "funding": funding,
                "allow_negative": allow_negative,
                "expiring_notice_days": expiring_notice_days,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create_redemption(
        self,
        program_id: str,
        member_id: str,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        country: str | NotGiven | None = NOT_GIVEN,
        recipient: models.Recipient | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.PointsRedemptionOut:
        """Create Points Redemption: `POST /v1/points_programs/{program_id}/members/{member_id}/redemptions`
        (createPointsRedemption).

        Spend the member's points on an order from the catalog, in one step: the points (denomination x
        points_per_unit, whole: no rounding) are debited from the lots soonest expiring first and the order
        is booked in the same transaction, paid by the org's wallet (`on_redemption`) or by the program's
        backing account (`prefunded`). If the order fails or is canceled, the points come back as a
        reversal of the debit (`returned`). 200 once the order is final, 202 while it is being fulfilled.
        """
        return self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/redemptions",
                program_id=program_id, member_id=member_id,
            ),
            models.PointsRedemptionOut,
            body=given({
                "product_id": product_id,
                "denomination": denomination,
                "currency": currency,
                "country": country,
                "recipient": recipient,
                "metadata": metadata,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    def create_rule(
        self,
        program_id: str,
        *,
        event_type: str,
        points: models.RulePoints | Mapping[str, Any],
        description: str | NotGiven | None = NOT_GIVEN,
        conditions: builtins.list[models.Condition | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
        daily_cap: int | NotGiven | None = NOT_GIVEN,
        monthly_cap: int | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Create Points Rule: `POST /v1/points_programs/{program_id}/rules` (createPointsRule).

        Say what an activity of `event_type` earns: `{"fixed": 50}` or `{"per_unit": {"property":
        "amount", "points": 2, "per": 1}}` (rounded down to a whole point), when every condition holds, inside
        [`starts_at`, `ends_at`), at most `daily_cap` / `monthly_cap` points per member per UTC day / month.
        """
        return self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/rules", program_id=program_id),
            models.RuleOut,
            body=given({
                "event_type": event_type,
                "points": points,
                "description": description,
                "conditions": conditions,
                "daily_cap": daily_cap,
                "monthly_cap": monthly_cap,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def delete_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleDeleted:
        """Delete Points Rule: `DELETE /v1/points_programs/{program_id}/rules/{rule_id}` (deletePointsRule)."""
        return self._client._call(
            "DELETE",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleDeleted,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def delete_tiers(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Delete Points Tiers: `DELETE /v1/points_programs/{program_id}/tiers` (deletePointsTiers)."""
        return self._client._call(
            "DELETE",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_member(
        self,
        program_id: str,
        member_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.MemberOut:
        """Get Points Member: `GET /v1/points_programs/{program_id}/members/{member_id}` (getPointsMember)."""
        return self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/members/{member_id}", program_id=program_id, member_id=member_id),
            models.MemberOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_program(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Get Points Program: `GET /v1/points_programs/{program_id}` (getPointsProgram)."""
        return self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}", program_id=program_id),
            models.ProgramOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Get Points Rule: `GET /v1/points_programs/{program_id}/rules/{rule_id}` (getPointsRule)."""
        return self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_tiers(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Get Points Tiers: `GET /v1/points_programs/{program_id}/tiers` (getPointsTiers)."""
        return self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_transaction(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Get Points Transaction: `GET /v1/points_transactions/{ptx_id}` (getPointsTransaction)."""
        return self._client._call(
            "GET",
            path("/v1/points_transactions/{ptx_id}", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_activities(
        self,
        program_id: str,
        *,
        member_id: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ActivityOut]:
        """List Points Activities: `GET /v1/points_programs/{program_id}/activities` (listPointsActivities).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/points_programs/{program_id}/activities", program_id=program_id),
            models.ActivityList,
            given({"member_id": member_id, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_members(
        self,
        program_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.MemberOut]:
        """List Points Members: `GET /v1/points_programs/{program_id}/members` (listPointsMembers).

        The program's members with their balances, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/points_programs/{program_id}/members", program_id=program_id),
            models.MemberList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_programs(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.ProgramOut]:
        """List Points Programs: `GET /v1/points_programs` (listPointsPrograms).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/points_programs",
            models.ProgramList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_rules(
        self,
        program_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.RuleOut]:
        """List Points Rules: `GET /v1/points_programs/{program_id}/rules` (listPointsRules).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/points_programs/{program_id}/rules", program_id=program_id),
            models.RuleList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_transactions(
        self,
        program_id: str,
        member_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.TransactionOut]:
        """List Points Transactions: `GET /v1/points_programs/{program_id}/members/{member_id}/transactions`
        (listPointsTransactions).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/transactions",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def put_member(
        self,
        program_id: str,
        member_id: str,
        *,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        country: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.MemberOut:
        """Put Points Member: `PUT /v1/points_programs/{program_id}/members/{member_id}` (putPointsMember).

        Create the member under your own user id, or replace its details (email, name, country,
        metadata; balances are untouched).
        """
        return self._client._call(
            "PUT",
            path("/v1/points_programs/{program_id}/members/{member_id}", program_id=program_id, member_id=member_id),
            models.MemberOut,
            body=given({"email": email, "name": name, "country": country, "metadata": metadata}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def put_tiers(
        self,
        program_id: str,
        *,
        tiers: builtins.list[models.Tier | Mapping[str, Any]],
        window_months: int | NotGiven | None = NOT_GIVEN,
        downgrade: Literal["immediate", "end_of_period"] | str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Put Points Tiers: `PUT /v1/points_programs/{program_id}/tiers` (putPointsTiers).

        Set or replace the program's tiers, from points earned in the last `window_months` (null: all
        time); every member is re-evaluated at once (a job), then daily.
        """
        return self._client._call(
            "PUT",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            body=given({"tiers": tiers, "window_months": window_months, "downgrade": downgrade}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def release_credit(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Release Points Credit: `POST /v1/points_transactions/{ptx_id}/release` (releasePointsCredit).

        Make a pending credit available now, before its pending_days are over.
        """
        return self._client._call(
            "POST",
            path("/v1/points_transactions/{ptx_id}/release", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def reverse_transaction(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Reverse Points Transaction: `POST /v1/points_transactions/{ptx_id}/reverse` (reversePointsTransaction).

        Undo a credit or a debit, once, as a new transaction (docs/points.md#reversals).
        """
        return self._client._call(
            "POST",
            path("/v1/points_transactions/{ptx_id}/reverse", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def update_program(
        self,
        program_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        points_per_unit: int | NotGiven | None = NOT_GIVEN,
        expiry: models.Expiry | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        pending_days: int | NotGiven | None = NOT_GIVEN,
        funding: Literal["on_redemption", "prefunded"] | str | NotGiven | None = NOT_GIVEN,
        allow_negative: bool | NotGiven | None = NOT_GIVEN,
        expiring_notice_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Update Points Program: `PATCH /v1/points_programs/{program_id}` (updatePointsProgram).

        Change a program. `name`, `expiry`, `pending_days`, `allow_negative` and `expiring_notice_days`
        may change at any time (a new expiry or pending_days applies to later credits); `currency`,
        `points_per_unit` and `funding` only until the first credit (409 `program_locked`).
        """
        return self._client._call(
            "PATCH",
            path("/v1/points_programs/{program_id}", program_id=program_id),
            models.ProgramOut,
            body=given({
                "name": name,
                "currency": currency,
                "points_per_unit": points_per_unit,
                "expiry": expiry,
                "pending_days": pending_days,
                "funding": funding,
                "allow_negative": allow_negative,
                "expiring_notice_days": expiring_notice_days,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def update_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        event_type: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        points: models.RulePoints | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        conditions: builtins.list[models.Condition | Mapping[str, Any]] | NotGiven | None = NOT_GIVEN,
        daily_cap: int | NotGiven | None = NOT_GIVEN,
        monthly_cap: int | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Update Points Rule: `PATCH /v1/points_programs/{program_id}/rules/{rule_id}` (updatePointsRule).

        Change a rule; it applies to activities recorded from then on (earlier credits stay).
        """
        return self._client._call(
            "PATCH",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleOut,
            body=given({
                "event_type": event_type,
                "description": description,
                "points": points,
                "conditions": conditions,
                "daily_cap": daily_cap,
                "monthly_cap": monthly_cap,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncRewardPointsResource:
    """Reward points."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create_activity(
        self,
        program_id: str,
        *,
        member_id: str,
        event_type: str,
        reference: str,
        properties: dict[str, str | int | Decimal | bool] | NotGiven = NOT_GIVEN,
        occurred_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ActivityOut:
        """Create Points Activity: `POST /v1/points_programs/{program_id}/activities` (createPointsActivity).

        Report what a member did; every matching rule credits its points (capped), in one transaction.
        An activity no rule matches is recorded with no credits. The same `reference` with the same body
        answers the first activity (`Idempotent-Replayed: true`); with another body, 409 `reference_reused`.
        """
        return await self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/activities", program_id=program_id),
            models.ActivityOut,
            body=given({
                "member_id": member_id,
                "event_type": event_type,
                "reference": reference,
                "properties": properties,
                "occurred_at": occurred_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create_credit(
        self,
        program_id: str,
        member_id: str,
        *,
        points: int,
        reference: str,
        reason: str | NotGiven | None = NOT_GIVEN,
        expires_at: datetime | str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Create Points Credit: `POST /v1/points_programs/{program_id}/members/{member_id}/credits`
        (createPointsCredit).

        Credit points to the member: a new lot, pending for the program's `pending_days`, expiring by the
        program's rule or at `expires_at`. The same `reference` with the same body replays the first credit.
        """
        return await self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/credits",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionOut,
            body=given({
                "points": points,
                "reference": reference,
                "reason": reason,
                "expires_at": expires_at,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def create_credit_batch(
        self,
        program_id: str,
        *,
        credits: builtins.list[dict[str, Any] | Any],
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.CreditBatchOut:
        """Create Points Credit Batch: `POST /v1/points_programs/{program_id}/credits/batch`
        (createPointsCreditBatch).

        Credit up to 1,000 members at once (a campaign). Each item is credited or refused for its own
        reason (the problem its single credit would answer; an unknown member is refused, never created);
        failed items do not stop the others. 200 whenever the batch itself is valid, even if every item
        failed: read `credited`, `failed` and each item's `status`.
        """
        return await self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/credits/batch", program_id=program_id),
            models.CreditBatchOut,
            body=given({"credits": credits}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def create_debit(
        self,
        program_id: str,
        member_id: str,
        *,
        points: int,
        reference: str,
        reason: str | NotGiven | None = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Create Points Debit: `POST /v1/points_programs/{program_id}/members/{member_id}/debits`
        (createPointsDebit).

        Take points from the member's available balance, soonest-expiring lots first. More than the
        member has is 422 `insufficient_points`, and nothing is written.
        """
        return await self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/debits",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionOut,
            body=given({"points": points, "reference": reference, "reason": reason}),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def create_program(
        self,
        *,
        name: str,
        currency: str,
        points_per_unit: int,
        expiry: models.Expiry | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        pending_days: int | NotGiven = NOT_GIVEN,
        funding: Literal["on_redemption", "prefunded"] | str | NotGiven = NOT_GIVEN,
        allow_negative: bool | NotGiven = NOT_GIVEN,
        expiring_notice_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Create Points Program: `POST /v1/points_programs` (createPointsProgram).

        Start a points program: its points are a ledger asset of their own (`asset`, precision 0).
        """
        return await self._client._call(
            "POST",
            "/v1/points_programs",
            models.ProgramOut,
            body=given({
                "name": name,
                "currency": currency,
                "points_per_unit": points_per_unit,
                "expiry": expiry,
                "pending_days": pending_days,
                "funding": funding,
                "allow_negative": allow_negative,
                "expiring_notice_days": expiring_notice_days,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create_redemption(
        self,
        program_id: str,
        member_id: str,
        *,
        product_id: str,
        denomination: Decimal | int | str,
        currency: str,
        country: str | NotGiven | None = NOT_GIVEN,
        recipient: models.Recipient | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.PointsRedemptionOut:
        """Create Points Redemption: `POST /v1/points_programs/{program_id}/members/{member_id}/redemptions`
        (createPointsRedemption).

        Spend the member's points on an order from the catalog, in one step: the points (denomination x
        points_per_unit, whole: no rounding) are debited from the lots soonest expiring first and the order
        is booked in the same transaction, paid by the org's wallet (`on_redemption`) or by the program's
        backing account (`prefunded`). If the order fails or is canceled, the points come back as a
        reversal of the debit (`returned`). 200 once the order is final, 202 while it is being fulfilled.
        """
        return await self._client._call(
            "POST",
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/redemptions",
                program_id=program_id, member_id=member_id,
            ),
            models.PointsRedemptionOut,
            body=given({
                "product_id": product_id,
                "denomination": denomination,
                "currency": currency,
                "country": country,
                "recipient": recipient,
                "metadata": metadata,
            }),
            headers={**{"Idempotency-Key": idempotency_key}, **(extra_headers or {})},
            repeatable=True,
        )

    async def create_rule(
        self,
        program_id: str,
        *,
        event_type: str,
        points: models.RulePoints | Mapping[str, Any],
        description: str | NotGiven | None = NOT_GIVEN,
        conditions: builtins.list[models.Condition | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
        daily_cap: int | NotGiven | None = NOT_GIVEN,
        monthly_cap: int | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Create Points Rule: `POST /v1/points_programs/{program_id}/rules` (createPointsRule).

        Say what an activity of `event_type` earns: `{"fixed": 50}` or `{"per_unit": {"property":
        "amount", "points": 2, "per": 1}}` (rounded down to a whole point), when every condition holds, inside
        [`starts_at`, `ends_at`), at most `daily_cap` / `monthly_cap` points per member per UTC day / month.
        """
        return await self._client._call(
            "POST",
            path("/v1/points_programs/{program_id}/rules", program_id=program_id),
            models.RuleOut,
            body=given({
                "event_type": event_type,
                "points": points,
                "description": description,
                "conditions": conditions,
                "daily_cap": daily_cap,
                "monthly_cap": monthly_cap,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def delete_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleDeleted:
        """Delete Points Rule: `DELETE /v1/points_programs/{program_id}/rules/{rule_id}` (deletePointsRule)."""
        return await self._client._call(
            "DELETE",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleDeleted,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def delete_tiers(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Delete Points Tiers: `DELETE /v1/points_programs/{program_id}/tiers` (deletePointsTiers)."""
        return await self._client._call(
            "DELETE",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_member(
        self,
        program_id: str,
        member_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.MemberOut:
        """Get Points Member: `GET /v1/points_programs/{program_id}/members/{member_id}` (getPointsMember)."""
        return await self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/members/{member_id}", program_id=program_id, member_id=member_id),
            models.MemberOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_program(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Get Points Program: `GET /v1/points_programs/{program_id}` (getPointsProgram)."""
        return await self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}", program_id=program_id),
            models.ProgramOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Get Points Rule: `GET /v1/points_programs/{program_id}/rules/{rule_id}` (getPointsRule)."""
        return await self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_tiers(
        self,
        program_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Get Points Tiers: `GET /v1/points_programs/{program_id}/tiers` (getPointsTiers)."""
        return await self._client._call(
            "GET",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_transaction(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Get Points Transaction: `GET /v1/points_transactions/{ptx_id}` (getPointsTransaction)."""
        return await self._client._call(
            "GET",
            path("/v1/points_transactions/{ptx_id}", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_activities(
        self,
        program_id: str,
        *,
        member_id: str | NotGiven | None = NOT_GIVEN,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ActivityOut]:
        """List Points Activities: `GET /v1/points_programs/{program_id}/activities` (listPointsActivities).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/points_programs/{program_id}/activities", program_id=program_id),
            models.ActivityList,
            given({"member_id": member_id, "cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_members(
        self,
        program_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.MemberOut]:
        """List Points Members: `GET /v1/points_programs/{program_id}/members` (listPointsMembers).

        The program's members with their balances, newest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/points_programs/{program_id}/members", program_id=program_id),
            models.MemberList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_programs(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.ProgramOut]:
        """List Points Programs: `GET /v1/points_programs` (listPointsPrograms).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/points_programs",
            models.ProgramList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_rules(
        self,
        program_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.RuleOut]:
        """List Points Rules: `GET /v1/points_programs/{program_id}/rules` (listPointsRules).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/points_programs/{program_id}/rules", program_id=program_id),
            models.RuleList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_transactions(
        self,
        program_id: str,
        member_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.TransactionOut]:
        """List Points Transactions: `GET /v1/points_programs/{program_id}/members/{member_id}/transactions`
        (listPointsTransactions).

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path(
                "/v1/points_programs/{program_id}/members/{member_id}/transactions",
                program_id=program_id, member_id=member_id,
            ),
            models.TransactionList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def put_member(
        self,
        program_id: str,
        member_id: str,
        *,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        country: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.MemberOut:
        """Put Points Member: `PUT /v1/points_programs/{program_id}/members/{member_id}` (putPointsMember).

        Create the member under your own user id, or replace its details (email, name, country,
        metadata; balances are untouched).
        """
        return await self._client._call(
            "PUT",
            path("/v1/points_programs/{program_id}/members/{member_id}", program_id=program_id, member_id=member_id),
            models.MemberOut,
            body=given({"email": email, "name": name, "country": country, "metadata": metadata}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def put_tiers(
        self,
        program_id: str,
        *,
        tiers: builtins.list[models.Tier | Mapping[str, Any]],
        window_months: int | NotGiven | None = NOT_GIVEN,
        downgrade: Literal["immediate", "end_of_period"] | str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TiersOut:
        """Put Points Tiers: `PUT /v1/points_programs/{program_id}/tiers` (putPointsTiers).

        Set or replace the program's tiers, from points earned in the last `window_months` (null: all
        time); every member is re-evaluated at once (a job), then daily.
        """
        return await self._client._call(
            "PUT",
            path("/v1/points_programs/{program_id}/tiers", program_id=program_id),
            models.TiersOut,
            body=given({"tiers": tiers, "window_months": window_months, "downgrade": downgrade}),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def release_credit(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Release Points Credit: `POST /v1/points_transactions/{ptx_id}/release` (releasePointsCredit).

        Make a pending credit available now, before its pending_days are over.
        """
        return await self._client._call(
            "POST",
            path("/v1/points_transactions/{ptx_id}/release", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def reverse_transaction(
        self,
        ptx_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.TransactionOut:
        """Reverse Points Transaction: `POST /v1/points_transactions/{ptx_id}/reverse` (reversePointsTransaction).

        Undo a credit or a debit, once, as a new transaction (docs/points.md#reversals).
        """
        return await self._client._call(
            "POST",
            path("/v1/points_transactions/{ptx_id}/reverse", ptx_id=ptx_id),
            models.TransactionOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def update_program(
        self,
        program_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        currency: str | NotGiven | None = NOT_GIVEN,
        points_per_unit: int | NotGiven | None = NOT_GIVEN,
        expiry: models.Expiry | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        pending_days: int | NotGiven | None = NOT_GIVEN,
        funding: Literal["on_redemption", "prefunded"] | str | NotGiven | None = NOT_GIVEN,
        allow_negative: bool | NotGiven | None = NOT_GIVEN,
        expiring_notice_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ProgramOut:
        """Update Points Program: `PATCH /v1/points_programs/{program_id}` (updatePointsProgram).

        Change a program. `name`, `expiry`, `pending_days`, `allow_negative` and `expiring_notice_days`
        may change at any time (a new expiry or pending_days applies to later credits); `currency`,
        `points_per_unit` and `funding` only until the first credit (409 `program_locked`).
        """
        return await self._client._call(
            "PATCH",
            path("/v1/points_programs/{program_id}", program_id=program_id),
            models.ProgramOut,
            body=given({
                "name": name,
                "currency": currency,
                "points_per_unit": points_per_unit,
                "expiry": expiry,
                "pending_days": pending_days,
                "funding": funding,
                "allow_negative": allow_negative,
                "expiring_notice_days": expiring_notice_days,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def update_rule(
        self,
        program_id: str,
        rule_id: str,
        *,
        event_type: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        points: models.RulePoints | Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        conditions: builtins.list[models.Condition | Mapping[str, Any]] | NotGiven | None = NOT_GIVEN,
        daily_cap: int | NotGiven | None = NOT_GIVEN,
        monthly_cap: int | NotGiven | None = NOT_GIVEN,
        starts_at: datetime | str | NotGiven | None = NOT_GIVEN,
        ends_at: datetime | str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.RuleOut:
        """Update Points Rule: `PATCH /v1/points_programs/{program_id}/rules/{rule_id}` (updatePointsRule).

        Change a rule; it applies to activities recorded from then on (earlier credits stay).
        """
        return await self._client._call(
            "PATCH",
            path("/v1/points_programs/{program_id}/rules/{rule_id}", program_id=program_id, rule_id=rule_id),
            models.RuleOut,
            body=given({
                "event_type": event_type,
                "description": description,
                "points": points,
                "conditions": conditions,
                "daily_cap": daily_cap,
                "monthly_cap": monthly_cap,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class SessionsResource:
    """Sessions."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SessionOut:
        """Get Session: `GET /v1/session` (getSession).

        The calling session: its kind, subject (member, link or user), scopes and expiry. For hosted
        pages and their headless APIs; an API key is refused here (403 `principal_not_allowed`).
        """
        return self._client._call(
            "GET",
            "/v1/session",
            models.SessionOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class AsyncSessionsResource:
    """Sessions."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SessionOut:
        """Get Session: `GET /v1/session` (getSession).

        The calling session: its kind, subject (member, link or user), scopes and expiry. For hosted
        pages and their headless APIs; an API key is refused here (403 `principal_not_allowed`).
        """
        return await self._client._call(
            "GET",
            "/v1/session",
            models.SessionOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class StorefrontResource:
    """Storefront."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create_session(
        self,
        *,
        member_id: str,
        return_url: str,
        refresh_url: str,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        country: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SessionLinkOut:
        """Create Storefront Session: `POST /v1/storefront/sessions` (createStorefrontSession).

        Sign your user in to the store (the recommended way): the member is created or updated from
        `email`, `name` and `country`; send the browser (top-level) to `url` at once. A used or expired URL
        sends the browser to `refresh_url`, where your server makes a new one.
        """
        return self._client._call(
            "POST",
            "/v1/storefront/sessions",
            models.SessionLinkOut,
            body=given({
                "member_id": member_id,
                "return_url": return_url,
                "refresh_url": refresh_url,
                "email": email,
                "name": name,
                "country": country,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def create_sso_secret(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretOut:
        """Create Storefront Sso Secret: `POST /v1/storefront/sso_secrets` (createStorefrontSsoSecret).

        A secret to sign HS256 sign-in JWTs with. Two may be active at once (a rotation: create the new
        one, sign with it, then retire the old one).
        """
        return self._client._call(
            "POST",
            "/v1/storefront/sso_secrets",
            models.SsoSecretOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def delete_sso_secret(
        self,
        secret_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretOut:
        """Delete Storefront Sso Secret: `DELETE /v1/storefront/sso_secrets/{secret_id}` (deleteStorefrontSsoSecret)."""
        return self._client._call(
            "DELETE",
            path("/v1/storefront/sso_secrets/{secret_id}", secret_id=secret_id),
            models.SsoSecretOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StorefrontOut:
        """Get Storefront: `GET /v1/storefront` (getStorefront)."""
        return self._client._call(
            "GET",
            "/v1/storefront",
            models.StorefrontOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_sso_secrets(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretList:
        """List Storefront Sso Secrets: `GET /v1/storefront/sso_secrets` (listStorefrontSsoSecrets)."""
        return self._client._call(
            "GET",
            "/v1/storefront/sso_secrets",
            models.SsoSecretList,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def put(
        self,
        *,
        program_id: str,
        title: str,
        allowed_return_origins: builtins.list[str],
        slug: str | NotGiven | None = NOT_GIVEN,
        branding: models.BrandingOverride | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        allowed_frame_ancestors: builtins.list[str] | NotGiven = NOT_GIVEN,
        categories: models.Filter | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        products: models.Filter | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        sso: models.SsoSettings | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StorefrontOut:
        """Put Storefront: `PUT /v1/storefront` (putStorefront).

        Configure the store of this mode (one per org and mode): every setting is replaced, except the
        slug, which is kept when omitted. The answer carries the store's `slug` and `sso_audience`.
        """
        return self._client._call(
            "PUT",
            "/v1/storefront",
            models.StorefrontOut,
            body=given({
                "program_id": program_id,
                "title": title,
                "allowed_return_origins": allowed_return_origins,
                "slug": slug,
                "branding": branding,
                "allowed_frame_ancestors": allowed_frame_ancestors,
                "categories": categories,
                "products": products,
                "sso": sso,
            }),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class AsyncStorefrontResource:
    """Storefront."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create_session(
        self,
        *,
        member_id: str,
        return_url: str,
        refresh_url: str,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        country: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SessionLinkOut:
        """Create Storefront Session: `POST /v1/storefront/sessions` (createStorefrontSession).

        Sign your user in to the store (the recommended way): the member is created or updated from
        `email`, `name` and `country`; send the browser (top-level) to `url` at once. A used or expired URL
        sends the browser to `refresh_url`, where your server makes a new one.
        """
        return await self._client._call(
            "POST",
            "/v1/storefront/sessions",
            models.SessionLinkOut,
            body=given({
                "member_id": member_id,
                "return_url": return_url,
                "refresh_url": refresh_url,
                "email": email,
                "name": name,
                "country": country,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def create_sso_secret(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretOut:
        """Create Storefront Sso Secret: `POST /v1/storefront/sso_secrets` (createStorefrontSsoSecret).

        A secret to sign HS256 sign-in JWTs with. Two may be active at once (a rotation: create the new
        one, sign with it, then retire the old one).
        """
        return await self._client._call(
            "POST",
            "/v1/storefront/sso_secrets",
            models.SsoSecretOut,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def delete_sso_secret(
        self,
        secret_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretOut:
        """Delete Storefront Sso Secret: `DELETE /v1/storefront/sso_secrets/{secret_id}` (deleteStorefrontSsoSecret)."""
        return await self._client._call(
            "DELETE",
            path("/v1/storefront/sso_secrets/{secret_id}", secret_id=secret_id),
            models.SsoSecretOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StorefrontOut:
        """Get Storefront: `GET /v1/storefront` (getStorefront)."""
        return await self._client._call(
            "GET",
            "/v1/storefront",
            models.StorefrontOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_sso_secrets(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.SsoSecretList:
        """List Storefront Sso Secrets: `GET /v1/storefront/sso_secrets` (listStorefrontSsoSecrets)."""
        return await self._client._call(
            "GET",
            "/v1/storefront/sso_secrets",
            models.SsoSecretList,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def put(
        self,
        *,
        program_id: str,
        title: str,
        allowed_return_origins: builtins.list[str],
        slug: str | NotGiven | None = NOT_GIVEN,
        branding: models.BrandingOverride | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        allowed_frame_ancestors: builtins.list[str] | NotGiven = NOT_GIVEN,
        categories: models.Filter | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        products: models.Filter | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        sso: models.SsoSettings | Mapping[str, Any] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.StorefrontOut:
        """Put Storefront: `PUT /v1/storefront` (putStorefront).

        Configure the store of this mode (one per org and mode): every setting is replaced, except the
        slug, which is kept when omitted. The answer carries the store's `slug` and `sso_audience`.
        """
        return await self._client._call(
            "PUT",
            "/v1/storefront",
            models.StorefrontOut,
            body=given({
                "program_id": program_id,
                "title": title,
                "allowed_return_origins": allowed_return_origins,
                "slug": slug,
                "branding": branding,
                "allowed_frame_ancestors": allowed_frame_ancestors,
                "categories": categories,
                "products": products,
                "sso": sso,
            }),
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class SystemResource:
    """System."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def healthz(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.Health:
        """Healthz: `GET /healthz` (healthz).

        The process is alive.
        """
        return self._client._call(
            "GET",
            "/healthz",
            models.Health,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def readyz(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.Ready:
        """Readyz: `GET /readyz` (readyz).

        The database answers and its schema is at the latest migration.
        """
        return self._client._call(
            "GET",
            "/readyz",
            models.Ready,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class AsyncSystemResource:
    """System."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def healthz(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.Health:
        """Healthz: `GET /healthz` (healthz).

        The process is alive.
        """
        return await self._client._call(
            "GET",
            "/healthz",
            models.Health,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def readyz(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.Ready:
        """Readyz: `GET /readyz` (readyz).

        The database answers and its schema is at the latest migration.
        """
        return await self._client._call(
            "GET",
            "/readyz",
            models.Ready,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )


class VersionsResource:
    """Versions."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list_api(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ApiVersionList:
        """List Api Versions: `GET /v1/versions` (listApiVersions).

        Every API version, newest first, with what each changed (machine-readable; docs/changelog.md
        says the same for people). Public: no credential is needed. Always in the latest shape.
        """
        return self._client._call(
            "GET",
            "/v1/versions",
            models.ApiVersionList,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def update_api_key(
        self,
        key_id: str,
        *,
        api_version: Literal["2026-11-01", "2026-12-01"] | str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ApiKeyOut:
        """Update Api Key: `POST /v1/api_keys/{key_id}` (updateApiKey).

        Pin an API key (this one, or another active key of its org and mode) to a version: its requests
        without a Rewardkit-Version header get that version's shapes from the next request on (other
        processes within api_key_cache_seconds). Upgrade on your timeline: try the new version with the
        header first, then move the pin.
        """
        return self._client._call(
            "POST",
            path("/v1/api_keys/{key_id}", key_id=key_id),
            models.ApiKeyOut,
            body=given({"api_version": api_version}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncVersionsResource:
    """Versions."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list_api(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ApiVersionList:
        """List Api Versions: `GET /v1/versions` (listApiVersions).

        Every API version, newest first, with what each changed (machine-readable; docs/changelog.md
        says the same for people). Public: no credential is needed. Always in the latest shape.
        """
        return await self._client._call(
            "GET",
            "/v1/versions",
            models.ApiVersionList,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def update_api_key(
        self,
        key_id: str,
        *,
        api_version: Literal["2026-11-01", "2026-12-01"] | str,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.ApiKeyOut:
        """Update Api Key: `POST /v1/api_keys/{key_id}` (updateApiKey).

        Pin an API key (this one, or another active key of its org and mode) to a version: its requests
        without a Rewardkit-Version header get that version's shapes from the next request on (other
        processes within api_key_cache_seconds). Upgrade on your timeline: try the new version with the
        header first, then move the pin.
        """
        return await self._client._call(
            "POST",
            path("/v1/api_keys/{key_id}", key_id=key_id),
            models.ApiKeyOut,
            body=given({"api_version": api_version}),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class WebhooksResource:
    """Webhooks."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create_endpoint(
        self,
        *,
        url: str,
        enabled_events: builtins.list[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        ordered: bool | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Create Endpoint: `POST /v1/webhook_endpoints` (createWebhookEndpoint).

        Register a URL to receive events. The `secret` (whsec_…) is shown only in this response.
        """
        return self._client._call(
            "POST",
            "/v1/webhook_endpoints",
            models.EndpointOut,
            body=given({
                "url": url,
                "enabled_events": enabled_events,
                "description": description,
                "enabled": enabled,
                "ordered": ordered,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def delete_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointDeleted:
        """Delete Endpoint: `DELETE /v1/webhook_endpoints/{endpoint_id}` (deleteWebhookEndpoint)."""
        return self._client._call(
            "DELETE",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointDeleted,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def get_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Get Endpoint: `GET /v1/webhook_endpoints/{endpoint_id}` (getWebhookEndpoint)."""
        return self._client._call(
            "GET",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    def list_deliveries(
        self,
        endpoint_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.DeliveryOut]:
        """List Deliveries: `GET /v1/webhook_endpoints/{endpoint_id}/deliveries` (listWebhookDeliveries).

        Every delivery to this endpoint, newest first, with each attempt's status, latency and response excerpt.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            path("/v1/webhook_endpoints/{endpoint_id}/deliveries", endpoint_id=endpoint_id),
            models.DeliveryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def list_endpoints(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> SyncPage[models.EndpointOut]:
        """List Endpoints: `GET /v1/webhook_endpoints` (listWebhookEndpoints).

        The org's endpoints in this mode, oldest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return self._client._page(
            "/v1/webhook_endpoints",
            models.EndpointList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    def rotate_secret(
        self,
        endpoint_id: str,
        *,
        overlap_hours: Decimal | int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Rotate Secret: `POST /v1/webhook_endpoints/{endpoint_id}/rotate_secret` (rotateWebhookSecret).

        A new secret, shown once. The old one keeps signing beside it for `overlap_hours` (default 24):
        during the overlap every delivery carries both signatures.
        """
        return self._client._call(
            "POST",
            path("/v1/webhook_endpoints/{endpoint_id}/rotate_secret", endpoint_id=endpoint_id),
            models.EndpointOut,
            body=given({"overlap_hours": overlap_hours}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def test_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.DeliveryQueued:
        """Test Endpoint: `POST /v1/webhook_endpoints/{endpoint_id}/test` (testWebhookEndpoint).

        Send a `webhook.test` event to this endpoint now.
        """
        return self._client._call(
            "POST",
            path("/v1/webhook_endpoints/{endpoint_id}/test", endpoint_id=endpoint_id),
            models.DeliveryQueued,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    def update_endpoint(
        self,
        endpoint_id: str,
        *,
        url: str | NotGiven | None = NOT_GIVEN,
        enabled_events: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        enabled: bool | NotGiven | None = NOT_GIVEN,
        ordered: bool | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Update Endpoint: `PATCH /v1/webhook_endpoints/{endpoint_id}` (updateWebhookEndpoint).

        Change the URL, events, description, or enable/disable it (enabling clears a disabled reason).
        """
        return self._client._call(
            "PATCH",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointOut,
            body=given({
                "url": url,
                "enabled_events": enabled_events,
                "description": description,
                "enabled": enabled,
                "ordered": ordered,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class AsyncWebhooksResource:
    """Webhooks."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create_endpoint(
        self,
        *,
        url: str,
        enabled_events: builtins.list[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        ordered: bool | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Create Endpoint: `POST /v1/webhook_endpoints` (createWebhookEndpoint).

        Register a URL to receive events. The `secret` (whsec_…) is shown only in this response.
        """
        return await self._client._call(
            "POST",
            "/v1/webhook_endpoints",
            models.EndpointOut,
            body=given({
                "url": url,
                "enabled_events": enabled_events,
                "description": description,
                "enabled": enabled,
                "ordered": ordered,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def delete_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointDeleted:
        """Delete Endpoint: `DELETE /v1/webhook_endpoints/{endpoint_id}` (deleteWebhookEndpoint)."""
        return await self._client._call(
            "DELETE",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointDeleted,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def get_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Get Endpoint: `GET /v1/webhook_endpoints/{endpoint_id}` (getWebhookEndpoint)."""
        return await self._client._call(
            "GET",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointOut,
            headers=dict(extra_headers or {}),
            repeatable=True,
        )

    async def list_deliveries(
        self,
        endpoint_id: str,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.DeliveryOut]:
        """List Deliveries: `GET /v1/webhook_endpoints/{endpoint_id}/deliveries` (listWebhookDeliveries).

        Every delivery to this endpoint, newest first, with each attempt's status, latency and response excerpt.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            path("/v1/webhook_endpoints/{endpoint_id}/deliveries", endpoint_id=endpoint_id),
            models.DeliveryList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def list_endpoints(
        self,
        *,
        cursor: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncPage[models.EndpointOut]:
        """List Endpoints: `GET /v1/webhook_endpoints` (listWebhookEndpoints).

        The org's endpoints in this mode, oldest first.

        A page; `auto_paging_iter()` walks every page with these same filters.
        """
        return await self._client._page(
            "/v1/webhook_endpoints",
            models.EndpointList,
            given({"cursor": cursor, "limit": limit}),
            dict(extra_headers or {}),
        )

    async def rotate_secret(
        self,
        endpoint_id: str,
        *,
        overlap_hours: Decimal | int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Rotate Secret: `POST /v1/webhook_endpoints/{endpoint_id}/rotate_secret` (rotateWebhookSecret).

        A new secret, shown once. The old one keeps signing beside it for `overlap_hours` (default 24):
        during the overlap every delivery carries both signatures.
        """
        return await self._client._call(
            "POST",
            path("/v1/webhook_endpoints/{endpoint_id}/rotate_secret", endpoint_id=endpoint_id),
            models.EndpointOut,
            body=given({"overlap_hours": overlap_hours}) or None,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def test_endpoint(
        self,
        endpoint_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.DeliveryQueued:
        """Test Endpoint: `POST /v1/webhook_endpoints/{endpoint_id}/test` (testWebhookEndpoint).

        Send a `webhook.test` event to this endpoint now.
        """
        return await self._client._call(
            "POST",
            path("/v1/webhook_endpoints/{endpoint_id}/test", endpoint_id=endpoint_id),
            models.DeliveryQueued,
            headers=dict(extra_headers or {}),
            repeatable=False,
        )

    async def update_endpoint(
        self,
        endpoint_id: str,
        *,
        url: str | NotGiven | None = NOT_GIVEN,
        enabled_events: builtins.list[str] | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        enabled: bool | NotGiven | None = NOT_GIVEN,
        ordered: bool | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> models.EndpointOut:
        """Update Endpoint: `PATCH /v1/webhook_endpoints/{endpoint_id}` (updateWebhookEndpoint).

        Change the URL, events, description, or enable/disable it (enabling clears a disabled reason).
        """
        return await self._client._call(
            "PATCH",
            path("/v1/webhook_endpoints/{endpoint_id}", endpoint_id=endpoint_id),
            models.EndpointOut,
            body=given({
                "url": url,
                "enabled_events": enabled_events,
                "description": description,
                "enabled": enabled,
                "ordered": ordered,
            }),
            headers=dict(extra_headers or {}),
            repeatable=False,
        )


class SyncResources:
    """The sync client's resources, one per tag."""

    def __init__(self, client: Client) -> None:
        self.balances = BalancesResource(client)
        self.branding = BrandingResource(client)
        self.catalog = CatalogResource(client)
        self.docs_assistant = DocsAssistantResource(client)
        self.email = EmailResource(client)
        self.events = EventsResource(client)
        self.inventory = InventoryResource(client)
        self.link_claims = LinkClaimsResource(client)
        self.orders = OrdersResource(client)
        self.reconciliation = ReconciliationResource(client)
        self.reports = ReportsResource(client)
        self.reward_links = RewardLinksResource(client)
        self.reward_points = RewardPointsResource(client)
        self.sessions = SessionsResource(client)
        self.storefront = StorefrontResource(client)
        self.system = SystemResource(client)
        self.versions = VersionsResource(client)
        self.webhooks = WebhooksResource(client)


class AsyncResources:
    """The async client's resources, one per tag."""

    def __init__(self, client: AsyncClient) -> None:
        self.balances = AsyncBalancesResource(client)
        self.branding = AsyncBrandingResource(client)
        self.catalog = AsyncCatalogResource(client)
        self.docs_assistant = AsyncDocsAssistantResource(client)
        self.email = AsyncEmailResource(client)
        self.events = AsyncEventsResource(client)
        self.inventory = AsyncInventoryResource(client)
        self.link_claims = AsyncLinkClaimsResource(client)
        self.orders = AsyncOrdersResource(client)
        self.reconciliation = AsyncReconciliationResource(client)
        self.reports = AsyncReportsResource(client)
        self.reward_links = AsyncRewardLinksResource(client)
        self.reward_points = AsyncRewardPointsResource(client)
        self.sessions = AsyncSessionsResource(client)
        self.storefront = AsyncStorefrontResource(client)
        self.system = AsyncSystemResource(client)
        self.versions = AsyncVersionsResource(client)
        self.webhooks = AsyncWebhooksResource(client)
