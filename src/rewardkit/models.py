"""Every table, imported in one place so Alembic (and create_all in tools) sees the whole schema."""

from rewardkit.auth.models import ApiKey, Org
from rewardkit.catalog.models import FxRate, Product, ProductCountry, ProductDenomination
from rewardkit.events.models import Event
from rewardkit.jobs.models import Job
from rewardkit.kit.db import Base
from rewardkit.kit.idempotency import IdempotencyRecord
from rewardkit.ledger.models import Account, Asset, Posting, Transaction
from rewardkit.orders.models import Order, OrderTransition
from rewardkit.suppliers.models import InventoryCode
from rewardkit.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "ApiKey",
    "Asset",
    "Base",
    "Event",
    "FxRate",
    "IdempotencyRecord",
    "InventoryCode",
    "Job",
    "Order",
    "OrderTransition",
    "Org",
    "Posting",
    "Product",
    "ProductCountry",
    "ProductDenomination",
    "Transaction",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
