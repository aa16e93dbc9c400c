"""What the points tests share: a program, a member, and reads of what an org can see."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.conftest import OrgHandle
from tests.links.helpers import problem as problem

P = "/v1/points_programs"


def program_body(**over: Any) -> dict[str, Any]:
    return {"name": "Acme Rewards", "currency": "USD", "points_per_unit": 100, **over}


async def program(client: httpx.AsyncClient, org: OrgHandle, mode: str = "test", **over: Any) -> dict[str, Any]:
    r = await client.post(P, json=program_body(**over), headers=org.h(mode))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def member(client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str = "", **body: Any) -> str:
    member_id = member_id or "user_" + secrets.token_hex(4)
    r = await client.put(f"{P}/{program_id}/members/{member_id}", json=body, headers=org.h())
    assert r.status_code == 200, r.text
    return member_id


def murl(program_id: str, member_id: str, tail: str = "") -> str:
    return f"{P}/{program_id}/members/{member_id}{tail}"


async def credit(
    client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str, points: int, **over: Any
) -> dict[str, Any]:
    body = {"points": points, "reference": "c-" + secrets.token_hex(6), **over}
    r = await client.post(murl(program_id, member_id, "/credits"), json=body, headers=org.h())
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def debit(
    client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str, points: int, **over: Any
) -> httpx.Response:
    body = {"points": points, "reference": "d-" + secrets.token_hex(6), **over}
    return await client.post(murl(program_id, member_id, "/debits"), json=body, headers=org.h())


async def show(client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str) -> dict[str, Any]:
    r = await client.get(murl(program_id, member_id), headers=org.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def balance(client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str) -> tuple[int, int]:
    b = (await show(client, org, program_id, member_id))["balance"]
    return b["available"], b["pending"]


async def history(client: httpx.AsyncClient, org: OrgHandle, program_id: str, member_id: str) -> list[dict[str, Any]]:
    r = await client.get(murl(program_id, member_id, "/transactions"), params={"limit": 100}, headers=org.h())
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


async def usd(client: httpx.AsyncClient, org: OrgHandle) -> int:
    r = await client.get("/v1/balances", headers=org.h())
    [b] = [b for b in r.json()["data"] if b["currency"] == "USD"]
    return int(b["available"]["minor_units"])
