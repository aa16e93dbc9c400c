"""Idempotency-Key on POST /v1/orders: a retried request is answered once and charged once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from rewardkit.kit import idempotency
from rewardkit.kit.db import utcnow
from rewardkit.kit.errors import PROBLEM_JSON
from rewardkit.kit.idempotency import IdempotencyRecord
from rewardkit.kit.money import to_minor
from rewardkit.ledger import service as ledger
from rewardkit.runtime import Runtime
from rewardkit.suppliers.adapters.sandbox import SandboxSupplier
from rewardkit.suppliers.registry import Registry
from tests.conftest import MakeOrg, OrgHandle, order_body
from tests.suppliers import registry


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"/problems/{code}" and body["title"] and body["detail"]
    return body


async def orders_of(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test") -> list[dict[str, Any]]:
    r = await client.get("/v1/orders", params={"limit": 100}, headers=org.h(mode))
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def debits_of(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test") -> list[dict[str, Any]]:
    r = await client.get("/v1/balance_transactions", params={"limit": 100}, headers=org.h(mode))
    assert r.status_code == 200, r.text
    return [line for line in r.json()["data"] if line["type"] == "order_debit"]


async def available(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test") -> str:
    data = (await client.get("/v1/balances", headers=org.h(mode))).json()["data"]
    return str(data[0]["available"]["value"]) if data else "none"


async def fund(ctx: Runtime, org: OrgHandle, amount: str, mode: str = "test") -> None:
    async with ctx.db.unit_of_work() as s:
        await ledger.fund(s, org.id, mode, "USD", to_minor(amount, "USD"))


async def insert_record(
    ctx: Runtime,
    org: OrgHandle,
    key: str,
    body: dict[str, Any],
    *,
    age: timedelta = timedelta(0),
    expires_in: timedelta = timedelta(hours=24),
    status: str = "in_flight",
    response: Any = None,
) -> None:
    """A record as another process would have left it."""
    now = utcnow()
    async with ctx.db.unit_of_work() as s:
        s.add(
            IdempotencyRecord(
                org_id=org.id,
                mode="test",
                key=key,
                fingerprint=idempotency.fingerprint("POST", "/v1/orders", body),
                status=status,
                locked_at=now - age,
                created_at=now - age,
                expires_at=now + expires_in,
                response_status=200 if response is not None else None,
                response_body=ctx.keyring.encrypt(orjson.dumps(response).decode()) if response is not None else None,
                response_headers={} if response is not None else None,
            )
        )


async def records_of(ctx: Runtime, org: OrgHandle) -> list[IdempotencyRecord]:
    async with ctx.db.unit_of_work(readonly=True) as s:
        return list((await s.execute(select(IdempotencyRecord).where(IdempotencyRecord.org_id == org.id))).scalars())


def key(k: str, **extra: str) -> dict[str, str]:
    return {"Idempotency-Key": k, **extra}


async def test_same_key_and_body_replays_without_charging_again(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("replay-1")))
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    for _ in range(3):
        again = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("replay-1")))
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["content-type"] == "application/json"
        assert again.json() == first.json()
    assert [o["id"] for o in await orders_of(client, org)] == [first.json()["id"]]
    debits = await debits_of(client, org)
    assert len(debits) == 1 and debits[0]["source_id"] == first.json()["id"]
    assert await available(client, org) == "50.00"


async def test_replay_ignores_json_key_order_and_whitespace(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("order-k")))
    reordered = b'{ "currency": "USD",\n  "denomination": 50, "product_id": "amazon_us" }'
    again = await client.post(
        "/v1/orders",
        content=reordered,
        headers=org.h(**key("order-k", **{"Content-Type": "application/json"})),
    )
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(await debits_of(client, org)) == 1


@pytest.mark.parametrize(
    "other",
    [{"denomination": 25}, {"external_id": "x-1"}, {"recipient": "user@acme.com"}],
    ids=["denomination", "external_id", "recipient"],
)
async def test_same_key_other_body_is_422_and_charges_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, other: dict[str, Any]
) -> None:
    org = await make_org(USD="100.00")
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("reused")))
    assert first.status_code == 200
    r = await client.post("/v1/orders", json=order_body(**other), headers=org.h(**key("reused")))
    assert_problem(r, 422, "idempotency_key_reused")
    assert "Idempotent-Replayed" not in r.headers
    assert [o["id"] for o in await orders_of(client, org)] == [first.json()["id"]]
    assert len(await debits_of(client, org)) == 1
    assert await available(client, org) == "50.00"


async def test_request_in_flight_is_409_with_retry_after(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    await insert_record(ctx, org, "busy", order_body())
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("busy")))
    assert_problem(r, 409, "idempotency_key_in_flight")
    assert int(r.headers["Retry-After"]) >= 1
    assert await orders_of(client, org) == []
    assert await debits_of(client, org) == []
    assert await available(client, org) == "100.00"
    # Another body under the busy key is a reuse, not a wait.
    other = await client.post("/v1/orders", json=order_body(denomination=25), headers=org.h(**key("busy")))
    assert_problem(other, 422, "idempotency_key_reused")


async def test_stale_in_flight_record_is_taken_over_and_completes(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    stale = timedelta(seconds=ctx.settings.idempotency_lock_seconds + 5)
    await insert_record(ctx, org, "crashed", order_body(), age=stale)
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("crashed")))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "fulfilled"
    again = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("crashed")))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == r.json()["id"]
    assert len(await orders_of(client, org)) == 1
    assert len(await debits_of(client, org)) == 1
    [rec] = await records_of(ctx, org)
    assert rec.status == "completed" and rec.resource_id == r.json()["id"]


async def test_in_flight_record_just_under_the_lock_is_not_taken_over(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    fresh = timedelta(seconds=ctx.settings.idempotency_lock_seconds - 5)
    await insert_record(ctx, org, "slow", order_body(), age=fresh)
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("slow")))
    assert_problem(r, 409, "idempotency_key_in_flight")
    assert await orders_of(client, org) == []


async def test_keys_are_scoped_per_org(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    a, b = await make_org(USD="100.00"), await make_org(USD="100.00")
    ra = await client.post("/v1/orders", json=order_body(), headers=a.h(**key("shared-key")))
    rb = await client.post("/v1/orders", json=order_body(), headers=b.h(**key("shared-key")))
    assert ra.status_code == rb.status_code == 200
    assert "Idempotent-Replayed" not in rb.headers
    assert ra.json()["id"] != rb.json()["id"]
    for org, r in ((a, ra), (b, rb)):
        assert [o["id"] for o in await orders_of(client, org)] == [r.json()["id"]]
        assert len(await debits_of(client, org)) == 1
        assert await available(client, org) == "50.00"
    # A different body under the same key in another org is not a reuse either.
    rc = await client.post(
        "/v1/orders",
        json=order_body(denomination=25),
        headers=(await make_org(USD="30.00")).h(**key("shared-key")),
    )
    assert rc.status_code == 200, rc.text


class LiveSandbox(SandboxSupplier):
    """A stand-in live supplier, so that live orders can be placed in a test."""

    name = "fake_live"

    def supports(self, mode: str) -> bool:
        return True


async def test_keys_are_scoped_per_mode(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with registry(ctx, Registry([LiveSandbox()], routes={"*": ["fake_live"]})):
        org = await make_org(USD="100.00")
        await fund(ctx, org, "100.00", mode="live")
        test = await client.post("/v1/orders", json=order_body(), headers=org.h("test", **key("mode-key")))
        live = await client.post("/v1/orders", json=order_body(), headers=org.h("live", **key("mode-key")))
        assert test.status_code == live.status_code == 200, live.text
        assert "Idempotent-Replayed" not in live.headers
        assert (test.json()["livemode"], live.json()["livemode"]) == (False, True)
        assert test.json()["id"] != live.json()["id"]
        for mode, r in (("test", test), ("live", live)):
            assert [o["id"] for o in await orders_of(client, org, mode)] == [r.json()["id"]]
            assert len(await debits_of(client, org, mode)) == 1
            assert await available(client, org, mode) == "50.00"
            again = await client.post("/v1/orders", json=order_body(), headers=org.h(mode, **key("mode-key")))
            assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == r.json()["id"]


async def test_live_request_never_replays_a_test_order(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    await fund(ctx, org, "100.00", mode="live")
    test = await client.post("/v1/orders", json=order_body(), headers=org.h("test", **key("mode-key")))
    assert test.status_code == 200
    # No live supplier is configured: the live request runs (and is refused) instead of replaying.
    live = await client.post("/v1/orders", json=order_body(), headers=org.h("live", **key("mode-key")))
    assert_problem(live, 422, "product_unavailable")
    assert "Idempotent-Replayed" not in live.headers
    assert await orders_of(client, org, "live") == []
    assert await debits_of(client, org, "live") == []
    assert await available(client, org, "live") == "100.00"
    again = await client.post("/v1/orders", json=order_body(), headers=org.h("test", **key("mode-key")))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == test.json()["id"]


async def test_failed_request_does_not_burn_the_key(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="10.00")
    poor = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("retry-me")))
    assert_problem(poor, 402, "insufficient_funds")
    assert await orders_of(client, org) == []
    assert await records_of(ctx, org) == []
    await fund(ctx, org, "90.00")
    ok = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("retry-me")))
    assert ok.status_code == 200, ok.text
    assert "Idempotent-Replayed" not in ok.headers
    assert ok.json()["status"] == "fulfilled"
    assert len(await debits_of(client, org)) == 1
    assert await available(client, org) == "50.00"


async def test_corrected_retry_after_a_refused_body_runs(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    bad = await client.post("/v1/orders", json=order_body(denomination=7), headers=org.h(**key("fix-me")))
    assert_problem(bad, 422, "invalid_denomination")
    good = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("fix-me")))
    assert good.status_code == 200, good.text
    assert len(await orders_of(client, org)) == 1


@pytest.mark.parametrize(
    "bad_key",
    ["", "a" * 256, "clé".encode(), "ключ".encode(), "tab\there", "emoji-\U0001f600".encode()],
    ids=["empty", "256_chars", "latin1", "cyrillic", "control_char", "emoji"],
)
async def test_invalid_key_is_400_and_writes_nothing(
    client: httpx.AsyncClient, make_org: MakeOrg, bad_key: str | bytes
) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(), headers={**org.h(), "Idempotency-Key": bad_key})
    assert_problem(r, 400, "idempotency_key_invalid")
    assert await orders_of(client, org) == []
    assert await available(client, org) == "100.00"


async def test_longest_valid_key_is_accepted(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    k = "k" * idempotency.MAX_KEY_LENGTH
    first = await client.post("/v1/orders", json=order_body(), headers=org.h(**key(k)))
    assert first.status_code == 200, first.text
    again = await client.post("/v1/orders", json=order_body(), headers=org.h(**key(k)))
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_concurrent_identical_requests_charge_once(client: httpx.AsyncClient, make_org: MakeOrg) -> None:
    org = await make_org(USD="100.00")
    responses = await asyncio.gather(
        *[client.post("/v1/orders", json=order_body(), headers=org.h(**key("race"))) for _ in range(20)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, [r.text for r in responses]
    ok = [r for r in responses if r.status_code == 200]
    assert ok, "at least the winner answers 200"
    assert len({r.json()["id"] for r in ok}) == 1
    for r in responses:
        if r.status_code == 409:
            assert_problem(r, 409, "idempotency_key_in_flight")
            assert r.headers["Retry-After"]
    [order] = await orders_of(client, org)
    assert order["id"] == ok[0].json()["id"]
    assert len(await debits_of(client, org)) == 1
    assert await available(client, org) == "50.00"
    # Once settled, every retry replays the one order.
    again = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("race")))
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == order["id"]


async def test_expired_record_is_replaced(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    org = await make_org(USD="100.00")
    old_response = {**order_body(), "id": "ord_from_long_ago", "status": "fulfilled"}
    await insert_record(
        ctx,
        org,
        "old-key",
        order_body(),
        age=timedelta(hours=30),
        expires_in=timedelta(hours=-6),
        status="completed",
        response=old_response,
    )
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("old-key")))
    assert r.status_code == 200, r.text
    assert "Idempotent-Replayed" not in r.headers
    assert r.json()["id"] != "ord_from_long_ago"
    assert len(await debits_of(client, org)) == 1
    [rec] = await records_of(ctx, org)
    assert rec.resource_id == r.json()["id"] and rec.expires_at > utcnow()


async def test_expired_record_with_another_body_is_not_a_reuse(
    client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime
) -> None:
    org = await make_org(USD="100.00")
    await insert_record(
        ctx,
        org,
        "old-key",
        order_body(denomination=25),
        age=timedelta(hours=30),
        expires_in=timedelta(seconds=-1),
        status="completed",
        response={"id": "ord_old"},
    )
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("old-key")))
    assert r.status_code == 200, r.text
    assert len(await orders_of(client, org)) == 1


async def test_stored_response_is_encrypted(client: httpx.AsyncClient, make_org: MakeOrg, ctx: Runtime) -> None:
    org = await make_org(USD="100.00")
    r = await client.post("/v1/orders", json=order_body(), headers=org.h(**key("secret")))
    code = r.json()["voucher"]["code"]
    [rec] = await records_of(ctx, org)
    assert rec.response_body is not None
    assert code not in rec.response_body and r.json()["id"] not in rec.response_body
    assert orjson.loads(ctx.keyring.decrypt(rec.response_body))["voucher"]["code"] == code
