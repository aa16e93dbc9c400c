"""GET /metrics: Prometheus text, routes by template (never a raw path, an id or a token), latency,
jobs by kind and state, supplier errors, webhook deliveries, ledger verify age; a token when one is
set; one registry per app (docs/deploy.md "Metrics")."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from rewardkit.app import create_app
from rewardkit.config import Settings
from rewardkit.jobs.models import Job
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime
from tests.conftest import MakeOrg, order_body
from tests.rawhttp import RawServer

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, **headers: str) -> tuple[str, Samples]:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return r.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_and_status(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="500.00")
    _, before = await scrape(client)
    orders = [(await client.post("/v1/orders", json=order_body(), headers=org.h())).json() for _ in range(3)]
    one = await client.get(f"/v1/orders/{orders[0]['id']}", headers=org.h())
    assert one.status_code == 200
    page = await client.get(httpx.URL(orders[0]["voucher_url"]).path)
    assert page.status_code == 200
    await client.get("/v1/orders/ord_nope", headers=org.h())
    await client.get("/no/such/sk_test_thing")
    text, after = await scrape(client)

    posted = ("rewardkit_http_requests_total", dict(method="POST", route="/v1/orders", status="200"))
    assert value(after, posted[0], **posted[1]) - value(before, posted[0], **posted[1]) == 3
    got = dict(method="GET", route="/v1/orders/{order_id}", status="200")
    assert value(after, "rewardkit_http_requests_total", **got) >= 1
    assert value(after, "rewardkit_http_requests_total", method="GET", route="/v1/orders/{order_id}", status="404") >= 1
    assert value(after, "rewardkit_http_requests_total", method="GET", route="/v/{token}", status="200") >= 1
    assert value(after, "rewardkit_http_requests_total", method="GET", route="[unmatched]", status="404") >= 1
    count = value(after, "rewardkit_http_request_duration_seconds_count", method="POST", route="/v1/orders")
    assert (
        count - value(before, "rewardkit_http_request_duration_seconds_count", method="POST", route="/v1/orders") == 3
    )
    inf = value(after, "rewardkit_http_request_duration_seconds_bucket", method="POST", route="/v1/orders", le="+Inf")
    assert inf == count

    # Raw paths carry ids and bearer tokens: none of them is a label value.
    token = httpx.URL(orders[0]["voucher_url"]).path.removeprefix("/v/")
    for secret in (token, orders[0]["id"], "ord_nope", "sk_test_thing", org.test_key, orders[0]["voucher"]["code"]):
        assert secret not in text


async def test_an_unusual_method_does_not_create_a_label_value(client: httpx.AsyncClient) -> None:
    await client.request("BREW", "/healthz")
    text, samples = await scrape(client)
    assert "BREW" not in text
    assert value(samples, "rewardkit_http_requests_total", method="OTHER", route="/healthz", status="405") >= 1


async def test_supplier_errors_are_counted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    _, before = await scrape(client)
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "fail"}), headers=org.h())
    assert r.json()["status"] == "refunded"
    _, after = await scrape(client)
    labels = dict(supplier="sandbox", kind="permanent")
    assert (
        value(after, "rewardkit_supplier_errors_total", **labels)
        - value(before, "rewardkit_supplier_errors_total", **labels)
        == 1
    )


async def test_jobs_are_gauged_by_kind_and_state(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    """A slow order leaves its fulfil job queued (no worker runs in tests): the gauge reads the table."""
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(metadata={"sandbox": "slow:300"}), headers=org.h())
    assert r.status_code == 202
    async with ctx.db.unit_of_work(readonly=True) as s:
        statuses = [j.status for j in (await s.execute(select(Job).where(Job.kind == "orders.fulfil"))).scalars()]
    _, samples = await scrape(client)
    for state in ("queued", "running", "dead"):
        assert value(samples, "rewardkit_jobs", kind="orders.fulfil", state=state) == statuses.count(state)
    assert value(samples, "rewardkit_jobs", kind="orders.fulfil", state="queued") >= 1
    assert ("rewardkit_jobs", frozenset({("kind", "orders.fulfil"), ("state", "succeeded")})) not in samples


class Receiver(RawServer):
    async def _respond(self, target: str, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()


async def test_webhook_deliveries_are_counted_by_outcome(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        org = await make_org(USD="100.00")
        url = f"http://127.0.0.1:{receiver.port}/hook"
        r = await client.post(
            "/v1/webhook_endpoints", json={"url": url, "enabled_events": ["order.fulfilled"]}, headers=org.h()
        )
        assert r.status_code in (200, 201), r.text
        _, before = await scrape(client)
        order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
        assert order["status"] == "fulfilled"
        listed = await client.get(f"/v1/webhook_endpoints/{r.json()['id']}/deliveries", headers=org.h())
        body = listed.json()
        deliveries = {d["id"] for d in (body["data"] if isinstance(body, dict) else body)}
        assert deliveries
        async with ctx.db.unit_of_work(readonly=True) as s:
            queued = (
                await s.execute(select(Job).where(Job.kind == "webhooks.deliver", Job.status == "queued"))
            ).scalars()
            mine = [j.id for j in queued if j.payload.get("delivery_id") in deliveries]
        assert mine and ctx.worker is not None
        for job_id in mine:  # this process's worker runs exactly these jobs (none runs in tests otherwise)
            assert await ctx.worker.run_now(job_id)
        _, after = await scrape(client)
    finally:
        await receiver.stop()
    succeeded = "rewardkit_webhook_deliveries_total"
    assert value(after, succeeded, outcome="succeeded") - value(before, succeeded, outcome="succeeded") == len(mine)


async def test_ledger_verify_age_is_exposed_after_a_verify(
    client: httpx.AsyncClient, ctx: Runtime, settings: Settings, tmp_path: Path
) -> None:
    """`rewardkit ledger verify` records its success; the gauge counts the seconds since."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(REWARDKIT_DATABASE_URL=settings.database_url, REWARDKIT_SECRET_KEYS=settings.secret_keys)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rewardkit.cli", "ledger", "verify", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, (out, err)
    async with ctx.db.unit_of_work(readonly=True) as s:
        recorded = await ledger.verify_age(s)
    assert recorded and recorded[0][1] >= 0
    _, samples = await scrape(client)
    age = samples[("rewardkit_ledger_verify_age_seconds", frozenset())]
    assert 0 <= age < 24 * 3600  # seconds, not milliseconds or a timestamp


def test_metrics_is_not_in_the_openapi_description(app: FastAPI) -> None:
    assert "/metrics" not in app.openapi()["paths"]


@pytest.fixture
async def guarded_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"metrics_token": "mt_" + "s3cret" * 6}))
    async with LifespanManager(app):
        yield app


async def test_a_metrics_token_is_required_when_set(guarded_app: FastAPI, client: httpx.AsyncClient) -> None:
    token = guarded_app.state.runtime.settings.metrics_token
    transport = httpx.ASGITransport(app=guarded_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": token},
            {"Authorization": f"Basic {token}"},
        ):
            r = await c.get("/metrics", headers=headers)
            assert r.status_code == 401, headers
            assert r.json()["code"] == "metrics_unauthorized"
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert token not in r.text
        text, samples = await scrape(c, Authorization=f"Bearer {token}")
    # Its own registry: the session app's orders are not counted here, its 401s are.
    assert value(samples, "rewardkit_http_requests_total", method="POST", route="/v1/orders", status="200") == 0
    assert value(samples, "rewardkit_http_requests_total", method="GET", route="/metrics", status="401") == 4
    assert guarded_app.state.runtime.metrics.registry is not client._transport.app.state.runtime.metrics.registry  # type: ignore[attr-defined]
