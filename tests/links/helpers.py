"""What the links tests share: a link's body, and reads of what an org can see."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from rewardkit.jobs.models import Job
from rewardkit.kit.errors import PROBLEM_JSON
from rewardkit.runtime import Runtime
from tests.conftest import OrgHandle


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


def link_body(**over: Any) -> dict[str, Any]:
    return {
        "value": 25,
        "currency": "USD",
        "choice": {"products": ["amazon_us"]},
        "recipient": {"email": "ada@example.com", "name": "Ada", "country": "US"},
        "message": "Thanks!",
        "sender_name": "Acme",
        **over,
    }


def token_of(link: dict[str, Any]) -> str:
    return str(link["url"]).rsplit("/", 1)[1]


async def create(client: httpx.AsyncClient, org: OrgHandle, **over: Any) -> dict[str, Any]:
    r = await client.post("/v1/reward_links", json=link_body(**over), headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def usd(client: httpx.AsyncClient, org: OrgHandle) -> tuple[int, int, int]:
    """(available, pending, reserved) of the org's USD balance, in cents."""
    r = await client.get("/v1/balances", headers=org.h())
    assert r.status_code == 200, r.text
    [b] = [b for b in r.json()["data"] if b["currency"] == "USD"]
    return b["available"]["minor_units"], b["pending"]["minor_units"], b["reserved"]["minor_units"]


async def links_of(client: httpx.AsyncClient, org: OrgHandle) -> list[dict[str, Any]]:
    r = await client.get("/v1/reward_links", params={"limit": 100}, headers=org.h())
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


async def statement_types(client: httpx.AsyncClient, org: OrgHandle) -> list[str]:
    r = await client.get("/v1/balance_transactions", params={"limit": 100}, headers=org.h())
    return [line["type"] for line in r.json()["data"]]


async def events_of(client: httpx.AsyncClient, org: OrgHandle, link_id: str) -> list[str]:
    r = await client.get("/v1/events", params={"limit": 100}, headers=org.h())
    assert r.status_code == 200, r.text
    return [e["type"] for e in reversed(r.json()["data"]) if e["data"].get("id") == link_id]


async def expiry_job(ctx: Runtime, link_id: str) -> Job:
    async with ctx.db.unit_of_work(readonly=True) as s:
        job = (await s.execute(select(Job).where(Job.unique_key == f"expire:{link_id}"))).scalar_one()
    return job
