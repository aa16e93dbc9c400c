"""What the links tables keep. Links themselves and their timelines are financial records and stay.
A link's deliveries (with its recipient's address, encrypted) stay REWARDKIT_RETENTION_LINK_DELIVERIES_DAYS
after their last change once final; a queued one is work still to do and is never purged. A one-time
code is useless once expired: its row (a code HMAC and attempts) goes
REWARDKIT_RETENTION_LINK_VERIFICATIONS_DAYS after its expiry."""

from __future__ import annotations

from datetime import timedelta

from rewardkit.kit.retention import Purge
from rewardkit.links.models import LinkDelivery, LinkVerification

DELIVERIES = Purge(
    "link deliveries",
    LinkDelivery,
    keep=lambda s: timedelta(days=s.retention_link_deliveries_days),
    where=lambda cutoff: (LinkDelivery.status != "queued") & (LinkDelivery.updated_at < cutoff),
)
VERIFICATIONS = Purge(
    "link verification codes",
    LinkVerification,
    keep=lambda s: timedelta(days=s.retention_link_verifications_days),
    where=lambda cutoff: LinkVerification.expires_at < cutoff,
)

RULES = (DELIVERIES, VERIFICATIONS)
