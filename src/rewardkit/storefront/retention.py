"""What the storefront tables keep. A JWT id is useless once its token expired (its row's expires_at
already holds the skew): it goes an hour later. Session links go
REWARDKIT_RETENTION_STOREFRONT_LINKS_DAYS after their expiry, the stores' member sessions
REWARDKIT_RETENTION_STOREFRONT_SESSIONS_DAYS after theirs (the absolute timeout)."""

from __future__ import annotations

from datetime import timedelta

from rewardkit.kit.retention import Purge
from rewardkit.storefront.models import StorefrontJti, StorefrontSession, StorefrontSessionLink

JTIS = Purge(
    "storefront JWT ids",
    StorefrontJti,
    keep=lambda s: timedelta(hours=1),
    where=lambda cutoff: StorefrontJti.expires_at < cutoff,
)
LINKS = Purge(
    "storefront session links",
    StorefrontSessionLink,
    keep=lambda s: timedelta(days=s.retention_storefront_links_days),
    where=lambda cutoff: StorefrontSessionLink.expires_at < cutoff,
)
SESSIONS = Purge(
    "storefront member sessions",
    StorefrontSession,
    keep=lambda s: timedelta(days=s.retention_storefront_sessions_days),
    where=lambda cutoff: StorefrontSession.expires_at < cutoff,
)

RULES = (JTIS, LINKS, SESSIONS)
