"""The storefront bench (`python -m bench.run --only storefront`): the store's catalog page as a signed-in
member sees it, against one `rewardkit serve` on a PostgreSQL clone holding a generated catalog of
`catalog_count` products (bench/catalog_gen.py, 100,000 in a full run; bench/run.py `storefront_phase`).

One program (100 points per USD), one store, one member in the US signed in by a session link (its
cookie sent with every request). Each query is measured at fixed offered rates, open loop
(bench/loadgen.py: request i is sent at start + i/rate whatever the others do, latency from that
scheduled time, so a slow server cannot hide its queue):

* `filters`: GET /s/{slug}/catalog?q=card&category=gift_card&min=1000&max=20000, search, category and a
  points range (the range is applied to each batch the catalog's query returns);
* `browse`: GET /s/{slug}/catalog, the first page with no filter.

Writes nothing itself: bench/run.py puts the figures in the report and in bench/results/storefront.md.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench import report
from bench.loadgen import Spec

PROGRAM = {"name": "Bench store points", "currency": "USD", "points_per_unit": 100}
QUERIES = {
    "filters": "/catalog?q=card&category=gift_card&min=1000&max=20000",
    "browse": "/catalog",
}


@dataclass
class Settings:
    rates: tuple[float, ...] = (5.0, 10.0)
    seconds: float = 20.0
    warmup: float = 2.0
    timeout_s: float = 10.0

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        if smoke:
            return cls(rates=(5.0,), seconds=3.0, warmup=1.0)
        return cls()


async def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code not in (200, 201):
        raise RuntimeError(f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text[:500]}")
    body: dict[str, Any] = r.json()
    return body


async def setup(url: str, api_key: str) -> tuple[str, str]:
    """The program, the store and a signed-in member with points: (the store's path, the Cookie header)."""
    auth = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=auth) as api:
        pid = (await _ok(await api.post("/v1/points_programs", json=PROGRAM)))["id"]
        store = await _ok(
            await api.put(
                "/v1/storefront",
                json={"program_id": pid, "title": "Bench store", "allowed_return_origins": [url]},
            )
        )
        member = "bench-" + secrets.token_hex(3)
        body = {"member_id": member, "country": "US", "return_url": url + "/", "refresh_url": url + "/"}
        link = await _ok(await api.post("/v1/storefront/sessions", json=body))
        credit = {"points": 1_000_000, "reference": "bench-seed"}
        await _ok(await api.post(f"/v1/points_programs/{pid}/members/{member}/credits", json=credit))
    async with httpx.AsyncClient(timeout=30) as browser:
        entered = await browser.get(link["url"], follow_redirects=False)
        if entered.status_code != 303 or "rk_store" not in entered.cookies:
            raise RuntimeError(f"the session link answered {entered.status_code}, no cookie: {entered.text[:300]}")
        cookie = f"rk_store={entered.cookies['rk_store']}"
    return f"/s/{store['slug']}", cookie


