"""Request and response bodies of the auth domain: branding (docs/branding.md), sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, JsonValue

from rewardkit.kit import versioning
from rewardkit.kit.responses import ListObject, ResponseModel
from rewardkit.kit.schemas import RequestModel

BRANDING_EXAMPLE: dict[str, Any] = {
    "object": "branding",
    "org_id": "org_01m8ag0q7y",
    "display_name": "Acme Rewards",
    "logo_url": "https://cdn.acme.example/logo.png",
    "accent_color": "#1a73e8",
    "accent_text_color": "#ffffff",
    "support_email": "help@acme.example",
}


class BrandingUpdate(RequestModel):
    """Only the fields sent change; `null` clears one (the hosted pages then use the default)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"display_name": "Acme Rewards", "accent_color": "#1a73e8"}]}
    )

    display_name: str | None = Field(
        default=None, max_length=200, description="Shown in the header of hosted pages; default: the org name"
    )
    logo_url: str | None = Field(
        default=None, max_length=2048, description="A public https URL of the logo (a host name, not an IP address)"
    )
    accent_color: str | None = Field(
        default=None, max_length=20, description="#rrggbb; the text colour on it is chosen for contrast"
    )
    support_email: str | None = Field(default=None, max_length=320, description="Shown in the footer of hosted pages")


class BrandingOut(ResponseModel):
    model_config = ConfigDict(**ResponseModel.model_config, json_schema_extra={"examples": [dict(BRANDING_EXAMPLE)]})

    object: Literal["branding"] = "branding"
    org_id: str
    display_name: str | None
    logo_url: str | None
    accent_color: str | None
    accent_text_color: str = Field(description="White or near-black, whichever reads better on the accent colour")
    support_email: str | None


class SessionOut(ResponseModel):
    """A signed-in session (auth/principals.py): never an API key, never the token itself."""

    id: str
    object: Literal["session"] = "session"
    kind: Literal["member_session", "link_visitor", "dashboard_user"]
    livemode: bool
    subject: str
    scopes: list[str]
    expires_at: datetime
    created_at: datetime


API_KEY_EXAMPLE: dict[str, Any] = {
    "id": "key_01m8ag0q7y",
    "object": "api_key",
    "livemode": False,
    "redacted": "sk_test_…a1b2",
    "api_version": versioning.LATEST,
    "created_at": "2026-11-20T09:30:00Z",
}

# What GET /v1/versions answers, shortened (the endpoint reads kit/versioning.py's registry; the
# domains register their changes when their modules load, after this one).
VERSIONS_EXAMPLE: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "2026-12-01",
            "object": "api_version",
            "released": "2026-12-01",
            "latest": True,
            "changes": [
                {
                    "resource": "order",
                    "description": "An order states each fact once: `order_id` and `denomination` are removed.",
                    "breaking": True,
                    "fields": ["order_id", "denomination"],
                }
            ],
        },
        {"id": "2026-11-01", "object": "api_version", "released": "2026-11-01", "latest": False, "changes": []},
    ],
    "has_more": False,
    "next_cursor": None,
}


class ApiKeyUpdate(RequestModel):
    """Pin the key to another API version: its requests without a Rewardkit-Version header get it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"api_version": versioning.LATEST}]})

    api_version: str = Field(
        max_length=10,
        description="A version from GET /v1/versions; an unknown one is a 400 `invalid_api_version`",
        json_schema_extra={"enum": list[JsonValue](versioning.VERSIONS)},
    )


class ApiKeyOut(ResponseModel):
    """An API key: never its secret or its hash."""

    model_config = ConfigDict(**ResponseModel.model_config, json_schema_extra={"examples": [dict(API_KEY_EXAMPLE)]})

    id: str
    object: Literal["api_key"] = "api_key"
    livemode: bool
    redacted: str = Field(description="What a dashboard may show: the mode and the last four characters")
    api_version: str = Field(description="The version of its requests that send no Rewardkit-Version header")
    created_at: datetime


class VersionChange(ResponseModel):
    resource: str = Field(description="The `object` the change concerns, e.g. `order`")
    description: str
    breaking: bool = Field(description="A client written for the previous version may need changing")
    fields: list[str] = Field(description="The fields of `resource` it added, removed or changed")


class ApiVersionOut(ResponseModel):
    id: str = Field(description="The version, as sent in Rewardkit-Version")
    object: Literal["api_version"] = "api_version"
    released: date
    latest: bool
    changes: list[VersionChange] = Field(description="What it changed from the previous version; [] for the first")


class ApiVersionList(ListObject):
    data: list[ApiVersionOut]
