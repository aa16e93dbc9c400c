"""The auth domain: orgs, API keys, the request's identity."""

from rewardkit.auth.api import router
from rewardkit.auth.cli import keys_app, orgs_app
from rewardkit.auth.models import ApiKey, Org, PrincipalSession
from rewardkit.auth.schemas import API_KEY_EXAMPLE, BRANDING_EXAMPLE, VERSIONS_EXAMPLE
from rewardkit.auth.service import KeyCache
from rewardkit.kit.module import Module
from rewardkit.kit.ratelimit import RateLimiter

SESSION = {
    "id": "pss_01m8b2k0q8w3",
    "object": "session",
    "kind": "member_session",
    "livemode": False,
    "subject": "user_4711",
    "scopes": ["storefront"],
    "expires_at": "2026-12-01T13:00:00Z",
    "created_at": "2026-12-01T12:00:00Z",
}

MODULE = Module(
    name="auth",
    routers=(router,),
    tags=(
        {"name": "Branding", "description": "How your hosted pages (the voucher page) look."},
        {"name": "Sessions", "description": "Who is calling, for hosted pages' signed-in people."},
        {"name": "Versions", "description": "Dated API versions and the version each API key is pinned to."},
    ),
    examples={
        "getSession": SESSION,
        "getBranding": BRANDING_EXAMPLE,
        "updateBranding": BRANDING_EXAMPLE,
        "updateApiKey": API_KEY_EXAMPLE,
        "listApiVersions": VERSIONS_EXAMPLE,
    },
    tables=(Org, ApiKey, PrincipalSession),
    cli=(("orgs", orgs_app), ("keys", keys_app)),
    resources=(KeyCache.open, RateLimiter.open),
)