async def run_all(
    url: str,
    api_key: str,
    s: Settings,
    log: Callable[[str], None],
    measured: Callable[[Spec], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """`measured`: bench/run.py's run of one load generator (with the CPU used meanwhile)."""
    out: dict[str, Any] = {"settings": vars(s), "runs": []}
    base, cookie = await setup(url, api_key)
    async with httpx.AsyncClient(base_url=url, timeout=30, headers={"Cookie": cookie}) as c:
        for name, query in QUERIES.items():
            r = await c.get(base + query)
            if r.status_code != 200:
                raise RuntimeError(f"GET {query} answered {r.status_code}: {r.text[:300]}")
            out.setdefault("shown", {})[name] = r.text.count('data-testid="product"')
    for name, query in QUERIES.items():
        for rate in s.rates:
            spec = Spec(url=url, api_key=api_key, kind="get", path=base + query, mode="open", rate=rate,
                        duration=s.seconds, warmup=s.warmup, timeout=s.timeout_s, cookie=cookie)  # fmt: skip
            res = await measured(spec)
            res["query"], res["name"] = query, name
            out["runs"].append(res)
            lat = res["latency_ms"]
            log(
                f"storefront: {name} at {rate:g}/s: p50 {report.fmt_ms(lat['p50'])}, p99 {report.fmt_ms(lat['p99'])}, "
                f"{res['ok']}/{res['requests']} ok, errors {res['errors'] or 0}"
            )
    return out


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, method, value) rows for the report."""
    data = results.get("storefront")
    if not data:
        return []
    products = data.get("products", "?")
    out = []
    for r in data.get("runs") or []:
        lat = r["latency_ms"]
        over = r["ok_per_s"] < 0.9 * (r["offered_per_s"] or 0)
        out.append(
            (
                f"Storefront: catalog page ({r['name']}) at {r['offered_per_s']:g}/s offered",
                f"open loop for {r['window_s']:.0f} s, GET /s/{{slug}}{r['query']} as a signed-in member (cookie), "
                f"{data.get('shown', {}).get(r['name'], '?')} products a page, {products:,} products in the catalog; "
                "latency from each request's scheduled time; PostgreSQL"
                if isinstance(products, int)
                else f"open loop, GET /s/{{slug}}{r['query']}",
                f"p50/p95/p99 {report.fmt_ms(lat['p50'])}/{report.fmt_ms(lat['p95'])}/{report.fmt_ms(lat['p99'])}, "
                f"{r['ok']}/{r['requests']} ok (errors {r['errors'] or 0}), achieved {r['ok_per_s']:.1f}/s"
                + (" (**overloaded**: below the offered rate, so the latency is queueing)" if over else ""),
            )
        )
    return out


def _cpu_note(data: dict[str, Any]) -> str:
    """What the server used per page, and how much of the machine other work took meanwhile."""
    runs = [r for r in data.get("runs") or [] if r.get("cpu")]
    if not runs:
        return "not measured"
    server = sum(r["cpu"]["server_cpu_s"] for r in runs)
    pages = sum(r["requests"] for r in runs)
    other = sum(r["cpu"]["other_cpu_s"] for r in runs)
    busy = max(r["cpu"]["machine_busy_pct"] for r in runs)
    return (
        f"the server processes used {server / max(pages, 1) * 1000:.0f} ms of CPU per page; other work on the "
        f"machine used {other:.0f} CPU-seconds during the runs (machine busy up to {busy:.0f} %), so the latency "
        "includes waiting for a core"
    )


def markdown(results: dict[str, Any], smoke: bool) -> str:
    """bench/results/storefront.md: the storefront rows with the machine they ran on."""
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    data = results.get("storefront", {})
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rs = [report.Row(*r) for r in rows(results)]
    lines = [
        "# Storefront bench" + (" (smoke run: small catalog, short runs: not a measurement)" if smoke else ""),
        "",
        f"`python -m bench.run --only storefront{' --smoke' if smoke else ''}` on {when} (bench/storefront.py); "
        f"loopback only; `rewardkit serve --workers {data.get('server_workers', '?')}` on a PostgreSQL clone of "
        f"the bench's prepared database plus a generated catalog ({data.get('generated', {})}).",
        "",
        f"- **Machine:** {m.get('nproc')} cores ({m.get('cpu_model') or 'unknown CPU'}), "
        f"{m.get('mem_total_gib', 0):.1f} GiB memory, Linux {m.get('kernel')}; shared with other work while it ran "
        "(figures are indicative, not a capacity claim)",
        f"- **Versions:** Python {m.get('python')}, PostgreSQL {pgs.get('server_version', '?')}",
        f"- **rewardkit:** {m.get('rewardkit')} at commit {m.get('commit')}",
        f"- **CPU while measuring:** {_cpu_note(data)}",
        "",
        report.table(rs),
        "",
    ]
    return "\n".join(lines)
