"""The reports bench (`python -m bench.run --only reports`, #16): on a PostgreSQL clone of the bench's
prepared database (bench/run.py `reports_phase`), against one `rewardkit serve`:

1. `transactions` balanced ledger transactions of the bench org written directly with COPY (funding:
   wallet + and funding -, two postings each, running balances and the accounts' cached balances kept
   exact, so `ledger verify` and the report's tie-out hold): `2 × transactions` balance transactions;
2. POST /v1/reports `balance_transactions` over them (built within the request: the phase raises
   REWARDKIT_REPORTS_INLINE_ROWS), timed, then GET its download, streamed and counted, timed;
3. the same for a tenth of the rows (a shorter interval), so that the server's peak RSS of a small
   export and of the whole one can be compared: memory is flat when they are about equal.

Peak RSS is the server process tree's (bench/common.py RssSampler), sampled every 0.2 s.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.common import RssSampler
from rewardkit.kit.ids import new_id


@dataclass
class Settings:
    transactions: int = 500_000  # two postings each: 1,000,000 balance transactions
    timeout_s: float = 1800.0

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        return cls(transactions=5_000) if smoke else cls()


async def seed(dsn: str, org_id: str, n: int) -> tuple[datetime, datetime, datetime]:
    """n fundings of 1.00 USD, a microsecond apart; (first, the tenth from the end, last)."""
    conn = await asyncpg.connect(dsn)
    try:
        acc = {
            kind: await conn.fetchrow(
                "SELECT id, balance FROM ledger_accounts WHERE org_id=$1 AND mode='test' AND holder_type='org' "
                "AND holder_id=$1 AND kind=$2 AND asset='USD'",
                org_id,
                kind,
            )
            for kind in ("wallet", "funding")
        }
        if acc["wallet"] is None or acc["funding"] is None:
            raise RuntimeError("the bench org has no funded USD test wallet")
        wallet, funding = int(acc["wallet"]["balance"]), int(acc["funding"]["balance"])
        # After every transaction the org already has, a microsecond apart: ledger rows are never
        # backdated, and a report ties only if time order and posting order agree per account.
        latest = await conn.fetchval("SELECT max(created_at) FROM ledger_transactions WHERE org_id=$1", org_id)
        start = (latest or datetime.now(UTC)) + timedelta(milliseconds=1)
        txs, postings = [], []
        for i in range(n):
            tx_id = new_id("ltx")
            at = start + timedelta(microseconds=i)
            txs.append((tx_id, org_id, "test", "funding", f"bench-report:{tx_id}", "Bench top-up", None, at))
            wallet += 100
            funding -= 100
            postings.append((tx_id, acc["wallet"]["id"], "USD", 100, wallet))
            postings.append((tx_id, acc["funding"]["id"], "USD", -100, funding))
        async with conn.transaction():
            await conn.copy_records_to_table(
                "ledger_transactions",
                records=txs,
                columns=["id", "org_id", "mode", "kind", "reference", "description", "source_id", "created_at"],
            )
            await conn.copy_records_to_table(
                "ledger_postings",
                records=postings,
                columns=["transaction_id", "account_id", "asset", "amount", "balance_after"],
            )
            await conn.execute("UPDATE ledger_accounts SET balance=$2 WHERE id=$1", acc["wallet"]["id"], wallet)
            await conn.execute("UPDATE ledger_accounts SET balance=$2 WHERE id=$1", acc["funding"]["id"], funding)
        last = txs[-1][7]
        ahead = (last - datetime.now(UTC)).total_seconds()
        if ahead >= 0:  # a report's interval may not end in the future
            await asyncio.sleep(ahead + 0.01)
        await conn.execute("ANALYZE ledger_transactions")
        await conn.execute("ANALYZE ledger_postings")
        return txs[0][7], txs[n - n // 10][7], txs[-1][7]
    finally:
        await conn.close()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def export(api: httpx.AsyncClient, server_pid: int, start: datetime, end: datetime) -> dict[str, Any]:
    """One run and its download, with the server's peak RSS over both."""
    rss = RssSampler(server_pid, every=0.2)
    rss.start()
    t0 = time.perf_counter()
    body = {"type": "balance_transactions", "interval_start": _iso(start), "interval_end": _iso(end), "format": "csv"}
    r = await api.post("/v1/reports", json=body)
    build_s = time.perf_counter() - t0
    if r.status_code != 200 or r.json()["status"] != "succeeded":
        await rss.stop()
        raise RuntimeError(f"POST /v1/reports answered {r.status_code}: {r.text[:500]}")
    run = r.json()
    t1 = time.perf_counter()
    digest, size, lines = hashlib.sha256(), 0, 0
    async with api.stream("GET", f"/v1/reports/{run['id']}/download") as got:
        if got.status_code != 200:
            raise RuntimeError(f"download answered {got.status_code}")
        async for piece in got.aiter_bytes():
            digest.update(piece)
            size += len(piece)
            lines += piece.count(b"\n")
    download_s = time.perf_counter() - t1
    mem = await rss.stop()
    rows = run["row_count"]
    return {
        "rows": rows,
        "lines": lines - 1,  # the header
        "bytes": size,
        "sha256_ok": digest.hexdigest() == run["sha256"],
        "build_s": build_s,
        "build_rows_per_s": rows / build_s if build_s else 0.0,
        "download_s": download_s,
        "download_rows_per_s": rows / download_s if download_s else 0.0,
        "peak_rss_mib": mem["peak_total_rss_mib"],
    }


