"""What the events and webhooks tables keep, and for how long (docs/deploy.md "Retention").

In this order, each step freeing what the next one deletes: attempts, then the finished deliveries
they belonged to, then events no delivery points at any more. A pending delivery (still retrying) and
its event are kept whatever their age; so is any event a kept delivery points at.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from rewardkit.events.models import Event
from rewardkit.kit.retention import Purge
from rewardkit.webhooks.models import WebhookAttempt, WebhookDelivery

ATTEMPTS = Purge(
    "webhook attempts",
    WebhookAttempt,
    keep=lambda s: timedelta(days=s.retention_webhook_attempts_days),
    where=lambda cutoff: (WebhookAttempt.created_at < cutoff)
    & ~exists(
        select(WebhookDelivery.id).where(
            WebhookDelivery.id == WebhookAttempt.delivery_id, WebhookDelivery.status == "pending"
        )
    ),
)
DELIVERIES = Purge(
    "webhook deliveries",
    WebhookDelivery,
    keep=lambda s: timedelta(days=s.retention_webhook_attempts_days),
    where=lambda cutoff: (WebhookDelivery.status != "pending")
    & (WebhookDelivery.updated_at < cutoff)
    & ~exists(select(WebhookAttempt.id).where(WebhookAttempt.delivery_id == WebhookDelivery.id)),
)
EVENTS = Purge(
    "events",
    Event,
    keep=lambda s: timedelta(days=s.retention_events_days),
    where=lambda cutoff: (Event.created_at < cutoff)
    & ~exists(select(WebhookDelivery.id).where(WebhookDelivery.event_id == Event.id)),
)

RULES = (ATTEMPTS, DELIVERIES, EVENTS)
