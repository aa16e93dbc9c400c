"""rewardkit's Python SDK: `Client` and `AsyncClient`, typed models (`rewardkit_sdk.models`), typed
errors, pages that keep their filters, and Standard Webhooks verification (`rewardkit_sdk.webhooks`)."""

from rewardkit_sdk import models, webhooks
from rewardkit_sdk._base import NOT_GIVEN, SDK_VERSION, NotGiven, ResponseValidationError
from rewardkit_sdk._client import AsyncClient, Client
from rewardkit_sdk._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    Conflict,
    InvalidRequest,
    NotFound,
    PaymentRequired,
    PermissionDenied,
    RateLimited,
    RewardkitError,
    ServerError,
)
from rewardkit_sdk._pagination import AsyncPage, SyncPage
from rewardkit_sdk.models import API_VERSION
from rewardkit_sdk.webhooks import WebhookVerificationError

__version__ = SDK_VERSION
__all__ = [
    "API_VERSION",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPage",
    "AuthenticationError",
    "Client",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "NotGiven",
    "PaymentRequired",
    "PermissionDenied",
    "RateLimited",
    "ResponseValidationError",
    "RewardkitError",
    "ServerError",
    "SyncPage",
    "WebhookVerificationError",
    "models",
    "webhooks",
]
