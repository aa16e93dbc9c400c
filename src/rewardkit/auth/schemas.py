"""Request and response bodies of the auth domain: branding (docs/branding.md), sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from rewardkit.kit.responses import ResponseModel
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
