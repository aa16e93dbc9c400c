"""One open-loop load generator for the product phases (links, points, …): requests sent at a fixed
offered rate whatever the answers' latency, each latency measured from the moment it was due (so a
server that falls behind shows it in p99, not in a lower rate: no coordinated omission)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.loadgen import percentile

# send(client, i) -> the i-th request's response; ok(response) says whether it counts as a success.
Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def open_loop(
    url: str,
    send: Send,
    *,
    n: int,
    rate: float,
    seconds: float,
    limit_s: float,
    headers: dict[str, str] | None = None,
    ok_status: int = 200,
) -> dict[str, Any]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=limit_s, headers=headers, limits=limits) as c:
        # Connections opened beforehand: the first requests do not pay for a handshake the rest do not.
        await asyncio.gather(*(c.get("/healthz") for _ in range(16)))
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2

        async def one(i: int) -> None:
            at = start + i / rate
            await asyncio.sleep(max(0.0, at - loop.time()))
            try:
                r = await send(c, i)
                key = str(r.status_code)
                ok = r.status_code == ok_status
            except httpx.HTTPError as exc:
                key, ok = type(exc).__name__, False
            outcomes[key] = outcomes.get(key, 0) + 1
            latencies.append((loop.time() - at) * 1000 if ok else math.inf)

        t0 = loop.time()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = loop.time() - t0
    ok_n = sum(1 for v in latencies if v != math.inf)
    return {
        "offered_rate": rate,
        "seconds": seconds,
        "requests": n,
        "ok": ok_n,
        "outcomes": outcomes,
        "achieved_per_s": ok_n / wall if wall > 0 else 0.0,
        "latency_ms": {q: percentile(latencies, v) for q, v in (("p50", 50), ("p95", 95), ("p99", 99))},
    }
