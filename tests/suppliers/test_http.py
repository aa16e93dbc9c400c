"""The http supplier against a real vendor: an HTTP server on 127.0.0.1 that records purchases by
Idempotency-Key and can be told to be slow, to fail, to run out of stock, or to take its time."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rewardkit.jobs.models import Job
from rewardkit.runtime import Runtime
from rewardkit.suppliers.adapters.http import HttpSupplier, retry_after
from rewardkit.suppliers.base import OutOfStock, PlaceRequest, SupplierPermanent, SupplierTransient
from rewardkit.suppliers.registry import Registry
from tests.conftest import MakeOrg, order_body
from tests.suppliers import overridden, registry, settle

AUTH = "Bearer vendor-secret-123"


@dataclass
class Canned:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Vendor:
    """The vendor's state, shared with its request threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    purchases: dict[str, dict[str, Any]] = field(default_factory=dict)  # Idempotency-Key -> purchase
    bought: Counter[str] = field(default_factory=Counter)  # purchases made per key: must never exceed 1
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    canned: list[Canned] = field(default_factory=list)  # answered to the next requests, in order
    slow_first: float = 0.0  # the first POST of a key records the purchase, then sleeps this long
    processing_polls: int = 0  # a new purchase answers 202, and GET answers 202 this many times more
    base_url: str = ""

    def posts(self, key: str) -> list[dict[str, str]]:
        posts = [h for m, p, h, _ in self.requests if (m, p) == ("POST", "/v1/orders")]
        return [h for h in posts if h.get("idempotency-key") == key]


def _handler(vendor: Vendor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): what was bought stays bought

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            with vendor.lock:
                vendor.requests.append((method, self.path, headers, body))
                canned = vendor.canned.pop(0) if vendor.canned else None
            if canned is not None:
                return self._send(canned.status, canned.body, canned.headers)
            if headers.get("authorization") != AUTH:
                return self._send(401, {"error": "unauthorized"})
            parts = self.path.strip("/").split("/")  # v1, orders, <ref>, cancel
            if method == "GET" and parts == ["v1", "balance"]:
                return self._send(200, {"USD": 12345, "EUR": 500})
            if method == "POST" and parts == ["v1", "orders"]:
                return self._place(headers["idempotency-key"], body)
            if method == "GET" and len(parts) == 3 and parts[1] == "orders":
                return self._status(parts[2])
            if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
                return self._cancel(parts[2])
            return self._send(404, {"error": "not_found"})

        def _place(self, key: str, body: dict[str, Any]) -> None:
            with vendor.lock:
                purchase = vendor.purchases.get(key)
                first = purchase is None
                if first:
                    n = len(vendor.purchases) + 1
                    purchase = {
                        "id": f"vnd_{n}",
                        "code": f"VENDOR-{n:06d}",
                        "pin": "4321",
                        "expires_at": "2031-01-31T00:00:00Z",
                        "polls_left": vendor.processing_polls,
                        "request": body,
                        "canceled": False,
                    }
                    vendor.purchases[key] = purchase
                    vendor.bought[key] += 1
            if first and vendor.slow_first:
                time.sleep(vendor.slow_first)  # bought, but the answer comes too late
            self._answer(purchase)

        def _status(self, reference: str) -> None:
            with vendor.lock:
                purchase = vendor.purchases.get(reference)
                if purchase is not None and purchase["polls_left"] > 0:
                    purchase["polls_left"] -= 1
                    return self._send(202, {"status": "processing", "id": purchase["id"]})
            if purchase is None:
                return self._send(404, {"error": "not_found"})
            self._answer(purchase)

        def _cancel(self, reference: str) -> None:
            with vendor.lock:
                purchase = vendor.purchases.get(reference)
                if purchase is None or purchase["polls_left"] <= 0:
                    return self._send(409, {"error": "already_fulfilled"})
                purchase["canceled"] = True
            self._send(200, {"canceled": True})

        def _answer(self, purchase: dict[str, Any]) -> None:
            if purchase["polls_left"] > 0:
                return self._send(202, {"status": "processing", "id": purchase["id"]})
            keys = ("id", "code", "pin", "expires_at")
            self._send(200, {"status": "fulfilled", **{k: purchase[k] for k in keys}})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    state = Vendor()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def supplier(vendor: Vendor, timeout: float = 2.0, **kw: Any) -> HttpSupplier:
    return HttpSupplier("acme", vendor.base_url, AUTH, timeout, **kw)


