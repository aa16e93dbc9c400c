"""The reward links bench (`python -m bench.run --only links`): against one `rewardkit serve` on a
PostgreSQL clone (bench/run.py `links_phase`), each step bounded in time:

(a) a 1,000-link POST /v1/reward_links/batch: its response time is the time until all 1,000 are
    reserved (the batch answers once its one transaction has committed);
(b) the same batch with `delivery: "email"` to a local aiosmtpd server started here: the time until
    all 1,000 mails have arrived (skipped, with the reason, while the server refuses email delivery);
(c) redeem latency: POST /v1/link_claims/{token}/redeem at a fixed offered rate, open loop (each
    request sent at its scheduled time whatever the others do; latency counted from that time, so a
    slow server cannot hide its queue), each on its own link made beforehand by (a).

Writes nothing itself: bench/run.py puts the figures in the report and in bench/results/links.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import report
from bench.common import free_port, poll_until
from bench.openloop import open_loop

BATCH = 1000
LINK = {
    "value": 25,
    "currency": "USD",
    "choice": {"products": ["amazon_us"]},
    "recipient": {"name": "Bench", "country": "US"},
}
REDEEM = {"product_id": "amazon_us", "denomination": "25", "currency": "USD"}


@dataclass
class Settings:
    batch: int = BATCH
    # Offered redeem rates, in this order (below saturation first, the fixed 50/s last), each for
    # redeem_seconds on links of its own from the batch (rates x seconds <= batch).
    redeem_rates: tuple[float, ...] = (10.0, 50.0)
    redeem_seconds: float = 10.0
    mail_wait_s: float = 180.0
    timeout_s: float = 60.0

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        return cls(batch=100, redeem_rates=(10.0,), redeem_seconds=3.0, mail_wait_s=60.0) if smoke else cls()


def _items(n: int, **over: Any) -> list[dict[str, Any]]:
    return [{**LINK, "external_id": f"bench-{i}", **over} for i in range(n)]


async def _batch(api: httpx.AsyncClient, items: list[dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    t = time.monotonic()
    r = await api.post("/v1/reward_links/batch", json={"links": items})
    took = time.monotonic() - t
    if r.status_code != 200:
        raise RuntimeError(f"batch answered {r.status_code}: {r.text[:500]}")
    body: dict[str, Any] = r.json()
    return took, body


# --- (b) a local SMTP server ------------------------------------------------------------------------


@dataclass
class Inbox:
    # Each message: the monotonic time its DATA ended, and its recipients.
    arrivals: list[tuple[float, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.arrivals.append((time.monotonic(), list(envelope.rcpt_tos)))
        return "250 OK"


@contextlib.asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port, on this event loop, keeping every message's time."""
    from aiosmtpd.smtp import SMTP  # the dev extra: only this step needs it

    inbox = Inbox()
    port = free_port()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(inbox, hostname="bench.local"), "127.0.0.1", port
    )
    try:
        yield inbox, port
    finally:
        server.close()
        await server.wait_closed()


async def email_supported(api: httpx.AsyncClient) -> str | None:
    """None if the server takes `delivery: "email"`, else why not (the item's problem). Probed with a
    1-item batch (its mail, if any, is not counted: step b counts its own recipients only)."""
    probe = {**LINK, "delivery": "email", "recipient": {"email": "probe@example.com", "country": "US"}}
    _, body = await _batch(api, [probe])
    result = body["data"][0]
    if result["status"] == "created":
        return None
    return f"{result['error']['code']}: {result['error']['detail']}"


async def email_batch(api: httpx.AsyncClient, n: int, inbox: Inbox, wait_s: float) -> dict[str, Any]:
    items = _items(n, delivery="email")
    ours = {f"bench{i}@example.com" for i in range(n)}
    for i, item in enumerate(items):
        item["recipient"] = {"email": f"bench{i}@example.com", "country": "US"}

    def got() -> list[float]:
        return [at for at, rcpts in inbox.arrivals if ours & set(rcpts)]

    t0 = time.monotonic()
    reserved_s, body = await _batch(api, items)
    await poll_until(lambda: len(got()) >= body["created"], wait_s - (time.monotonic() - t0))
    arrived = got()
    return {
        "items": n,
        "created": body["created"],
        "reserved_s": reserved_s,
        "mails": len(arrived),
        "all_arrived_s": (max(arrived) - t0) if arrived and len(arrived) >= body["created"] else None,
        "wait_cap_s": wait_s,
    }


# --- (c) redeem latency, open loop -------------------------------------------------------------------


