"""Client and AsyncClient: one Idempotency-Key per call reused on every retry, backoff with jitter or
Retry-After, typed errors. The resource attributes (client.orders, …) come from resources.py,
generated from the OpenAPI description."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from rewardkit_sdk._base import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, BaseClient, parse
from rewardkit_sdk._errors import APIConnectionError, APITimeoutError, error_for
from rewardkit_sdk._pagination import AsyncPage, SyncPage
from rewardkit_sdk._retry import retry_after_too_long, should_retry_exception, should_retry_response
from rewardkit_sdk.models import API_VERSION
from rewardkit_sdk.resources import AsyncResources, SyncResources


def _connection_error(exc: httpx.TransportError) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"the request timed out: {exc!r}")
    return APIConnectionError(f"the request got no answer: {exc!r}")


class Client(SyncResources, BaseClient):
    """The synchronous client. `with Client(api_key) as rk: rk.orders.create(...)`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = API_VERSION,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        BaseClient.__init__(
            self, api_key, base_url=base_url, version=version, timeout=timeout, max_retries=max_retries, headers=headers
        )
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._sleep = sleep
        SyncResources.__init__(self, self)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, Any] | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Response:
        """One logical call: the raw 2xx answer, or a typed error after the retries. `repeatable`
        (default: not a POST or PATCH) says whether an answer lost after the server may have acted can
        be asked again; the generated methods set it from the operation."""
        params, content, sent = self._build(method, query, body, headers)
        safe = repeatable if repeatable is not None else method not in ("POST", "PATCH")
        attempt = 0
        while True:
            try:
                response = self._http.request(method, url, params=params, content=content, headers=sent)
            except httpx.TransportError as exc:
                if attempt < self.retry.max_retries and should_retry_exception(exc, repeatable=safe):
                    self._sleep(self.retry.delay_for(attempt, None))
                    attempt += 1
                    continue
                raise _connection_error(exc) from exc
            if response.is_success:
                return response
            if (
                attempt < self.retry.max_retries
                and should_retry_response(response, repeatable=safe)
                and not retry_after_too_long(response)
            ):
                self._sleep(self.retry.delay_for(attempt, response))
                attempt += 1
                continue
            raise error_for(response)

    def _call(self, method: str, url: str, response_type: Any, **kw: Any) -> Any:
        return parse(response_type, self.request(method, url, **kw))

    def _page(self, url: str, page_type: Any, query: dict[str, Any], headers: dict[str, Any]) -> SyncPage[Any]:
        page = self._call("GET", url, page_type, query=query, headers=headers)
        return SyncPage(self, url, page_type, query, headers, page)


class AsyncClient(AsyncResources, BaseClient):
    """The asyncio client. `async with AsyncClient(api_key) as rk: await rk.orders.create(...)`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = API_VERSION,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        BaseClient.__init__(
            self, api_key, base_url=base_url, version=version, timeout=timeout, max_retries=max_retries, headers=headers
        )
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)
        self._sleep = sleep
        AsyncResources.__init__(self, self)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, Any] | None = None,
        repeatable: bool | None = None,
    ) -> httpx.Response:
        """See Client.request."""
        params, content, sent = self._build(method, query, body, headers)
        safe = repeatable if repeatable is not None else method not in ("POST", "PATCH")
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, url, params=params, content=content, headers=sent)
            except httpx.TransportError as exc:
                if attempt < self.retry.max_retries and should_retry_exception(exc, repeatable=safe):
                    await self._sleep(self.retry.delay_for(attempt, None))
                    attempt += 1
                    continue
                raise _connection_error(exc) from exc
            if response.is_success:
                return response
            if (
                attempt < self.retry.max_retries
                and should_retry_response(response, repeatable=safe)
                and not retry_after_too_long(response)
            ):
                await self._sleep(self.retry.delay_for(attempt, response))
                attempt += 1
                continue
            raise error_for(response)

    async def _call(self, method: str, url: str, response_type: Any, **kw: Any) -> Any:
        return parse(response_type, await self.request(method, url, **kw))

    async def _page(self, url: str, page_type: Any, query: dict[str, Any], headers: dict[str, Any]) -> AsyncPage[Any]:
        page = await self._call("GET", url, page_type, query=query, headers=headers)
        return AsyncPage(self, url, page_type, query, headers, page)
