"""pgbench runs: the TPC-B-like built-in and the captured order script."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Pg, log


def pgbench_path() -> str:
    found = shutil.which("pgbench") or ("/usr/bin/pgbench" if Path("/usr/bin/pgbench").exists() else None)
    if not found:
        raise RuntimeError("pgbench not found (install postgresql-client)")
    return found


@dataclass
class PgbenchResult:
    tps: float
    transactions: int
    failed: int
    latency_ms: float
    mode: str
    output: str

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "output"}


async def _pgbench(pg: Pg, args: list[str], limit_s: float) -> str:
    proc = await asyncio.create_subprocess_exec(
        pgbench_path(), *args, env=pg.pgbench_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=limit_s)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    text = out.decode(errors="replace")
    if proc.returncode not in (0, 2):  # 2: some clients aborted; reported as failures below
        raise RuntimeError(f"pgbench {' '.join(args)} failed ({proc.returncode}):\n{text[-3000:]}")
    return text


def parse(text: str, mode: str) -> PgbenchResult:
    def grab(pattern: str, default: float = 0.0) -> float:
        m = re.search(pattern, text)
        return float(m.group(1)) if m else default

    tps = grab(r"tps = ([\d.]+) \(without initial connection time\)")
    if not tps:
        raise RuntimeError(f"no tps in pgbench output:\n{text[-3000:]}")
    return PgbenchResult(
        tps=tps,
        transactions=int(grab(r"number of transactions actually processed: (\d+)")),
        failed=int(grab(r"number of failed transactions: (\d+)")),
        latency_ms=grab(r"latency average = ([\d.]+) ms"),
        mode=mode,
        output=text,
    )


async def tpcb(pg: Pg, clients: int, seconds: int, scale: int) -> PgbenchResult:
    """pgbench's built-in TPC-B-like script on a database of its own (initialised, then dropped)."""
    db = await pg.create_db("_pgbench")
    try:
        log(f"pgbench -i -s {scale} on {db}")
        await _pgbench(pg, ["-i", "-q", "-s", str(scale), db], limit_s=600)
        log(f"pgbench TPC-B-like: {clients} clients, {seconds}s")
        jobs = str(min(clients, 2))
        text = await _pgbench(pg, ["-c", str(clients), "-j", jobs, "-T", str(seconds), db], limit_s=seconds + 120)
        return parse(text, "simple")
    finally:
        await pg.drop_db(db)


async def custom(pg: Pg, db: str, script: Path, clients: int, seconds: int) -> PgbenchResult:
    """The captured order script, on the scratch database it was captured from."""
    log(f"pgbench custom order script: {clients} clients, {seconds}s")
    jobs = str(min(clients, 2))
    args = ["-n", "-M", "prepared", "-c", str(clients), "-j", jobs, "-T", str(seconds), "-f", str(script), db]
    return parse(await _pgbench(pg, args, limit_s=seconds + 120), "prepared")
