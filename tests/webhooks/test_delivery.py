"""Webhooks end to end: a real receiver on loopback, signatures checked with the standardwebhooks library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from standardwebhooks import Webhook

from rewardkit.config import Settings
from rewardkit.jobs.models import Job
from rewardkit.kit.db import utcnow
from rewardkit.runtime import Runtime
from rewardkit.webhooks.models import WebhookEndpoint
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.webhooks.receiver import Receiver, Running


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Running(Receiver()) as r:
        yield r


@pytest.fixture
def fast_retries(ctx: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", "0,0,0")


async def endpoint(client: httpx.AsyncClient, org: OrgHandle, url: str, **extra: object) -> dict[str, object]:
    r = await client.post("/v1/webhook_endpoints", json={"url": url, **extra}, headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def verify(secret: str, got: object) -> dict[str, object]:
    payload: dict[str, object] = Webhook(secret).verify(got.body, got.headers)  # type: ignore[attr-defined]
    return payload


async def test_order_events_arrive_signed_and_verifiable(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org(USD="100.00")
    ep = await endpoint(client, org, receiver.url())
    assert str(ep["secret"]).startswith("whsec_")
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    await app.state.worker.drain()
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert sorted(types) == ["balance.low", "order.created", "order.fulfilled", "order.processing"]
    for got in [r for r in receiver.received if b'"order.' in r.body]:
        payload = verify(str(ep["secret"]), got)
        assert set(payload) == {"id", "type", "created_at", "resource_id", "sequence", "data"}
        assert got.headers["webhook-id"] == payload["id"]
        assert payload["data"]["id"] == order["id"]  # type: ignore[index]
    fulfilled = next(json.loads(r.body) for r in receiver.received if b"order.fulfilled" in r.body)
    assert fulfilled["data"]["voucher_url"] == order["voucher_url"]
    # The same event can always be fetched again.
    ev = await client.get(f"/v1/events/{fulfilled['id']}", headers=org.h())
    assert ev.status_code == 200 and ev.json()["data"] == fulfilled["data"]


async def test_endpoint_receives_only_the_events_it_asked_for(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org(USD="100.00")
    await endpoint(client, org, receiver.url(), enabled_events=["order.fulfilled"])
    await client.post("/v1/orders", json=order_body(), headers=org.h())
    await app.state.worker.drain()
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["order.fulfilled"]


async def test_failing_receiver_is_retried_until_it_recovers(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, fast_retries: None
) -> None:
    org = await make_org()
    receiver.script["/flaky"] = [(500, {}, 0.0), (502, {}, 0.0), (200, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/flaky"))
    r = await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    assert r.status_code == 200
    await app.state.worker.drain()
    assert len(receiver.at("/flaky")) == 3
    assert len({got.headers["webhook-id"] for got in receiver.at("/flaky")}) == 1  # one message, three tries
    deliveries = (await client.get(f"/v1/webhook_endpoints/{ep['id']}/deliveries", headers=org.h())).json()["data"]
    [d] = deliveries
    assert d["status"] == "succeeded" and d["event_type"] == "webhook.test"
    assert [a["status_code"] for a in d["attempts"]] == [500, 502, 200]
    assert all(a["latency_ms"] >= 0 for a in d["attempts"]) and d["attempts"][0]["response_excerpt"] == "ok 500"


async def test_delivery_gives_up_after_the_schedule(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, fast_retries: None
) -> None:
    org = await make_org()
    receiver.script["/down"] = [(500, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/down"))
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    assert len(receiver.at("/down")) == 4  # the first try and three retries
    [d] = (await client.get(f"/v1/webhook_endpoints/{ep['id']}/deliveries", headers=org.h())).json()["data"]
    assert d["status"] == "failed"
    still = (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())).json()
    assert still["enabled"] is True  # not yet failing for 5 days


async def test_410_disables_the_endpoint_and_says_so(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org()
    receiver.script["/gone"] = [(410, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/gone"))
    watcher = await endpoint(client, org, receiver.url("/watch"), enabled_events=["webhook_endpoint.disabled"])
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    assert len(receiver.at("/gone")) == 1
    got = (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())).json()
    assert got["enabled"] is False and "410" in got["disabled_reason"]
    [note] = receiver.at("/watch")
    assert verify(str(watcher["secret"]), note)["data"]["id"] == ep["id"]  # type: ignore[index]
    events = (await client.get("/v1/events", params={"type": "webhook_endpoint.disabled"}, headers=org.h())).json()
    assert [e["data"]["id"] for e in events["data"]] == [ep["id"]]
    # Re-enabling clears the reason.
    again = await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled": True}, headers=org.h())
    assert again.json()["enabled"] is True and again.json()["disabled_reason"] is None


async def test_retry_after_is_honoured(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, ctx: Runtime
) -> None:
    org = await make_org()
    receiver.script["/busy"] = [(429, {"Retry-After": "120"}, 0.0), (200, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/busy"))
    sent = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())).json()
    await app.state.worker.drain()
    assert len(receiver.at("/busy")) == 1
    async with ctx.db.unit_of_work(readonly=True) as s:
        job = (
            await s.execute(select(Job).where(Job.kind == "webhooks.deliver").order_by(Job.id.desc()).limit(20))
        ).scalars()
        mine = next(j for j in job if j.payload["delivery_id"] == sent["id"])
    wait = (mine.run_at - utcnow()).total_seconds()
    assert 100 < wait <= 120 and mine.status == "queued"


async def test_an_endpoint_failing_for_five_days_is_disabled(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, ctx: Runtime
) -> None:
    org = await make_org()
    receiver.script["/broken"] = [(500, {}, 0.0)]
    ep = await endpoint(client, org, receiver.url("/broken"))
    async with ctx.db.unit_of_work() as s:
        await s.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == ep["id"])
            .values(failing_since=utcnow() - timedelta(days=5, minutes=1))
        )
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    got = (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())).json()
    assert got["enabled"] is False and "120 hours" in got["disabled_reason"]


async def test_secret_rotation_signs_with_both_during_the_overlap(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/rot"))
    old = str(ep["secret"])
    rotated = (await client.post(f"/v1/webhook_endpoints/{ep['id']}/rotate_secret", headers=org.h())).json()
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    assert (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())).json()["secret"] is None
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    [got] = receiver.at("/rot")
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    verify(old, got)
    verify(new, got)
    # Rotating with no overlap drops the old secret at once.
    third = (
        await client.post(f"/v1/webhook_endpoints/{ep['id']}/rotate_secret", json={"overlap_hours": 0}, headers=org.h())
    ).json()["secret"]
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    await app.state.worker.drain()
    latest = receiver.at("/rot")[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    verify(third, latest)
    with pytest.raises(Exception, match="(?i)signature"):
        verify(new, latest)


async def test_redeliver_sends_the_same_event_again(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org = await make_org(USD="100.00")
    ep = await endpoint(client, org, receiver.url("/again"), enabled_events=["order.fulfilled"])
    await client.post("/v1/orders", json=order_body(), headers=org.h())
    await app.state.worker.drain()
    [first] = receiver.at("/again")
    event_id = first.headers["webhook-id"]
    r = await client.post(f"/v1/events/{event_id}/redeliver", headers=org.h())
    assert r.status_code == 200 and len(r.json()["data"]) == 1
    r = await client.post(f"/v1/events/{event_id}/redeliver", json={"endpoint_id": ep["id"]}, headers=org.h())
    assert r.status_code == 200
    await app.state.worker.drain()
    assert [g.headers["webhook-id"] for g in receiver.at("/again")] == [event_id] * 3
    assert (await client.post("/v1/events/evt_nope/redeliver", headers=org.h())).status_code == 404


async def test_one_slow_endpoint_does_not_hold_up_another(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_org: MakeOrg,
    receiver: Receiver,
    ctx: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_max_in_flight_per_endpoint", 2)
    slow_org, fast_org = await make_org(), await make_org()
    receiver.script["/slow"] = [(200, {}, 1.0)]
    slow = await endpoint(client, slow_org, receiver.url("/slow"))
    fast = await endpoint(client, fast_org, receiver.url("/fast"))
    for _ in range(6):
        await client.post(f"/v1/webhook_endpoints/{slow['id']}/test", headers=slow_org.h())
    for _ in range(6):
        await client.post(f"/v1/webhook_endpoints/{fast['id']}/test", headers=fast_org.h())
    for _ in range(100):  # deferred deliveries (endpoint busy) come due again after half a second
        await app.state.worker.drain()
        if len(receiver.at("/slow")) == 6:
            break
        await asyncio.sleep(0.1)
    order = [r.path for r in receiver.received if r.path in ("/slow", "/fast")]
    assert order.count("/fast") == 6 and order.count("/slow") == 6
    # Every fast delivery arrived before the slow endpoint's last ones, although queued after them.
    assert max(i for i, p in enumerate(order) if p == "/fast") < max(i for i, p in enumerate(order) if p == "/slow")


async def test_endpoint_crud_validation_and_isolation(
    client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver
) -> None:
    org, other = await make_org(), await make_org()
    ep = await endpoint(client, org, receiver.url(), description="main")
    assert ep["livemode"] is False and ep["enabled_events"] == ["*"]
    listed = (await client.get("/v1/webhook_endpoints", headers=org.h())).json()["data"]
    assert [e["id"] for e in listed] == [ep["id"]] and listed[0]["secret"] is None
    assert (await client.get("/v1/webhook_endpoints", headers=other.h())).json()["data"] == []
    assert (await client.get("/v1/webhook_endpoints", headers=org.h("live"))).json()["data"] == []
    assert (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=other.h())).status_code == 404
    patched = await client.patch(
        f"/v1/webhook_endpoints/{ep['id']}", json={"enabled_events": ["order.fulfilled"]}, headers=org.h()
    )
    assert patched.json()["enabled_events"] == ["order.fulfilled"]
    bad = [
        {"url": "ftp://example.com/x"},
        {"url": receiver.url(), "enabled_events": ["order.exploded"]},
        {"url": receiver.url(), "surprise": 1},
        {"url": "http://user:pw@example.com/x"},
    ]
    for body in bad:
        r = await client.post("/v1/webhook_endpoints", json=body, headers=org.h())
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    # Live mode: https only, and never a private or loopback address.
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://10.0.0.7/hook", "https://[::1]/x"):
        r = await client.post("/v1/webhook_endpoints", json={"url": url}, headers=org.h("live"))
        assert r.status_code == 422 and r.json()["code"] == "invalid_webhook_url", url
    deleted = await client.delete(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())
    assert deleted.json() == {"id": ep["id"], "object": "webhook_endpoint", "deleted": True}
    assert (await client.get(f"/v1/webhook_endpoints/{ep['id']}", headers=org.h())).status_code == 404


async def test_live_delivery_to_a_name_resolving_to_a_private_address_is_refused(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch, ctx: Runtime
) -> None:
    """DNS is the outside world: make a public-looking name resolve to a private address at send time."""
    import asyncio
    import socket

    from rewardkit.webhooks import service as webhooks

    org = await make_org()
    r = await client.post(
        "/v1/webhook_endpoints", json={"url": "https://hooks.rebind.example/x"}, headers=org.h("live")
    )
    assert r.status_code == 200, r.text
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def fake(host: str, *args: object, **kw: object) -> list[tuple[object, ...]]:
        if host == "hooks.rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
        return await real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", fake)
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", "0")
    from rewardkit.auth.principals import Principal

    ident = Principal("api_key", org.id, "live", "key_test")
    await webhooks.send_test(ctx, ident, r.json()["id"])
    await app.state.worker.drain()
    [d] = (await client.get(f"/v1/webhook_endpoints/{r.json()['id']}/deliveries", headers=org.h("live"))).json()["data"]
    assert d["status"] == "failed"
    assert all(a["status_code"] is None and "refused" in a["error"] for a in d["attempts"])


async def test_events_list_filters_and_scoping(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org, other = await make_org(USD="1000.00"), await make_org()
    order = (await client.post("/v1/orders", json=order_body(), headers=org.h())).json()
    everything = (await client.get("/v1/events", params={"limit": 100}, headers=org.h())).json()
    assert [e["type"] for e in everything["data"]] == ["order.fulfilled", "order.processing", "order.created"]
    assert all(e["data"]["id"] == order["id"] and e["livemode"] is False for e in everything["data"])
    one = (await client.get("/v1/events", params={"type": "order.created"}, headers=org.h())).json()["data"]
    assert [e["type"] for e in one] == ["order.created"]
    two = (
        await client.get("/v1/events", params=[("type", "order.created"), ("type", "order.fulfilled")], headers=org.h())
    ).json()["data"]
    assert len(two) == 2
    paged = (await client.get("/v1/events", params={"limit": 1}, headers=org.h())).json()
    assert paged["has_more"] and len(paged["data"]) == 1
    nxt = (await client.get("/v1/events", params={"limit": 5, "cursor": paged["next_cursor"]}, headers=org.h())).json()
    assert [e["id"] for e in nxt["data"]] == [e["id"] for e in everything["data"][1:]]
    assert (await client.get("/v1/events", headers=other.h())).json()["data"] == []
    assert (await client.get("/v1/events", headers=org.h("live"))).json()["data"] == []
    eid = everything["data"][0]["id"]
    assert (await client.get(f"/v1/events/{eid}", headers=other.h())).status_code == 404
    bad = await client.get("/v1/events", params={"type": "order.exploded"}, headers=org.h())
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_event_type"


async def test_a_crashed_workers_deliveries_are_still_made(
    client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, ctx: Runtime, settings: Settings
) -> None:
    """SIGKILL right after the receiver got it, before we recorded it: another worker sends it again
    (at least once, same webhook-id), and the delivery ends succeeded."""
    import signal

    from tests.jobs.test_crash import spawn_worker, stop

    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/crash"))
    await client.post(f"/v1/webhook_endpoints/{ep['id']}/test", headers=org.h())
    doomed = spawn_worker(settings, REWARDKIT_FAULT_KILL_AT="deliver:sent")
    assert await asyncio.to_thread(doomed.wait, 60) == -signal.SIGKILL
    assert len(receiver.at("/crash")) == 1
    rescuer = spawn_worker(settings)
    try:
        for _ in range(300):
            d = (await client.get(f"/v1/webhook_endpoints/{ep['id']}/deliveries", headers=org.h())).json()["data"][0]
            if d["status"] == "succeeded":
                break
            await asyncio.sleep(0.1)
    finally:
        stop(rescuer)
    assert d["status"] == "succeeded"
    got = receiver.at("/crash")
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    verify(str(ep["secret"]), got[1])


async def test_balance_events(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    """`balance.funded` on a top-up; `balance.low` once, when an order takes the wallet below the threshold."""
    from rewardkit.ledger import service as ledger

    org = await make_org()
    async with ctx.db.unit_of_work() as s:
        await ledger.fund_wallet(s, ctx.events, org.id, "test", "USD", 20000)  # 200.00
    for _ in range(3):  # 150, 100, 50: crosses 100.00 once
        await client.post("/v1/orders", json=order_body(), headers=org.h())
    events = (
        await client.get("/v1/events", params=[("type", "balance.funded"), ("type", "balance.low")], headers=org.h())
    ).json()["data"]
    assert [e["type"] for e in events] == ["balance.low", "balance.funded"]
    assert events[0]["data"]["available"]["value"] == "50.00"
    assert events[0]["data"]["threshold"]["value"] == "100.00"
    assert events[1]["data"]["amount"]["value"] == "200.00"


async def test_a_cli_top_up_reaches_webhooks_too(
    app: FastAPI, client: httpx.AsyncClient, make_org: MakeOrg, receiver: Receiver, settings: Settings
) -> None:
    import os
    import subprocess
    import sys

    org = await make_org()
    ep = await endpoint(client, org, receiver.url("/funds"), enabled_events=["balance.funded"])
    env = {**os.environ, "REWARDKIT_DATABASE_URL": settings.database_url, "REWARDKIT_SECRET_KEYS": settings.secret_keys}
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "rewardkit.cli",
            "wallets",
            "fund",
            "--org",
            org.id,
            "--currency",
            "USD",
            "--amount",
            "250.00",
            "--mode",
            "test",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    await app.state.worker.drain()
    [got] = receiver.at("/funds")
    payload = verify(str(ep["secret"]), got)
    assert payload["type"] == "balance.funded"
    assert payload["data"]["amount"]["value"] == "250.00"  # type: ignore[index]


async def test_a_live_endpoint_whose_name_resolves_to_loopback_is_refused_at_creation(
    client: httpx.AsyncClient, make_org: MakeOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS is the outside world: a public-looking name that resolves to 127.0.0.1 (or a private or
    metadata address) is refused when the endpoint is made or changed, not only at delivery; a name
    that does not resolve yet is accepted (its deliveries check again)."""
    import asyncio
    import socket

    answers = {
        "loop.rebind.example": "127.0.0.1",
        "private.rebind.example": "10.1.2.3",
        "metadata.rebind.example": "169.254.169.254",
        "public.rebind.example": "93.184.215.14",
    }
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def fake(host: str, *args: object, **kw: object) -> list[tuple[object, ...]]:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 443))]
        if host.endswith(".rebind.example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return await real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", fake)
    org = await make_org()
    for host in ("loop", "private", "metadata"):
        r = await client.post(
            "/v1/webhook_endpoints", json={"url": f"https://{host}.rebind.example/x"}, headers=org.h("live")
        )
        assert r.status_code == 422 and r.json()["code"] == "invalid_webhook_url", r.text
        assert answers[f"{host}.rebind.example"] in r.json()["detail"]
    live = org.h("live")
    ok = await client.post("/v1/webhook_endpoints", json={"url": "https://public.rebind.example/x"}, headers=live)
    assert ok.status_code == 200, ok.text
    later = await client.post("/v1/webhook_endpoints", json={"url": "https://soon.rebind.example/x"}, headers=live)
    assert later.status_code == 200, later.text
    moved = await client.patch(
        f"/v1/webhook_endpoints/{ok.json()['id']}", json={"url": "https://loop.rebind.example/y"}, headers=org.h("live")
    )
    assert moved.status_code == 422 and moved.json()["code"] == "invalid_webhook_url"
    listed = await client.get("/v1/webhook_endpoints", headers=org.h("live"))
    assert sorted(e["url"] for e in listed.json()["data"]) == [
        "https://public.rebind.example/x",
        "https://soon.rebind.example/x",
    ]
