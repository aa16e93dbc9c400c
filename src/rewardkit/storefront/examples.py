"""Examples for the OpenAPI description (kit/module.py `examples`): shaped like real responses."""

from __future__ import annotations

from typing import Any

from rewardkit.kit.examples import LIST

STORE_ID = "sfr_01m8b2k3n4p5q6r7s8t9v0w1x2"
AUDIENCE = f"rewardkit:storefront:{STORE_ID}"
STOREFRONT: dict[str, Any] = {
    "id": STORE_ID,
    "object": "storefront",
    "livemode": False,
    "slug": "test-acme",
    "url": "https://rewards.example.com/s/test-acme/",
    "program_id": "ppg_01m8ac0j59y5hwxskkmbyqbyg0",
    "title": "Acme Rewards Store",
    "branding": {"display_name": None, "logo_url": None, "accent_color": "#0b5394", "support_email": None},
    "allowed_return_origins": ["https://app.acme.example"],
    "allowed_frame_ancestors": [],
    "categories": {"include": [], "exclude": ["gaming"]},
    "products": {"include": [], "exclude": []},
    "sso": {
        "jwks_url": None,
        "algorithms": ["HS256"],
        "audience": AUDIENCE,
        "url": "https://rewards.example.com/s/test-acme/sso",
    },
    "sso_audience": AUDIENCE,
    "created_at": "2026-12-01T22:07:55.561Z",
    "updated_at": "2026-12-01T22:07:55.561Z",
}
SESSION: dict[str, Any] = {
    "object": "storefront_session",
    "url": "https://rewards.example.com/s/test-acme/enter/sfl_Zx1…",
    "expires_at": "2026-12-01T22:12:55.561Z",
    "member_id": "user_42",
}
SECRET: dict[str, Any] = {
    "id": "sss_01m8b2m7c3d4e5f6g7h8j9k0m1",
    "object": "storefront_sso_secret",
    "livemode": False,
    "secret": "sfsec_h2V9c0m5Yx7QeRk3LwT8pN1sJ4aB6dF0gH2iK5lM7nO",
    "redacted": "sfsec_…7nO",
    "created_at": "2026-12-01T22:08:10.002Z",
    "retired_at": None,
}
SECRET_LISTED = {**SECRET, "secret": None}

RESPONSES: dict[str, Any] = {
    "putStorefront": STOREFRONT,
    "getStorefront": STOREFRONT,
    "createStorefrontSession": SESSION,
    "createStorefrontSsoSecret": SECRET,
    "listStorefrontSsoSecrets": {**LIST, "data": [SECRET_LISTED]},
    "deleteStorefrontSsoSecret": {**SECRET_LISTED, "retired_at": "2026-12-20T09:00:00.000Z"},
}

# Request bodies the code samples send (kit/module.py `request_examples`) where the request model has no
# `examples` of its own. The program is the one STOREFRONT names; the member is points' user_42.
REQUEST_EXAMPLES: dict[str, Any] = {
    "putStorefront": {
        "program_id": STOREFRONT["program_id"],
        "title": "Acme Rewards Store",
        "branding": {"accent_color": "#0b5394"},
        "allowed_return_origins": ["https://app.acme.example"],
        "categories": {"exclude": ["gaming"]},
    },
    "createStorefrontSession": {
        "member_id": "user_42",
        "email": "ada@example.com",
        "name": "Ada",
        "country": "US",
        "return_url": "https://app.acme.example/rewards",
        "refresh_url": "https://app.acme.example/rewards/sign-in",
    },
}