def req(reference: str = "ord_http_1", mode: str = "live") -> PlaceRequest:
    return PlaceRequest(
        reference=reference,
        mode=mode,
        product_id="amazon_us",
        currency="USD",
        amount=5000,
        validity_days=None,
        created_at=datetime.now(UTC),
        recipient_email="ada@example.com",
    )


# --- the contract ---------------------------------------------------------------------------------


async def test_place_sends_our_contract_and_is_idempotent(vendor: Vendor) -> None:
    sup = supplier(vendor)
    result = await sup.place(req("ord_contract"))
    assert result.status == "fulfilled" and result.code == "VENDOR-000001" and result.pin == "4321"
    assert result.supplier_ref == "vnd_1" and result.expires_at == datetime(2031, 1, 31, tzinfo=UTC)
    method, path, headers, body = vendor.requests[0]
    assert (method, path) == ("POST", "/v1/orders")
    assert headers["idempotency-key"] == "ord_contract" and headers["authorization"] == AUTH
    assert headers["content-type"] == "application/json"
    assert body == {
        "reference": "ord_contract",
        "product_id": "amazon_us",
        "currency": "USD",
        "amount": 5000,
        "recipient_email": "ada@example.com",
    }
    assert await sup.place(req("ord_contract")) == result
    assert vendor.bought == Counter({"ord_contract": 1})
    assert await sup.balance() == {"USD": 12345, "EUR": 500}
    await sup.aclose()


async def test_processing_then_fulfilled_and_cancel(vendor: Vendor) -> None:
    vendor.processing_polls = 2
    sup = supplier(vendor)
    first = await sup.place(req("ord_slowly"))
    assert first.status == "processing" and first.supplier_ref == "vnd_1" and first.code is None
    assert await sup.cancel(req("ord_slowly")) is True  # still processing: the vendor cancels it
    for _ in range(2):  # GET answers 202 `processing_polls` times
        assert (await sup.status(req("ord_slowly"))).status == "processing"
    done = await sup.status(req("ord_slowly"))
    assert done.status == "fulfilled" and done.code == "VENDOR-000001"
    assert await sup.cancel(req("ord_slowly")) is False  # fulfilled: 409, it cannot be canceled
    with pytest.raises(SupplierPermanent):
        await sup.status(req("ord_unknown"))  # 404
    assert [(m, p) for m, p, _, _ in vendor.requests][-2:] == [
        ("POST", "/v1/orders/ord_slowly/cancel"),
        ("GET", "/v1/orders/ord_unknown"),
    ]


@pytest.mark.parametrize(
    ("canned", "error"),
    [
        (Canned(409, {"error": "out_of_stock"}), OutOfStock),
        (Canned(422, {"error": "out_of_stock"}), OutOfStock),
        (Canned(409, {"error": "duplicate"}), SupplierPermanent),
        (Canned(400, {"error": "bad_product"}), SupplierPermanent),
        (Canned(401, {"error": "unauthorized"}), SupplierPermanent),
        (Canned(404, None), SupplierPermanent),
        (Canned(302, None, {"Location": "http://127.0.0.1:9/elsewhere"}), SupplierPermanent),
        (Canned(500, {"error": "boom"}), SupplierTransient),
        (Canned(502, b"<html>bad gateway</html>"), SupplierTransient),
        (Canned(408, None), SupplierTransient),
        (Canned(409, {"error": "in_progress"}), SupplierTransient),
        (Canned(200, b"not json"), SupplierTransient),  # it may have bought: retry, never fail over
        (Canned(200, {"status": "fulfilled", "id": "x"}), SupplierTransient),  # no code
        (Canned(200, {"status": "failed", "error": "out_of_stock"}), OutOfStock),
        (Canned(200, {"status": "failed", "error": "card_blocked"}), SupplierPermanent),
    ],
)
async def test_error_mapping(vendor: Vendor, canned: Canned, error: type[Exception]) -> None:
    vendor.canned.append(canned)
    with pytest.raises(error) as exc:
        await supplier(vendor).place(req())
    assert type(exc.value) is error
    assert len(vendor.requests) == 1  # no redirect followed, no hidden retry
    assert AUTH not in str(exc.value)


