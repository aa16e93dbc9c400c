"""The reward points bench (`python -m bench.run --only points`): against one `rewardkit serve` on a
PostgreSQL clone (bench/run.py `points_phase`), one program (on_redemption, 100 points per USD), each
step bounded in time:

(a) sustained single credits: closed loops (`concurrency` clients, each sending its next POST
    …/members/{id}/credits as soon as the previous answered) for `credit_seconds`, spread over `members`
    members (a credit locks its member's row: one member would measure that queue, not the program);
(b) batch credits: `batches` POST /v1/points_programs/{id}/credits/batch of 1,000 items one after the
    other; credits/s = items / total time;
(c) redemption latency: POST …/members/{id}/redemptions (amazon_us 10 USD = 1,000 points, sandbox
    supplier) at a fixed offered rate, open loop (each request sent at its scheduled time whatever the
    others do; latency counted from that time), each request on a member of its own credited by (b).

Writes nothing itself: bench/run.py puts the figures in the report and in bench/results/points.md.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench import report
from bench.loadgen import percentile
from bench.openloop import open_loop

BATCH = 1000
PROGRAM = {"name": "Bench points", "currency": "USD", "points_per_unit": 100}
REDEEM = {"product_id": "amazon_us", "denomination": "10", "currency": "USD"}


@dataclass
class Settings:
    members: int = 200
    concurrency: int = 16
    credit_seconds: float = 15.0
    batches: int = 3
    redeem_rates: tuple[float, ...] = (10.0, 25.0)
    redeem_seconds: float = 10.0
    timeout_s: float = 60.0

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        if smoke:
            return cls(
                members=20, concurrency=4, credit_seconds=3.0, batches=1, redeem_rates=(5.0,), redeem_seconds=2.0
            )
        return cls()


async def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code != 200:
        raise RuntimeError(f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text[:500]}")
    body: dict[str, Any] = r.json()
    return body


async def setup(api: httpx.AsyncClient, s: Settings, redeemers: int) -> tuple[str, list[str], list[str]]:
    """The program, `s.members` members for the credits and `redeemers` more for the redemptions."""
    program = await _ok(await api.post("/v1/points_programs", json=PROGRAM))
    pid = str(program["id"])
    tag = secrets.token_hex(3)
    members = [f"bench-{tag}-{i}" for i in range(s.members)]
    redeem = [f"bench-{tag}-r{i}" for i in range(redeemers)]
    sem = asyncio.Semaphore(16)

    async def put(m: str) -> None:
        async with sem:
            r = await api.put(f"/v1/points_programs/{pid}/members/{m}", json={"name": m})
            await _ok(r)

    await asyncio.gather(*(put(m) for m in members + redeem))
    return pid, members, redeem


async def single_credits(url: str, auth: dict[str, str], pid: str, members: list[str], s: Settings) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=s.concurrency * 2, max_keepalive_connections=s.concurrency * 2)
    async with httpx.AsyncClient(base_url=url, timeout=s.timeout_s, headers=auth, limits=limits) as c:
        stop = time.monotonic() + s.credit_seconds

        async def loop(k: int) -> None:
            i = k
            while time.monotonic() < stop:
                m = members[i % len(members)]
                i += s.concurrency
                t = time.monotonic()
                body = {"points": 10, "reference": f"single-{k}-{i}-{secrets.token_hex(3)}"}
                try:
                    r = await c.post(f"/v1/points_programs/{pid}/members/{m}/credits", json=body)
                    key = None if r.status_code == 200 else str(r.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                if key is None:
                    latencies.append((time.monotonic() - t) * 1000)
                else:
                    errors[key] = errors.get(key, 0) + 1

        t0 = time.monotonic()
        await asyncio.gather(*(loop(k) for k in range(s.concurrency)))
        wall = time.monotonic() - t0
    return {
        "concurrency": s.concurrency,
        "seconds": wall,
        "ok": len(latencies),
        "errors": errors,
        "per_s": len(latencies) / wall if wall > 0 else 0.0,
        "latency_ms": {q: percentile(latencies, v) for q, v in (("p50", 50), ("p99", 99))},
    }


async def batch_credits(api: httpx.AsyncClient, pid: str, members: list[str], s: Settings) -> dict[str, Any]:
    took: list[float] = []
    credited = 0
    for b in range(s.batches):
        tag = secrets.token_hex(3)
        items = [
            {"member_id": members[i % len(members)], "points": 2000, "reference": f"batch-{tag}-{b}-{i}"}
            for i in range(BATCH)
        ]
        t = time.monotonic()
        body = await _ok(await api.post(f"/v1/points_programs/{pid}/credits/batch", json={"credits": items}))
        took.append(time.monotonic() - t)
        credited += int(body["credited"])
    total = sum(took)
    return {
        "batches": s.batches,
        "items": s.batches * BATCH,
        "credited": credited,
        "seconds": total,
        "per_batch_s": took,
        "per_s": credited / total if total > 0 else 0.0,
    }


async def redeem_open_loop(
    url: str, auth: dict[str, str], pid: str, members: list[str], rate: float, seconds: float, limit_s: float
) -> dict[str, Any]:
    def send(c: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        return c.post(f"/v1/points_programs/{pid}/members/{members[i]}/redemptions", json=REDEEM)

    n = min(len(members), int(rate * seconds))
    return await open_loop(url, send, n=n, rate=rate, seconds=seconds, limit_s=limit_s, headers=auth)


async def run_all(url: str, api_key: str, s: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {"settings": vars(s)}
    auth = {"Authorization": f"Bearer {api_key}"}
    redeemers = sum(int(rate * s.redeem_seconds) for rate in s.redeem_rates)
    async with httpx.AsyncClient(base_url=url, timeout=s.timeout_s, headers=auth) as api:
        pid, members, redeem = await setup(api, s, redeemers)
        # (c)'s members get their points first (batches of the same shape as (b), not counted)
        for k in range(0, len(redeem), BATCH):
            chunk = redeem[k : k + BATCH]
            items = [{"member_id": m, "points": 1000, "reference": f"seed-{m}"} for m in chunk]
            await _ok(await api.post(f"/v1/points_programs/{pid}/credits/batch", json={"credits": items}))
        # (b) first: its figure is not disturbed by a closed loop's queue
        out["batch"] = await batch_credits(api, pid, members, s)
        log(f"points: {out['batch']['items']} batch credits at {out['batch']['per_s']:.0f}/s")
    # (a)
    out["single"] = await single_credits(url, auth, pid, members, s)
    log(f"points: single credits {out['single']['per_s']:.0f}/s ({out['single']['errors']})")
    # (c)
    out["redeem"] = []
    for rate in s.redeem_rates:
        n = int(rate * s.redeem_seconds)
        mine, redeem = redeem[:n], redeem[n:]
        r = await redeem_open_loop(url, auth, pid, mine, rate, s.redeem_seconds, s.timeout_s)
        out["redeem"].append(r)
        log(
            f"points: redeem at {rate:g}/s for {s.redeem_seconds:g} s: p50 {r['latency_ms']['p50']:.1f} ms, "
            f"p99 {r['latency_ms']['p99']:.1f} ms, achieved {r['achieved_per_s']:.1f}/s, outcomes {r['outcomes']}"
        )
    return out


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, method, value) rows for the report."""
    data = results.get("points")
    if not data:
        return []
    out = []
    a = data.get("single")
    if a:
        lat = a["latency_ms"]
        out.append(
            (
                "Points: sustained single credits/s, one program",
                f"closed loops, {a['concurrency']} clients for {a['seconds']:.0f} s, POST …/members/{{id}}/credits of "
                f"10 points spread over {data['settings']['members']} members (a credit locks its member); PostgreSQL",
                f"{a['per_s']:.0f} credits/s (p50/p99 {lat['p50']:.1f}/{lat['p99']:.1f} ms; errors {a['errors'] or 0})",
            )
        )
    b = data.get("batch")
    if b:
        out.append(
            (
                "Points: batch credits/s, one program",
                f"{b['batches']} POST …/credits/batch of {BATCH} items one after the other, each one transaction; "
                "PostgreSQL",
                f"{b['per_s']:.0f} credits/s ({b['credited']}/{b['items']} credited; "
                f"{min(b['per_batch_s']):.2f}-{max(b['per_batch_s']):.2f} s per batch)",
            )
        )
    for r in data.get("redeem") or []:
        lat = r["latency_ms"]
        over = r["achieved_per_s"] < 0.9 * r["offered_rate"]
        out.append(
            (
                f"Points: redemption latency at {r['offered_rate']:g}/s offered",
                f"open loop, {r['requests']} POST …/members/{{id}}/redemptions (amazon_us 10 USD = 1,000 points) over "
                f"{r['seconds']:g} s, each on a member of its own; latency from each request's scheduled time; "
                "sandbox supplier",
                f"p50/p95/p99 {lat['p50']:.1f}/{lat['p95']:.1f}/{lat['p99']:.1f} ms, {r['ok']}/{r['requests']} ok "
                f"({r['outcomes']}), achieved {r['achieved_per_s']:.1f}/s"
                + (" (**overloaded**: below the offered rate, so the latency is queueing)" if over else ""),
            )
        )
    return out


