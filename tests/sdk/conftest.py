"""The SDK against the real server: `rewardkit serve-process` on a free port over the suite's database
(migrated and seeded by the `ctx` fixture), with its worker running, so orders fulfil and webhooks go
out as they do in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rewardkit.config import Settings
from rewardkit.runtime import Runtime
from tests.served import Served, serve_process


@pytest.fixture(scope="module")
def server(ctx: Runtime, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_process(settings, tmp_path_factory.mktemp("sdk-server")) as served:
        yield served


class Recorder(httpx.BaseTransport):
    """A real HTTP transport that records every request it sends (and can lose the first answer)."""

    def __init__(self, drop_first_response: bool = False) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[httpx.Request] = []
        self.drop = drop_first_response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = self.inner.handle_request(request)
        if self.drop:
            # The server has done the work and answered; the client never sees it (a dropped
            # connection, a proxy timeout): the case where a retry with a new key charges twice.
            self.drop = False
            response.read()
            response.close()
            raise httpx.ReadError("connection lost after the request was sent", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRecorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def no_sleep(_: float) -> None:
    """Retries in the live tests need no real wait: the server already answered."""


@pytest.fixture
def tests_root() -> Path:
    return Path(__file__).resolve().parents[2]