async def test_retry_after_is_honoured_on_429_and_503(vendor: Vendor) -> None:
    sup = supplier(vendor)
    when = format_datetime(datetime.fromtimestamp(time.time() + 120, UTC), usegmt=True)
    vendor.canned += [
        Canned(429, {"error": "slow_down"}, {"Retry-After": "7"}),
        Canned(503, None, {"Retry-After": "3"}),
        Canned(503, None, {"Retry-After": when}),
        Canned(500, None, {"Retry-After": "9"}),  # only 429/503 carry a meaningful Retry-After
        Canned(503, None),
    ]
    waits = []
    for _ in range(5):
        with pytest.raises(SupplierTransient) as exc:
            await sup.place(req())
        waits.append(exc.value.retry_after)
    assert waits[:2] == [7.0, 3.0]
    assert waits[2] is not None and 110 <= waits[2] <= 120
    assert waits[3:] == [None, None]
    assert retry_after("-5") == 0 and retry_after("junk") is None and retry_after("99999") == 3600


async def test_timeouts_and_refused_connections_are_transient(vendor: Vendor) -> None:
    vendor.slow_first = 1.0
    with pytest.raises(SupplierTransient, match="timed out"):
        await supplier(vendor, timeout=0.2).place(req("ord_timeout"))
    assert vendor.bought == Counter({"ord_timeout": 1})  # the vendor did buy it
    again = await supplier(vendor).place(req("ord_timeout"))  # the retry gets that one purchase
    assert again.status == "fulfilled" and vendor.bought == Counter({"ord_timeout": 1})

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = HttpSupplier("acme", f"http://127.0.0.1:{port}", AUTH, 1.0)
    with pytest.raises(SupplierTransient):
        await refused.place(req())


# --- the circuit breaker --------------------------------------------------------------------------


async def test_circuit_breaker_opens_fails_fast_and_half_opens(vendor: Vendor) -> None:
    sup = supplier(vendor, failure_threshold=3, reset_seconds=0.4)
    vendor.canned += [Canned(503, None), Canned(500, None), Canned(502, None)]
    for _ in range(3):
        with pytest.raises(SupplierTransient):
            await sup.place(req())
    assert sup.breaker.state == "open" and len(vendor.requests) == 3

    with pytest.raises(SupplierTransient, match="circuit open") as fast:
        await sup.place(req())
    assert len(vendor.requests) == 3  # failed fast: no request
    assert fast.value.retry_after is not None and 0 < fast.value.retry_after <= 0.4
    assert (await sup.quote("amazon_us", "USD", 5000)).available is False

    await asyncio.sleep(0.45)
    assert sup.breaker.state == "half_open"
    vendor.canned.append(Canned(500, None))  # the trial fails: open again at once
    with pytest.raises(SupplierTransient):
        await sup.place(req())
    assert len(vendor.requests) == 4 and sup.breaker.state == "open"
    with pytest.raises(SupplierTransient, match="circuit open"):
        await sup.place(req())
    assert len(vendor.requests) == 4

    await asyncio.sleep(0.45)
    vendor.slow_first = 0.3  # one trial at a time: a second call while the trial runs fails fast
    trial = asyncio.create_task(sup.place(req("ord_trial")))
    await asyncio.sleep(0.1)
    with pytest.raises(SupplierTransient, match="half-open"):
        await sup.place(req("ord_other"))
    assert (await trial).status == "fulfilled"
    assert sup.breaker.state == "closed" and sup.breaker.failures == 0
    assert (await sup.place(req("ord_after"))).status == "fulfilled"
    assert len(vendor.requests) == 6