async def run_all(
    url: str, api_key: str, org_id: str, dsn: str, server_pid: int, s: Settings, log: Callable[[str], None]
) -> dict[str, Any]:
    t0 = time.perf_counter()
    first, tenth, last = await seed(dsn, org_id, s.transactions)
    seeded_s = time.perf_counter() - t0
    log(f"reports: {s.transactions} ledger transactions ({2 * s.transactions} postings) seeded in {seeded_s:.1f} s")
    end = last + timedelta(milliseconds=1)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=s.timeout_s
    ) as api:
        small = await export(api, server_pid, tenth, end)
        log(f"reports: small export {small['rows']} rows, peak RSS {small['peak_rss_mib']:.0f} MiB")
        full = await export(api, server_pid, first - timedelta(minutes=1), end)
        log(
            f"reports: {full['rows']} rows built in {full['build_s']:.1f} s, downloaded in {full['download_s']:.1f} s; "
            f"peak RSS {full['peak_rss_mib']:.0f} MiB"
        )
    return {"transactions": s.transactions, "seed_s": seeded_s, "small": small, "full": full}


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    data = results.get("reports")
    if not data:
        return []
    f, sm = data["full"], data["small"]
    return [
        (
            f"Reports: build a {f['rows']:,}-row balance_transactions export",
            "POST /v1/reports (CSV): keyset chunks of 5,000 postings, tie-out, zlib chunks stored",
            f"{f['build_s']:.1f} s ({f['build_rows_per_s']:,.0f} rows/s)",
        ),
        (
            "Reports: download it",
            f"GET …/download, streamed ({f['bytes'] / 1e6:.0f} MB; sha256 {'matches' if f['sha256_ok'] else 'WRONG'})",
            f"{f['download_s']:.1f} s ({f['download_rows_per_s']:,.0f} rows/s)",
        ),
        (
            "Reports: server peak RSS",
            f"{sm['rows']:,}-row export vs {f['rows']:,}-row export (build + download)",
            f"{sm['peak_rss_mib']:.0f} MiB vs {f['peak_rss_mib']:.0f} MiB",
        ),
    ]


def markdown(results: dict[str, Any], smoke: bool) -> str:
    """bench/results/reports.md: the reports rows with the machine they ran on."""
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    data = results.get("reports", {})
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Reports bench" + (" (smoke run: tiny counts, not a measurement)" if smoke else ""),
        "",
        f"`python -m bench.run --only reports{' --smoke' if smoke else ''}` on {when} (bench/reports.py); loopback "
        "only; `rewardkit serve --workers 1` on a PostgreSQL clone of the bench's prepared database. "
        f"{data.get('transactions', 0):,} funding transactions (two postings each) written with COPY in "
        f"{data.get('seed_s', 0):.1f} s (not part of the figures).",
        "",
        f"- **Machine:** {m.get('nproc')} cores ({m.get('cpu_model') or 'unknown CPU'}), "
        f"{m.get('mem_total_gib', 0):.1f} GiB memory; shared with other work while it ran (indicative figures)",
        f"- **Versions:** Python {m.get('python')}, PostgreSQL {pgs.get('server_version', '?')}",
        f"- **rewardkit:** {m.get('rewardkit')} at commit {m.get('commit')}",
        "",
        report.table([report.Row(*r) for r in rows(results)]),
        "",
    ]
    return "\n".join(lines)
