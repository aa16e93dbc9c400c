"""Ordered delivery (`ordered: true` on an endpoint): a resource's events reach the endpoint one at a
time in sequence order, and a resource whose delivery is stuck holds up only its own later events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from rewardkit.runtime import Runtime
from rewardkit.webhooks.models import WEBHOOK_TEST
from tests.conftest import MakeOrg, OrgHandle
from tests.webhooks.receiver import Received, Receiver, Running


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Running(Receiver()) as r:
        yield r


async def emit(ctx: Runtime, org: OrgHandle, resource_id: str, note: str) -> None:
    """An event about `resource_id`, fanned out to the org's endpoints, in its own transaction."""
    async with ctx.db.unit_of_work() as s:
        data = {"object": "webhook_test", "note": note}
        await ctx.events.emit(s, org.id, "test", WEBHOOK_TEST, data, resource_id=resource_id)


def note(r: Received) -> str:
    return str(json.loads(r.body)["data"]["note"])


def first_fails_once() -> Callable[[Received], int | None]:
    failed: list[Received] = []

    def answer(r: Received) -> int | None:
        if note(r) == "A1" and not failed:
            failed.append(r)
            return 500
        return None

    return answer


async def make_endpoint(client: httpx.AsyncClient, org: OrgHandle, url: str, ordered: bool) -> dict[str, object]:
    r = await client.post("/v1/webhook_endpoints", json={"url": url, "ordered": ordered}, headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    assert body["ordered"] is ordered
    return body


async def test_a_stuck_event_holds_up_only_its_own_resource(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: Runtime,
    make_org: MakeOrg,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", "3600")  # A1's retry is an hour away
    receiver.status_for = lambda r: 500 if note(r) == "A1" else None
    org, run = await make_org(), secrets.token_hex(4)
    await make_endpoint(client, org, receiver.url("/ordered"), ordered=True)
    await make_endpoint(client, org, receiver.url("/unordered"), ordered=False)
    for n in ("A1", "B1", "A2", "B2", "A3"):
        await emit(ctx, org, f"res_{n[0]}_{run}", n)
    for _ in range(100):  # B2 waits for B1 (in flight at once) and looks again a second later
        # The jobs table is the session's: other tests' jobs may keep it busy past a drain's timeout on
        # a loaded machine. What this test asserts is what reached the receiver, checked each round.
        with contextlib.suppress(TimeoutError):
            await app.state.worker.drain(max_seconds=5.0)
        if len(receiver.at("/ordered")) >= 3 and len(receiver.at("/unordered")) == 5:
            break
        await asyncio.sleep(0.1)
    # Ordered: A1 failed and waits for its retry, so A2 and A3 wait too; B's events are not held up.
    # (Across resources there is no order: A1 and B1 go at the same time.)
    assert sorted(note(r) for r in receiver.at("/ordered")) == ["A1", "B1", "B2"]
    assert [note(r) for r in receiver.at("/ordered") if note(r).startswith("B")] == ["B1", "B2"]
    # Without ordering every event goes as soon as it can.
    assert sorted(note(r) for r in receiver.at("/unordered")) == ["A1", "A2", "A3", "B1", "B2"]


async def test_a_resources_events_arrive_in_sequence_after_a_retry(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: Runtime,
    make_org: MakeOrg,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ctx.settings, "webhook_retry_schedule", "0,0,0")
    receiver.status_for = first_fails_once()
    org = await make_org()
    ep = await make_endpoint(client, org, receiver.url("/ordered"), ordered=False)
    patched = await client.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"ordered": True}, headers=org.h())
    assert patched.json()["ordered"] is True
    resource = f"res_A_{secrets.token_hex(4)}"
    for n in ("A1", "A2", "A3"):
        await emit(ctx, org, resource, n)
    for _ in range(100):  # the waiting events look again every second (tasks.ORDERED_RECHECK_SECONDS)
        await app.state.worker.drain()
        if len(receiver.at("/ordered")) == 4:
            break
        await asyncio.sleep(0.1)
    got = [(note(r), json.loads(r.body)["sequence"]) for r in receiver.at("/ordered")]
    assert got == [("A1", 1), ("A1", 1), ("A2", 2), ("A3", 3)]