async def test_permanent_answers_do_not_trip_the_breaker(vendor: Vendor) -> None:
    sup = supplier(vendor, failure_threshold=2, reset_seconds=60)
    vendor.canned += [Canned(500, None), Canned(409, {"error": "out_of_stock"}), Canned(500, None)]
    for error in (SupplierTransient, OutOfStock, SupplierTransient):
        with pytest.raises(error):
            await sup.place(req())
    assert sup.breaker.state == "closed"  # the vendor answered in between: failures are not consecutive


# --- through the fulfilment job -------------------------------------------------------------------


async def _job_attempts(ctx: Runtime, order_id: str) -> int:
    async with ctx.db.unit_of_work(readonly=True) as s:
        job = (await s.execute(select(Job).where(Job.unique_key == f"fulfil:{order_id}"))).scalar_one()
    return job.attempts


async def test_timeout_after_placing_is_retried_and_buys_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, vendor: Vendor
) -> None:
    vendor.slow_first = 2.0  # records the purchase, answers after our timeout
    acme = supplier(vendor, timeout=5.0)  # the job's own timeout (supplier_timeout_seconds) fires first
    org = await make_org(mode="live", USD="100.00")
    with (
        registry(ctx, Registry([acme], routes={"amazon_us": ["acme"]})),
        overridden(ctx, sync_fulfillment_timeout=0.2, supplier_timeout_seconds=0.5, job_backoff_base_seconds=0.05),
    ):
        r = await client.post("/v1/orders", json=order_body(), headers=org.h("live"))
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "processing" and r.json()["livemode"] is True
        (order,) = await settle(app, client, [r.json()["id"]], org.h("live"))

    assert order["status"] == "fulfilled", order
    assert order["voucher"]["code"] == "VENDOR-000001" and order["voucher"]["pin"] == "4321"
    assert vendor.bought == Counter({order["id"]: 1})  # exactly one purchase
    assert len(vendor.posts(order["id"])) == 2  # the first timed out, the retry got the same purchase
    assert await _job_attempts(ctx, order["id"]) == 2
    balance = (await client.get("/v1/balances", headers=org.h("live"))).json()["data"][0]
    assert (balance["available"]["value"], balance["pending"]["minor_units"]) == ("50.00", 0)


async def test_processing_vendor_is_polled_until_fulfilled(
    app: FastAPI, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, vendor: Vendor
) -> None:
    vendor.processing_polls = 2
    org = await make_org(mode="live", USD="100.00")
    with (
        registry(ctx, Registry([supplier(vendor)], routes={"amazon_us": ["acme"]})),
        overridden(ctx, sync_fulfillment_timeout=0.1),
    ):
        r = await client.post("/v1/orders", json=order_body(), headers=org.h("live"))
        assert r.status_code == 202 and r.json()["status"] == "processing"
        (order,) = await settle(app, client, [r.json()["id"]], org.h("live"))
    assert order["status"] == "fulfilled" and order["voucher"]["code"] == "VENDOR-000001"
    assert vendor.bought == Counter({order["id"]: 1})
    calls = [(m, p) for m, p, _, _ in vendor.requests]
    assert calls == [("POST", "/v1/orders")] + [("GET", f"/v1/orders/{order['id']}")] * 3


async def test_out_of_stock_vendor_refunds_the_order(
    app: FastAPI, client: httpx.AsyncClient, ctx: Runtime, make_org: MakeOrg, vendor: Vendor
) -> None:
    vendor.canned.append(Canned(409, {"error": "out_of_stock"}))
    org = await make_org(mode="live", USD="100.00")
    with registry(ctx, Registry([supplier(vendor)], routes={"amazon_us": ["acme"]})):
        r = await client.post("/v1/orders", json=order_body(), headers=org.h("live"))
        (order,) = await settle(app, client, [r.json()["id"]], org.h("live"))
    assert order["status"] == "refunded" and order["failure"]["code"] == "out_of_stock"
    balance = (await client.get("/v1/balances", headers=org.h("live"))).json()["data"][0]
    assert balance["available"]["value"] == "100.00"