def markdown(results: dict[str, Any], smoke: bool) -> str:
    """bench/results/points.md: the points rows with the machine they ran on."""
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    data = results.get("points", {})
    check = data.get("ledger_verify") or {}
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rs = [report.Row(*r) for r in rows(results)]
    lines = [
        "# Reward points bench" + (" (smoke run: tiny counts, not a measurement)" if smoke else ""),
        "",
        f"`python -m bench.run --only points{' --smoke' if smoke else ''}` on {when} (bench/points.py); loopback "
        f"only; `rewardkit serve --workers {data.get('server_workers', '?')}` (job workers in-process), on a "
        "PostgreSQL clone of the bench's prepared database (sandbox catalog, funded test org).",
        "",
        f"- **Machine:** {m.get('nproc')} cores ({m.get('cpu_model') or 'unknown CPU'}), "
        f"{m.get('mem_total_gib', 0):.1f} GiB memory, Linux {m.get('kernel')}; shared with other work while it ran "
        "(figures are indicative, not a capacity claim)",
        f"- **Versions:** Python {m.get('python')}, PostgreSQL {pgs.get('server_version', '?')} "
        f"(synchronous_commit={pgs.get('synchronous_commit', '?')}, fsync={pgs.get('fsync', '?')})",
        f"- **rewardkit:** {m.get('rewardkit')} at commit {m.get('commit')}",
        f"- **Ledger after the run:** {'every invariant holds' if check.get('ok') else f'BROKEN {check}'}",
        "",
        report.table(rs),
        "",
    ]
    return "\n".join(lines)
