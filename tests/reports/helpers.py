"""What the reports tests share: run a report, read its file, read balances."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from tests.conftest import OrgHandle

R = "/v1/reports"


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def window(days: int = 1) -> tuple[str, str]:
    """From `days` ago to now (interval_end may not pass now)."""
    now = datetime.now(UTC)
    return iso(now - timedelta(days=days)), iso(now)


async def run(client: httpx.AsyncClient, org: OrgHandle, type_: str, mode: str = "test", **over: Any) -> dict[str, Any]:
    start, end = window()
    body = {"type": type_, "interval_start": start, "interval_end": end, **over}
    r = await client.post(R, json=body, headers=org.h(mode))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["status"] == "succeeded", out
    return out


async def download(client: httpx.AsyncClient, org: OrgHandle, run_id: str, mode: str = "test") -> httpx.Response:
    r = await client.get(f"{R}/{run_id}/download", headers=org.h(mode))
    assert r.status_code == 200, r.text
    return r


def rows_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def rows_jsonl(body: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in body.splitlines() if line]


async def fetch(client: httpx.AsyncClient, org: OrgHandle, type_: str, fmt: str = "jsonl", **over: Any) -> list[Any]:
    run_ = await run(client, org, type_, format=fmt, **over)
    body = (await download(client, org, run_["id"], over.get("mode", "test"))).content
    return rows_jsonl(body) if fmt == "jsonl" else rows_csv(body)


async def balances(client: httpx.AsyncClient, org: OrgHandle) -> dict[str, dict[str, int]]:
    r = await client.get("/v1/balances", headers=org.h())
    assert r.status_code == 200, r.text
    return {
        b["currency"]: {k: b[k]["minor_units"] for k in ("available", "pending", "reserved")} for b in r.json()["data"]
    }
