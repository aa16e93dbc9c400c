"""Request and response bodies of the storefront API (docs/storefront.md)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import Field, field_validator

from rewardkit.kit.responses import ListObject, ResponseModel
from rewardkit.kit.schemas import RequestModel

MEMBER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"  # as points members' ids
# Lower-case letters, digits and inner dashes, 3 to 40 characters; a test store's slug is "test-" + it.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$"
FILTER_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
MAX_ORIGINS = 20
MAX_FILTER = 200
Algorithm = Literal["HS256", "RS256", "ES256", "EdDSA"]


class BrandingOverride(RequestModel):
    """Fields of the org's branding (PATCH /v1/branding) this store shows differently; null: the org's."""

    display_name: str | None = Field(default=None, max_length=100)
    logo_url: str | None = Field(default=None, max_length=2048)
    accent_color: str | None = Field(default=None, max_length=7)
    support_email: str | None = Field(default=None, max_length=254)


class Filter(RequestModel):
    include: list[str] = Field(default_factory=list, max_length=MAX_FILTER, description="Only these (empty: all)")
    exclude: list[str] = Field(default_factory=list, max_length=MAX_FILTER, description="Never these")

    @field_validator("include", "exclude")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:

        for item in v:
            if not re.fullmatch(FILTER_ID, item):
                raise ValueError(f"{item[:70]!r} is not an id (letters, digits, _ . : -, at most 64)")
        return list(dict.fromkeys(v))


class SsoSettings(RequestModel):
    jwks_url: str | None = Field(
        default=None,
        max_length=2048,
        description="Your JWKS (RS256, ES256, EdDSA); null: HS256 with the store's SSO secrets",
    )
    algorithms: list[Algorithm] | None = Field(
        default=None,
        min_length=1,
        max_length=4,
        description="Accepted `alg`s; default HS256 without jwks_url, RS256 ES256 EdDSA with it (HS256 never with it)",
    )


class StorefrontPut(RequestModel):
    program_id: str = Field(max_length=40, description="The points program whose points members spend")
    title: str = Field(min_length=1, max_length=100)
    slug: str | None = Field(
        default=None,
        pattern=SLUG_PATTERN,
        description="In the store's URLs (test mode adds `test-`); omitted: kept, or made from the title",
    )
    branding: BrandingOverride = Field(default_factory=BrandingOverride)
    allowed_return_origins: list[str] = Field(min_length=1, max_length=MAX_ORIGINS)
    allowed_frame_ancestors: list[str] = Field(default_factory=list, max_length=MAX_ORIGINS)
    categories: Filter = Field(default_factory=Filter)
    products: Filter = Field(default_factory=Filter)
    sso: SsoSettings = Field(default_factory=SsoSettings)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v or not v.isprintable():
            raise ValueError("must be 1 to 100 printable characters")
        return v


class SessionCreate(RequestModel):
    member_id: str = Field(pattern=MEMBER_ID_PATTERN, description="Your user's id: the points member")
    email: str | None = Field(default=None, max_length=254)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: str | None = Field(default=None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    return_url: str = Field(max_length=2048, description="Where 'back' and 'sign out' go; an allowed origin")
    refresh_url: str = Field(
        max_length=2048, description="Where an expired or used link sends the browser, to make a new one"
    )

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            return str(validate_email(v, check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid email address: {exc}") from None

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if pycountry.countries.get(alpha_2=v.upper()) is None:
            raise ValueError("not an ISO 3166-1 alpha-2 country code")
        return v.upper()


# --- responses ------------------------------------------------------------------------------------------


class BrandingOverrideOut(ResponseModel):
    display_name: str | None
    logo_url: str | None
    accent_color: str | None
    support_email: str | None


class FilterOut(ResponseModel):
    include: list[str]
    exclude: list[str]


class SsoOut(ResponseModel):
    jwks_url: str | None
    algorithms: list[str]
    audience: str = Field(description="The `aud` every sign-in JWT of this store must carry")
    url: str = Field(description="Where to send the browser with `?token=<JWT>`")


class StorefrontOut(ResponseModel):
    id: str
    object: Literal["storefront"] = "storefront"
    livemode: bool
    slug: str
    url: str = Field(description="The store's home page (a member needs a session: session link or JWT)")
    program_id: str
    title: str
    branding: BrandingOverrideOut
    allowed_return_origins: list[str]
    allowed_frame_ancestors: list[str]
    categories: FilterOut
    products: FilterOut
    sso: SsoOut
    sso_audience: str = Field(description="The same as sso.audience")
    created_at: datetime
    updated_at: datetime


class SessionLinkOut(ResponseModel):
    object: Literal["storefront_session"] = "storefront_session"
    url: str = Field(description="Single use; send the browser there (top-level) before expires_at")
    expires_at: datetime
    member_id: str


class SsoSecretOut(ResponseModel):
    id: str = Field(description="Also the `kid` a token may name (optional with HS256)")
    object: Literal["storefront_sso_secret"] = "storefront_sso_secret"
    livemode: bool
    secret: str | None = Field(description="Only in the answer that creates it; null everywhere else")
    redacted: str
    created_at: datetime
    retired_at: datetime | None


class SsoSecretList(ListObject):
    data: list[SsoSecretOut]
