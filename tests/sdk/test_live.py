"""The SDK end to end against a live server: orders (sync and async), a retry after a lost answer that
charges once, pagination that keeps its filters, typed errors, the version pin, and a real webhook
delivery verified with the SDK's helper."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest
from rewardkit_sdk import (
    API_VERSION,
    AsyncClient,
    AuthenticationError,
    Client,
    InvalidRequest,
    NotFound,
    PaymentRequired,
    models,
    webhooks,
)

from tests.conftest import MakeOrg
from tests.sdk.conftest import AsyncRecorder, Recorder, no_sleep
from tests.served import Served
from tests.webhooks.receiver import Receiver, Running

# Only how long to wait for the worker's delivery before declaring it lost: nothing asserts on time.
DELIVERY_DEADLINE_SECONDS = 30


def usd_available(rk: Client) -> int:
    (usd,) = [b for b in rk.balances.list() if b.currency == "USD"]
    return usd.available.minor_units


async def test_create_and_read_an_order_sync(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    with Client(org.test_key, base_url=server.base) as rk:
        order = rk.orders.create(product_id="amazon_us", denomination=Decimal("25.00"), currency="USD",
                                 external_id="sdk-sync", metadata={"via": "sdk"})  # fmt: skip
        assert isinstance(order, models.OrderOut)
        assert order.status == "fulfilled" and order.livemode is False
        assert order.face_value.minor_units == 2500 and order.face_value.value == "25.00"
        assert order.voucher is not None and order.metadata == {"via": "sdk"}
        again = rk.orders.get(order.id)
        assert again.id == order.id and again.external_id == "sdk-sync"
        assert [o.id for o in rk.orders.list(external_id="sdk-sync")] == [order.id]
        assert usd_available(rk) == 10000 - 2500


async def test_create_an_order_async(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    transport = AsyncRecorder()
    async with AsyncClient(org.test_key, base_url=server.base, transport=transport) as rk:
        order = await rk.orders.create(
            product_id="amazon_us", denomination=50, currency="USD", recipient="a@example.com"
        )
        assert order.status == "fulfilled" and order.charged.minor_units == 5000
        assert order.recipient is not None and order.recipient.email == "a@example.com"
        page = await rk.orders.list(limit=5)
        assert [o.id async for o in page.auto_paging_iter()] == [order.id]
    (sent, _) = transport.sent
    assert sent.headers["Idempotency-Key"].startswith("sdk_")
    assert sent.headers["Rewardkit-Version"] == API_VERSION
    assert sent.headers["Authorization"] == f"Bearer {org.test_key}"


async def test_a_lost_answer_is_retried_with_the_same_key_and_charges_once(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    transport = Recorder(drop_first_response=True)
    with Client(org.test_key, base_url=server.base, transport=transport, sleep=no_sleep) as rk:
        order = rk.orders.create(product_id="amazon_us", denomination=50, currency="USD", external_id="lost-answer")
        first, second = transport.sent
        assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
        assert first.content == second.content
        # The retry was answered from the first attempt's stored result: one order, one charge.
        assert [o.id for o in rk.orders.list(external_id="lost-answer")] == [order.id]
        assert usd_available(rk) == 5000


async def test_a_callers_idempotency_key_is_sent_as_given_and_replays(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    transport = Recorder()
    with Client(org.test_key, base_url=server.base, transport=transport) as rk:
        one = rk.orders.create(product_id="amazon_us", denomination=10, currency="USD", idempotency_key="order-42")
        two = rk.orders.create(product_id="amazon_us", denomination=10, currency="USD", idempotency_key="order-42")
        assert one.id == two.id and usd_available(rk) == 9000
    assert [r.headers["Idempotency-Key"] for r in transport.sent[:2]] == ["order-42", "order-42"]


async def test_auto_paging_keeps_every_filter_on_every_page(server: Served, make_org: MakeOrg) -> None:
    org = await make_org()
    transport = Recorder()
    with Client(org.test_key, base_url=server.base, transport=transport) as rk:
        first = rk.catalog.list_products(country="US", limit=40)
        assert len(first.data) == 40 and first.has_more
        products = list(first)  # iterating a page walks every page
    assert len(transport.sent) >= 3, "the filter should span several pages"
    assert products and all("US" in p.countries for p in products)
    assert len({p.id for p in products}) == len(products)
    for request in transport.sent:
        assert request.url.params["country"] == "US" and request.url.params["limit"] == "40"
    assert "cursor" not in transport.sent[0].url.params
    assert all("cursor" in r.url.params for r in transport.sent[1:])


async def test_async_pages_keep_their_filters(server: Served, make_org: MakeOrg) -> None:
    org = await make_org()
    transport = AsyncRecorder()
    async with AsyncClient(org.test_key, base_url=server.base, transport=transport) as rk:
        page = await rk.catalog.list_products(country="DE", currency="EUR", limit=20)
        products = [p async for p in page]
        again = [p async for p in page.auto_paging_iter()]
    assert [p.id for p in again] == [p.id for p in products]
    assert len(transport.sent) >= 4  # two walks of at least two pages each
    assert products and all("DE" in p.countries and p.currency == "EUR" for p in products)
    assert all(r.url.params["country"] == "DE" and r.url.params["currency"] == "EUR" for r in transport.sent)


async def test_errors_carry_code_status_and_request_id(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="10.00")
    with Client(org.test_key, base_url=server.base) as rk:
        with pytest.raises(NotFound) as missing:
            rk.orders.get("ord_does_not_exist")
        assert missing.value.code == "order_not_found" and missing.value.status == 404
        assert missing.value.request_id and missing.value.request_id.startswith("req_")
        assert missing.value.problem["request_id"] == missing.value.request_id

        with pytest.raises(PaymentRequired) as poor:
            rk.orders.create(product_id="amazon_us", denomination=50, currency="USD", external_id="too-dear")
        assert poor.value.code == "insufficient_funds" and poor.value.problem["currency"] == "USD"
        assert list(rk.orders.list(external_id="too-dear")) == []  # nothing written

        with pytest.raises(InvalidRequest) as invalid:
            rk.orders.create(product_id="amazon_us", denomination="5_0", currency="USD")
        assert invalid.value.code == "validation_error" and invalid.value.status == 422
        assert [e["field"] for e in invalid.value.errors] == ["denomination"]

    with Client("sk_test_not_a_real_key", base_url=server.base) as stranger, pytest.raises(AuthenticationError) as auth:
        stranger.orders.list()
    assert auth.value.code == "invalid_api_key" and auth.value.status == 401


async def test_the_version_is_pinned_per_client(server: Served, make_org: MakeOrg) -> None:
    org = await make_org()
    transport = Recorder()
    with Client(org.test_key, base_url=server.base, transport=transport) as rk:
        rk.balances.list()
    assert transport.sent[0].headers["Rewardkit-Version"] == API_VERSION
    transport = Recorder()
    old = Client(org.test_key, base_url=server.base, version="1999-01-01", transport=transport)
    with old, pytest.raises(InvalidRequest) as refused:
        old.balances.list()
    assert refused.value.code == "invalid_api_version" and API_VERSION in refused.value.problem["known_versions"]
    assert len(transport.sent) == 1  # a 400 is never retried


async def test_a_real_delivery_verifies_and_a_tampered_one_does_not(server: Served, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    async with Running(Receiver()) as receiver, AsyncClient(org.test_key, base_url=server.base) as rk:
        endpoint = await rk.webhooks.create_endpoint(url=receiver.url("/sdk"), enabled_events=["order.fulfilled"])
        assert endpoint.secret is not None and endpoint.secret.startswith("whsec_")
        order = await rk.orders.create(product_id="amazon_us", denomination=10, currency="USD")
        deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
        while not receiver.at("/sdk"):
            assert time.monotonic() < deadline, "no delivery arrived"
            await asyncio.sleep(0.05)
    got = receiver.at("/sdk")[0]
    event = webhooks.verify(got.body, got.headers, endpoint.secret)
    assert event["type"] == "order.fulfilled" and event["data"]["id"] == order.id
    assert event["id"] == got.headers["webhook-id"]

    tampered = got.body.replace(order.id.encode(), b"ord_forged")
    with pytest.raises(webhooks.WebhookVerificationError, match="no signature matches"):
        webhooks.verify(tampered, got.headers, endpoint.secret)
    late = float(got.headers["webhook-timestamp"]) + 301
    with pytest.raises(webhooks.WebhookVerificationError, match="tolerance"):
        webhooks.verify(got.body, got.headers, endpoint.secret, now=late)
    assert json.loads(got.body)["data"]["id"] == order.id
