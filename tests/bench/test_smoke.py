"""The benchmark suite cannot rot: `python -m bench.run --smoke` (tiny counts and durations) must run
every phase, exit 0, write a report with a number in every metric row, and leave no database behind.
No timed assertion: the figures are not checked against the goals (bench/results/latest.md is the record)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ROWS = [
    "Ceiling: TPC-B-like (pgbench)",
    "Ceiling: our SQL",
    "PostgreSQL: max sustained sandbox orders/s",
    "PostgreSQL: orders/s ÷ TPC-B-like ceiling",
    "PostgreSQL: orders/s ÷ our-SQL ceiling",
    "PostgreSQL: fulfilled-order latency at",
    "PostgreSQL: p50/p95/p99 at half the measured maximum (",
    "PostgreSQL: CPU per order",
    "SQLite: max sustained sandbox orders/s",
    "SQLite: fulfilled-order latency at",
    "SQLite: p50/p95/p99 at half the measured maximum (",
    "Rate limiter: SQLite orders/s with the limits on ÷ off",
    "Catalog: GET /v1/products",
    "Webhooks: deliveries/s",
    "Webhooks: event commit → receipt",
    "Memory: peak RSS of the server processes (PostgreSQL order test)",
    "Memory: peak RSS of the server processes (SQLite order test)",
]


def table(md: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in md.splitlines():
        if not line.startswith("| ") or line.startswith(("| metric", "|---")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows[cells[0]] = cells
    return rows


def test_bench_smoke(db_kind: str, tmp_path: Path) -> None:
    if db_kind != "postgresql":
        pytest.skip("the bench smoke test runs in the PostgreSQL suite")
    if not (shutil.which("pgbench") or Path("/usr/bin/pgbench").exists()):
        pytest.skip("pgbench is not installed (postgresql-client): the bench needs it for its ceilings")
    pg_url = os.environ.get("REWARDKIT_TEST_PG_URL", DEFAULT_PG)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(tmp_path), "--pg-url", pg_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"bench smoke run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    md = (tmp_path / "latest.md").read_text()
    rows = table(md)
    for wanted in ROWS:
        found = [cells for metric, cells in rows.items() if metric.startswith(wanted)]
        assert found, f"no row {wanted!r} in the report:\n{md}"
        for cells in found:
            assert len(cells) == 5, cells
            assert re.search(r"\d", cells[2]), f"row {cells[0]!r} has no number: {cells[2]!r}"
    for goal_row in ("PostgreSQL: max sustained", "SQLite: max sustained", "Catalog:", "Webhooks: deliveries/s"):
        cells = next(c for m, c in rows.items() if m.startswith(goal_row))
        assert cells[3] != "—" and cells[4] in ("yes", "**no**", "yes (moonshot too)"), cells
    ledger = next(c for m, c in rows.items() if m.startswith("Ledger invariants after the run"))
    assert ledger[2] == "PostgreSQL: every invariant holds; SQLite: every invariant holds", ledger
    assert ledger[4] == "yes", ledger
    assert "Machine:" in md and "cores" in md
    raw = json.loads((tmp_path / "latest.raw").read_text())
    assert raw["databases"], "the raw figures name the databases the run created"
    left = asyncio.run(existing(pg_url, raw["databases"]))
    assert not left, f"databases left behind: {left}"


async def existing(pg_url: str, names: list[str]) -> list[str]:
    conn = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname = ANY($1::text[])", names)
    finally:
        await conn.close()
    return [r["datname"] for r in rows]
