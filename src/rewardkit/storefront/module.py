"""The storefront (#15): a hosted store under the customer's brand where its signed-in users spend
their points; configuration, session links, JWT SSO and member sessions (docs/storefront.md)."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.storefront import retention
from rewardkit.storefront.api import router
from rewardkit.storefront.entry import router as entry
from rewardkit.storefront.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.storefront.jwks import JwksCache
from rewardkit.storefront.models import (
    EVENT_TYPES,
    Storefront,
    StorefrontJti,
    StorefrontSession,
    StorefrontSessionLink,
    StorefrontSsoSecret,
)
from rewardkit.storefront.pages import router as pages

MODULE = Module(
    name="storefront",
    routers=(router,),
    pages=(entry, pages),  # /s/{slug}/enter/{token} and /s/{slug}/sso; the store's own pages: pages.py (part B)
    tags=(
        {
            "name": "Storefront",
            "description": "A hosted store under your brand where your signed-in users spend their points.",
        },
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    events=EVENT_TYPES,
    resources=(JwksCache.open,),
    tables=(Storefront, StorefrontSsoSecret, StorefrontSessionLink, StorefrontJti, StorefrontSession),
    # The session link's token opens a member session: redacted in every log (kit/logs.py matches the
    # `{slug}` segment). The JWT of /s/{slug}/sso is in the query string, which no log line keeps.
    token_paths=("/s/{slug}/enter/",),
    retention=retention.RULES,
    sealed=(Sealed(StorefrontSsoSecret, ("secret",)),),
)