async def redeem_open_loop(url: str, tokens: list[str], rate: float, seconds: float, limit_s: float) -> dict[str, Any]:
    def send(c: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        return c.post(f"/v1/link_claims/{tokens[i]}/redeem", json=REDEEM)

    n = min(len(tokens), int(rate * seconds))
    return await open_loop(url, send, n=n, rate=rate, seconds=seconds, limit_s=limit_s)


async def run_all(
    url: str, api_key: str, inbox: Inbox | None, s: Settings, log: Callable[[str], None]
) -> dict[str, Any]:
    out: dict[str, Any] = {"settings": vars(s)}
    auth = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=url, timeout=s.timeout_s, headers=auth) as api:
        # (a) warm the server's caches with a small batch first: the figure is the batch, not the first import
        await _batch(api, _items(10))
        took, body = await _batch(api, _items(s.batch))
        if body["created"] != s.batch:
            raise RuntimeError(f"the batch made {body['created']} of {s.batch} links: {body['data'][0]}")
        out["batch"] = {"items": s.batch, "created": body["created"], "reserved_s": took}
        log(f"links: {s.batch}-link batch reserved in {took:.2f} s")
        tokens = [str(r["link"]["url"]).rsplit("/", 1)[1] for r in body["data"]]
        # (b)
        why = await email_supported(api)
        if why is not None:
            out["email"] = {"skipped": f'the server refuses delivery "email" ({why})'}
            log(f"links: email batch skipped: {why}")
        elif inbox is None:
            out["email"] = {"skipped": "no SMTP server configured for this run"}
        else:
            out["email"] = await email_batch(api, s.batch, inbox, s.mail_wait_s)
            log(f"links: email batch: {out['email']}")
    # (c) each rate on links no other request has touched
    out["redeem"] = []
    for rate in s.redeem_rates:
        n = int(rate * s.redeem_seconds)
        mine, tokens = tokens[:n], tokens[n:]
        r = await redeem_open_loop(url, mine, rate, s.redeem_seconds, s.timeout_s)
        out["redeem"].append(r)
        log(
            f"links: redeem at {rate:g}/s for {s.redeem_seconds:g} s: p50 {r['latency_ms']['p50']:.1f} ms, "
            f"p99 {r['latency_ms']['p99']:.1f} ms, achieved {r['achieved_per_s']:.1f}/s, outcomes {r['outcomes']}"
        )
    return out


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, method, value) rows for the report."""
    data = results.get("links")
    if not data:
        return []
    out = []
    b = data.get("batch")
    if b:
        out.append(
            (
                f"Links: {b['items']}-link batch, time to all reserved",
                "one POST /v1/reward_links/batch (25 USD each, one product), its response time: the batch answers "
                "once its one transaction (links, events, expiry jobs, reservations) has committed; PostgreSQL",
                f"{b['reserved_s']:.2f} s ({b['items'] / b['reserved_s']:.0f} links/s)",
            )
        )
    e = data.get("email") or {}
    if "skipped" in e:
        out.append(("Links: batch with email delivery, time to all mails arrived", "—", f"skipped: {e['skipped']}"))
    elif e:
        arrived = (
            f"{e['all_arrived_s']:.1f} s"
            if e["all_arrived_s"] is not None
            else (f"only {e['mails']}/{e['created']} within {e['wait_cap_s']:.0f} s")
        )
        out.append(
            (
                f"Links: {e['items']}-link batch with delivery email, time to all mails arrived",
                'the same batch with delivery "email" to a local aiosmtpd server started by the bench; from sending '
                "the batch to the last message received (the server's own worker sends them)",
                f"reserved in {e['reserved_s']:.2f} s; all mails in {arrived}",
            )
        )
    for r in data.get("redeem") or []:
        lat = r["latency_ms"]
        over = r["achieved_per_s"] < 0.9 * r["offered_rate"]
        out.append(
            (
                f"Links: redeem latency at {r['offered_rate']:g}/s offered",
                f"open loop, {r['requests']} POST /v1/link_claims/{{token}}/redeem over {r['seconds']:g} s, each "
                "on its own link made by the batch, latency from each request's scheduled time; sandbox supplier",
                f"p50/p95/p99 {lat['p50']:.1f}/{lat['p95']:.1f}/{lat['p99']:.1f} ms, {r['ok']}/{r['requests']} ok "
                f"({r['outcomes']}), achieved {r['achieved_per_s']:.1f}/s"
                + (" (**overloaded**: below the offered rate, so the latency is queueing)" if over else ""),
            )
        )
    return out


def markdown(results: dict[str, Any], smoke: bool) -> str:
    """bench/results/links.md: the links rows with the machine they ran on."""
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    data = results.get("links", {})
    check = data.get("ledger_verify") or {}
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rs = [report.Row(*r) for r in rows(results)]
    lines = [
        "# Reward links bench" + (" (smoke run: tiny counts, not a measurement)" if smoke else ""),
        "",
        f"`python -m bench.run --only links{' --smoke' if smoke else ''}` on {when} (bench/links.py); loopback only; "
        f"`rewardkit serve --workers {data.get('server_workers', '?')}` (job workers in-process), on a PostgreSQL "
        "clone of the bench's prepared "
        "database (sandbox catalog, funded test org).",
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
