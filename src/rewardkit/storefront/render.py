"""One render per resource: the store and its SSO secrets as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rewardkit.storefront.models import Storefront, StorefrontSsoSecret
from rewardkit.storefront.schemas import SessionLinkOut, SsoSecretOut, StorefrontOut
from rewardkit.storefront.sessions import path_of
from rewardkit.storefront.sso import audience_of

_BRANDING = ("display_name", "logo_url", "accent_color", "support_email")


def render_store(row: Storefront, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/") + path_of(row.slug)
    audience = audience_of(row.id)
    body = {
        "id": row.id,
        "livemode": row.mode == "live",
        "slug": row.slug,
        "url": base + "/",
        "program_id": row.program_id,
        "title": row.title,
        "branding": {k: (row.branding or {}).get(k) for k in _BRANDING},
        "allowed_return_origins": list(row.return_origins),
        "allowed_frame_ancestors": list(row.frame_ancestors),
        "categories": {"include": row.categories.get("include", []), "exclude": row.categories.get("exclude", [])},
        "products": {"include": row.products.get("include", []), "exclude": row.products.get("exclude", [])},
        "sso": {
            "jwks_url": row.jwks_url,
            "algorithms": list(row.algorithms),
            "audience": audience,
            "url": base + "/sso",
        },
        "sso_audience": audience,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    return StorefrontOut.model_validate(body).model_dump(mode="json")


def render_secret(row: StorefrontSsoSecret, mode: str, secret: str | None = None) -> dict[str, Any]:
    return SsoSecretOut(
        id=row.id,
        livemode=mode == "live",
        secret=secret,
        redacted=row.redacted,
        created_at=row.created_at,
        retired_at=row.retired_at,
    ).model_dump(mode="json")


def render_session_link(url: str, expires_at: datetime, member_id: str) -> dict[str, Any]:
    # Through the model like every other resource, so expires_at reads "…Z" as every timestamp of the API.
    return SessionLinkOut(url=url, expires_at=expires_at, member_id=member_id).model_dump(mode="json")
