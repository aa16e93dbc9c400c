"""What the sync and async clients share: settings, how a request is built (headers, the minted
Idempotency-Key, exact JSON for decimals) and how an answer is read into a typed model."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from rewardkit_sdk._errors import RewardkitError
from rewardkit_sdk._retry import RetryPolicy
from rewardkit_sdk.models import API_VERSION

DEFAULT_BASE_URL: Final = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT: Final = 60.0  # an order may wait up to 30 s for its supplier before answering 202
SDK_VERSION: Final = "0.1.0"


class NotGiven:
    """An argument the caller left out: never sent (None is sent as JSON null, e.g. to clear a field)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class ResponseValidationError(RewardkitError):
    """A 2xx answer that does not parse into its model (a required field missing): the raw body is kept."""

    def __init__(self, message: str, body: bytes) -> None:
        super().__init__(message)
        self.body = body


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not isinstance(v, NotGiven)}


def dumps(value: Any) -> str:
    """JSON text with decimals written as exact JSON numbers (json.dumps cannot: it goes through
    float), datetimes as ISO 8601 and models as what the caller set."""
    if isinstance(value, BaseModel):
        return dumps(value.model_dump(by_alias=True, exclude_unset=True))
    if value is None or isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("NaN and Infinity are not JSON")
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and Infinity are not JSON")
        return repr(value)
    if isinstance(value, Enum):
        return dumps(value.value)
    if isinstance(value, datetime | date):
        return json.dumps(iso(value))
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"  # the API reads a time without offset as UTC anyway
    return value.isoformat()


def query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [query_value(v) for v in value]
    return value


def path(template: str, **params: Any) -> str:
    """Path parameters percent-encoded whole, so an id can never add a path segment or a query."""
    return template.format(**{k: quote(str(v), safe="") for k, v in params.items()})


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def parse(response_type: Any, response: httpx.Response) -> Any:
    """The answer as its model; with no model (an operation that answers no JSON), the raw response."""
    if response_type is None:
        return response
    adapter = _ADAPTERS.get(response_type)
    if adapter is None:
        adapter = _ADAPTERS[response_type] = TypeAdapter(response_type)
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        raise ResponseValidationError(f"the answer does not match {response_type}: {exc}", response.content) from exc


class BaseClient:
    """Settings shared by Client and AsyncClient."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = API_VERSION,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required (sk_test_… or sk_live_…)")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        # Pinned per client: the server shapes every answer (replays included) for this version, so a
        # newer server never changes what this code reads.
        self.version = version
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=max_retries)
        self.default_headers = dict(headers or {})

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(base_url={self.base_url!r}, version={self.version!r})"

    def _build(
        self, method: str, query: Mapping[str, Any] | None, body: Any, headers: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], bytes | None, dict[str, str]]:
        sent = {
            "Authorization": f"Bearer {self._api_key}",
            "Rewardkit-Version": self.version,
            "User-Agent": f"rewardkit-sdk-python/{SDK_VERSION}",
            "Accept": "application/json",
            **self.default_headers,
        }
        for name, value in given(headers or {}).items():
            if value is not None:
                sent[name] = str(value)
        # One key per logical call, minted before the first attempt and sent on every retry: a retry
        # after a lost answer replays the first result instead of charging twice.
        if method == "POST" and "Idempotency-Key" not in sent:
            sent["Idempotency-Key"] = f"sdk_{uuid.uuid4().hex}"
        content = None
        if not isinstance(body, NotGiven) and body is not None:
            content = dumps(body).encode()
            sent["Content-Type"] = "application/json"
        params = {k: query_value(v) for k, v in given(query or {}).items() if v is not None}
        return params, content, sent
