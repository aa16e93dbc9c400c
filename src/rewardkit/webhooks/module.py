"""The webhooks domain: endpoints, the fan-out of events to deliveries, signing, the delivery job,
the events API."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.webhooks import retention, service, tasks
from rewardkit.webhooks.api import router
from rewardkit.webhooks.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.webhooks.models import (
    DELIVER_JOB,
    EVENT_TYPES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

MODULE = Module(
    name="webhooks",
    routers=(router,),
    tags=(
        {"name": "Webhooks", "description": "Signed, retried event deliveries to your URLs."},
        {"name": "Events", "description": "Everything that happened, kept at least 30 days."},
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    jobs={DELIVER_JOB: tasks.deliver},
    events=EVENT_TYPES,
    subscribers=(service.fan_out,),
    tables=(WebhookEndpoint, WebhookDelivery, WebhookAttempt),
    sealed=(Sealed(WebhookEndpoint, ("secret", "previous_secret")),),
    resources=(tasks.Deliveries.open,),
    retention=retention.RULES,  # events too: whether an event may go depends on its deliveries
)
