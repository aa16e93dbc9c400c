"""The supplier reconciliation bench (`python -m bench.run --only reconcile`, #16): on a PostgreSQL clone
of the bench's prepared database (bench/run.py `reconcile_phase`), against one `rewardkit serve`:

1. `orders` fulfilled sandbox orders of the bench org, written directly with COPY (placing 100,000
   orders through the API would measure orders, not reconciliation), each with its supplier_ref;
2. a statement of `orders` lines with known differences: `missing_here` references that are not ours,
   `mismatches` lines billed 1.00 more, and `missing_there` of our orders left off;
3. POST /v1/reconciliations with it (text/csv), timed from the first byte sent to the answer: the
   counts must be exactly the injected ones. Then the first page of the mismatches, timed.

Writes nothing itself: bench/run.py puts the figures in the report and in bench/results/reconcile.md.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench import report
from rewardkit.kit.ids import new_id

FACE = 5000  # amazon_us 50 USD, in the sandbox catalog


@dataclass
class Settings:
    orders: int = 100_000
    missing_here: int = 30
    mismatches: int = 40
    missing_there: int = 30
    timeout_s: float = 300.0

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        return cls(orders=2_000, missing_here=3, mismatches=4, missing_there=3) if smoke else cls()


async def seed_orders(dsn: str, org_id: str, n: int) -> list[str]:
    """n fulfilled sandbox orders of the org, with COPY; their supplier references, in id order."""
    now = datetime.now(UTC)
    refs = [f"sbx_bench_{i:08d}" for i in range(n)]
    fixed = ("fulfilled", "amazon_us", "USD", FACE, "USD", FACE, "{}", "sandbox")
    rows = [(new_id("ord"), org_id, "test", *fixed, ref, now, now, now) for ref in refs]
    columns = [
        "id", "org_id", "mode", "status", "product_id", "currency", "face_amount", "charge_currency",
        "charge_amount", "metadata", "supplier", "supplier_ref", "created_at", "updated_at", "fulfilled_at",
    ]  # fmt: skip
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("orders", records=rows, columns=columns)
        await conn.execute("ANALYZE orders")
    finally:
        await conn.close()
    return refs


def statement(refs: list[str], s: Settings) -> bytes:
    """Every reference but the last `missing_there`; the first `mismatches` billed 1.00 more; then
    `missing_here` references that are not ours."""
    day = datetime.now(UTC).date().isoformat()
    kept = refs[: len(refs) - s.missing_there]
    out = ["supplier_ref,face_value,currency,fulfilled_at"]
    out += [f"{ref},{'51.00' if i < s.mismatches else '50.00'},USD,{day}" for i, ref in enumerate(kept)]
    out += [f"sbx_elsewhere_{i:06d},50.00,USD,{day}" for i in range(s.missing_here)]
    return ("\n".join(out) + "\n").encode()


async def run_all(
    url: str, api_key: str, org_id: str, dsn: str, s: Settings, log: Callable[[str], None]
) -> dict[str, Any]:
    t0 = time.perf_counter()
    refs = await seed_orders(dsn, org_id, s.orders)
    seeded_s = time.perf_counter() - t0
    body = statement(refs, s)
    lines = s.orders - s.missing_there + s.missing_here
    log(f"reconcile: {s.orders} orders seeded in {seeded_s:.1f} s; statement of {lines} lines, {len(body)} bytes")
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "text/csv"}
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=s.timeout_s) as api:
        t1 = time.perf_counter()
        r = await api.post("/v1/reconciliations", params={"supplier": "sandbox"}, content=body)
        upload_s = time.perf_counter() - t1
        if r.status_code != 200:
            raise RuntimeError(f"POST /v1/reconciliations answered {r.status_code}: {r.text[:500]}")
        rcn = r.json()
        t2 = time.perf_counter()
        page = await api.get(
            f"/v1/reconciliations/{rcn['id']}/lines", params={"status": "amount_mismatch", "limit": 100}
        )
        page_s = time.perf_counter() - t2
    expected = {
        "lines": lines,
        "matched": s.orders - s.missing_there - s.mismatches,
        "missing_here": s.missing_here,
        "missing_there": s.missing_there,
        "amount_mismatch": s.mismatches,
    }
    got = {k: rcn["counts"][k] for k in expected}
    exact = got == expected and len(page.json()["data"]) == min(100, s.mismatches)
    log(f"reconcile: {lines} lines in {upload_s:.2f} s; counts {'exact' if exact else f'WRONG {got} != {expected}'}")
    return {
        "orders": s.orders,
        "lines": lines,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "seed_s": seeded_s,
        "upload_s": upload_s,
        "lines_per_s": lines / upload_s,
        "page_ms": page_s * 1000,
        "counts": got,
        "expected": expected,
        "exact": exact,
        "load_avg_1m": load,
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    data = results.get("reconcile")
    if not data:
        return []
    return [
        (
            f"Reconciliation: a {data['lines']:,}-line statement",
            f"POST /v1/reconciliations (text/csv, {data['bytes'] / 1e6:.1f} MB) against {data['orders']:,} sandbox "
            f"orders; one request, read + match + {data['lines'] + data['counts']['missing_there']:,} lines written",
            f"{data['upload_s']:.2f} s ({data['lines_per_s']:,.0f} lines/s); counts "
            + ("exactly the injected differences" if data["exact"] else f"WRONG: {data['counts']}"),
        ),
        (
            "Reconciliation: first page of mismatches",
            "GET …/lines?status=amount_mismatch&limit=100 after the upload",
            report.fmt_ms(data["page_ms"]),
        ),
    ]


def markdown(results: dict[str, Any], smoke: bool) -> str:
    """bench/results/reconcile.md: the reconciliation rows with the machine they ran on."""
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    data = results.get("reconcile", {})
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Supplier reconciliation bench" + (" (smoke run: tiny counts, not a measurement)" if smoke else ""),
        "",
        f"`python -m bench.run --only reconcile{' --smoke' if smoke else ''}` on {when} (bench/reconcile.py); "
        f"loopback only; `rewardkit serve --workers 1` on a PostgreSQL clone of the bench's prepared database. "
        f"{data.get('orders', '?'):,} fulfilled sandbox orders written with COPY in {data.get('seed_s', 0):.1f} s "
        "(not part of the figure); the statement has every one of them but the last "
        f"{data.get('expected', {}).get('missing_there', '?')}, "
        f"{data.get('expected', {}).get('amount_mismatch', '?')} billed 1.00 more and "
        f"{data.get('expected', {}).get('missing_here', '?')} references that are not ours.",
        "",
        f"- **Machine:** {m.get('nproc')} cores ({m.get('cpu_model') or 'unknown CPU'}), "
        f"{m.get('mem_total_gib', 0):.1f} GiB memory, Linux {m.get('kernel')}; shared with other work while it ran "
        f"(figures are indicative, not a capacity claim); 1-minute load average {data.get('load_avg_1m', 0):.1f} "
        "when the upload started",
        f"- **Versions:** Python {m.get('python')}, PostgreSQL {pgs.get('server_version', '?')} "
        f"(synchronous_commit={pgs.get('synchronous_commit', '?')}, fsync={pgs.get('fsync', '?')})",
        f"- **rewardkit:** {m.get('rewardkit')} at commit {m.get('commit')}",
        "",
        report.table([report.Row(*r) for r in rows(results)]),
        "",
    ]
    return "\n".join(lines)
