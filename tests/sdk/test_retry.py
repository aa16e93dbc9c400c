"""Retries against a stand-in server (httpx.MockTransport): what is retried, how long the client waits
(Retry-After, else backoff with full jitter), and that every attempt of one call sends the same
Idempotency-Key. The sleeps are recorded, never slept."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from rewardkit_sdk import (
    APIConnectionError,
    AsyncClient,
    Client,
    Conflict,
    RateLimited,
    ServerError,
)
from rewardkit_sdk._retry import RetryPolicy

ORDER: dict[str, Any] = {
    "id": "ord_1", "object": "order", "livemode": False, "status": "fulfilled",
    "product_id": "amazon_us", "currency": "USD",
    "face_value": {"currency": "USD", "minor_units": 5000, "value": "50.00"},
    "charged": {"currency": "USD", "minor_units": 5000, "value": "50.00"},
    "fx": None, "recipient": None, "external_id": None, "metadata": {}, "voucher_url": None, "voucher": None,
    "failure": None, "timeline": [], "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
    "fulfilled_at": None,
}  # fmt: skip

Answer = httpx.Response | Exception


def problem(status: int, code: str, **headers: str) -> httpx.Response:
    body = {"type": f"/problems/{code}", "title": code, "status": status, "detail": "stand-in", "code": code}
    return httpx.Response(status, json=body, headers={"Request-Id": "req_standin", **headers})


class StandIn:
    """Answers the scripted responses in turn (an exception is raised as the transport's failure)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def keys(self) -> list[str | None]:
        return [r.headers.get("Idempotency-Key") for r in self.requests]


def client(stand_in: Callable[[httpx.Request], httpx.Response], sleeps: list[float], **kw: Any) -> Client:
    return Client("sk_test_x", base_url="http://standin", transport=httpx.MockTransport(stand_in),
                  sleep=sleeps.append, **kw)  # fmt: skip


def ok() -> httpx.Response:
    return httpx.Response(200, json=ORDER)


def create(rk: Client, **kw: Any) -> Any:
    return rk.orders.create(product_id="amazon_us", denomination=50, currency="USD", **kw)


def test_429_then_200_waits_retry_after_and_keeps_the_key() -> None:
    stand_in, sleeps = StandIn(problem(429, "rate_limited", **{"Retry-After": "3"}), ok()), []
    order = create(client(stand_in, sleeps))
    assert order.id == "ord_1"
    assert sleeps == [3.0]
    (key, again) = stand_in.keys()
    assert key is not None and key == again
    assert stand_in.requests[0].content == stand_in.requests[1].content


def test_503_is_retried_with_jittered_backoff_when_no_retry_after() -> None:
    stand_in, sleeps = StandIn(problem(503, "service_unavailable"), problem(502, "bad_gateway"), ok()), []
    create(client(stand_in, sleeps))
    assert len(stand_in.requests) == 3 and len(set(stand_in.keys())) == 1
    policy = RetryPolicy()
    assert 0 <= sleeps[0] <= policy.base_delay and 0 <= sleeps[1] <= policy.base_delay * 2


def test_409_in_flight_is_retried_but_any_other_conflict_is_raised() -> None:
    stand_in, sleeps = StandIn(problem(409, "idempotency_key_in_flight", **{"Retry-After": "1"}), ok()), []
    create(client(stand_in, sleeps))
    assert sleeps == [1.0] and len(set(stand_in.keys())) == 1

    stand_in = StandIn(problem(409, "order_not_cancelable"))
    with pytest.raises(Conflict) as refused:
        client(stand_in, []).orders.cancel("ord_1")
    assert refused.value.code == "order_not_cancelable" and len(stand_in.requests) == 1


def test_gives_up_after_max_retries_with_the_typed_error() -> None:
    stand_in, sleeps = StandIn(*[problem(429, "rate_limited", **{"Retry-After": "2"})] * 3), []
    with pytest.raises(RateLimited) as limited:
        create(client(stand_in, sleeps, max_retries=2))
    assert len(stand_in.requests) == 3 and sleeps == [2.0, 2.0]
    assert limited.value.retry_after == 2.0 and limited.value.request_id == "req_standin"


def test_a_retry_after_longer_than_a_minute_is_not_waited_for() -> None:
    stand_in, sleeps = StandIn(problem(429, "too_many_auth_failures", **{"Retry-After": "900"})), []
    with pytest.raises(RateLimited):
        create(client(stand_in, sleeps))
    assert sleeps == [] and len(stand_in.requests) == 1


def test_connection_errors_are_retried_even_for_a_post_without_idempotency() -> None:
    # Nothing reached the server: safe for any call.
    stand_in, sleeps = StandIn(httpx.ConnectError("refused"), ok()), []
    assert client(stand_in, sleeps).orders.cancel("ord_1").id == "ord_1"
    assert len(stand_in.requests) == 2 and len(sleeps) == 1


def test_an_answer_lost_after_sending_is_retried_only_where_a_retry_is_safe() -> None:
    # createOrder honours Idempotency-Key: a retry replays. cancelOrder does not: a 5xx or a lost
    # answer is raised rather than risk doing it twice.
    stand_in = StandIn(httpx.ReadError("reset"), ok())
    create(client(stand_in, []))
    assert len(stand_in.requests) == 2 and len(set(stand_in.keys())) == 1

    stand_in = StandIn(httpx.ReadError("reset"))
    with pytest.raises(APIConnectionError):
        client(stand_in, []).orders.cancel("ord_1")
    stand_in = StandIn(problem(500, "internal_error"))
    with pytest.raises(ServerError) as failed:
        client(stand_in, []).orders.cancel("ord_1")
    assert failed.value.status == 500 and len(stand_in.requests) == 1


def test_gets_are_retried_on_5xx_and_timeouts() -> None:
    stand_in, sleeps = StandIn(httpx.ReadTimeout("slow"), problem(500, "internal_error"), ok()), []
    assert client(stand_in, sleeps).orders.get("ord_1").id == "ord_1"
    assert len(stand_in.requests) == 3
    assert all(r.headers.get("Idempotency-Key") is None for r in stand_in.requests)  # GETs need none


def test_a_timeout_that_is_never_answered_is_an_api_timeout_error() -> None:
    from rewardkit_sdk import APITimeoutError

    stand_in = StandIn(*[httpx.ReadTimeout("slow")] * 4)
    with pytest.raises(APITimeoutError):
        client(stand_in, []).orders.get("ord_1")
    assert len(stand_in.requests) == 4  # the first try and max_retries=3


def test_every_post_gets_one_fresh_key_per_call() -> None:
    stand_in = StandIn(ok(), ok())
    rk = client(stand_in, [])
    create(rk)
    create(rk)
    first, second = stand_in.keys()
    assert first and second and first != second


def test_backoff_is_full_jitter_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    random.seed(17)
    for attempt in range(10):
        bound = min(8.0, 0.5 * 2**attempt)
        draws = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= d <= bound for d in draws)
        assert max(draws) > bound / 2  # spread over the range, not a fixed delay


async def test_the_async_client_retries_the_same_way() -> None:
    stand_in = StandIn(problem(429, "rate_limited", **{"Retry-After": "1"}), httpx.ConnectError("refused"), ok())
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = httpx.MockTransport(stand_in)
    async with AsyncClient("sk_test_x", base_url="http://standin", transport=transport, sleep=sleep) as rk:
        order = await rk.orders.create(product_id="amazon_us", denomination=50, currency="USD")
    assert order.id == "ord_1" and sleeps[0] == 1.0 and len(sleeps) == 2
    assert len(set(stand_in.keys())) == 1 and len(stand_in.requests) == 3


def test_decimals_are_sent_as_exact_json_numbers() -> None:
    stand_in = StandIn(ok())
    from decimal import Decimal

    create_kw = {"product_id": "amazon_us", "denomination": Decimal("50.10"), "currency": "USD"}
    client(stand_in, []).orders.create(**create_kw)
    sent = stand_in.requests[0].content
    assert b'"denomination":50.10' in sent
    assert json.loads(sent)["currency"] == "USD"
