"""Shared helpers: PostgreSQL admin, rewardkit commands, process lifecycle, /proc readings.

Longer than 400 lines on purpose: small, unrelated helpers every phase uses (no business logic);
splitting them would give each phase four imports for one call each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Config:
    """What one bench run measures and for how long (`Config.make(smoke)`); in the raw figures as `config`."""

    smoke: bool
    tpcb_scale: int = 10
    pgbench_clients: int = 8
    pgbench_seconds: int = 30
    pg_workers: int = field(default_factory=lambda: os.cpu_count() or 2)  # one API process per core (docs/deploy.md)
    warmup_s: float = 5.0
    closed_levels: list[int] = field(default_factory=lambda: [8, 32, 96, 160])
    closed_s: float = 15.0
    closed_warmup_s: float = 3.0
    rates: list[int] = field(default_factory=lambda: [100, 500, 1000])
    goal_rate: int = 500
    open_s: float = 15.0
    open_warmup_s: float = 3.0
    overload_s: float = 10.0  # an offered rate above the measured maximum runs this long
    sqlite_levels: list[int] = field(default_factory=lambda: [8, 32, 96])
    catalog_count: int = 100_000
    catalog_import: int = 10_000
    catalog_clients: int = 4
    catalog_s: float = 15.0
    webhook_backlog: int = 2000  # several seconds of draining: a rate, not a start-up transient
    webhook_rate: int = 100  # the steady phase runs at the lower of this and half the measured delivery rate
    webhook_s: float = 15.0
    webhook_processes: int = 2
    webhook_concurrency: int = 8
    webhook_drain_s: float = 40.0
    webhook_tail_s: float = 15.0
    timeout_s: float = 10.0
    budget_s: float = 900.0

    @classmethod
    def make(cls, smoke: bool) -> Config:
        if not smoke:
            return cls(smoke=False)
        return cls(
            smoke=True,
            tpcb_scale=1,
            pgbench_seconds=1,
            pg_workers=2,
            warmup_s=0.0,
            closed_levels=[8],
            closed_s=2.0,
            closed_warmup_s=0.5,
            rates=[50],
            goal_rate=50,
            open_s=1.5,
            open_warmup_s=0.25,
            overload_s=1.5,
            sqlite_levels=[8],
            catalog_count=2000,
            catalog_import=500,
            catalog_clients=2,
            catalog_s=1.5,
            webhook_backlog=16,
            webhook_rate=20,
            webhook_s=1.5,
            webhook_processes=1,
            webhook_concurrency=8,
            webhook_drain_s=8.0,
            webhook_tail_s=4.0,
            timeout_s=5.0,
            budget_s=240.0,
        )


def new_secret_keys() -> str:
    """One `k1:` key with 48 random URL-safe characters."""
    return "k1:" + secrets.token_urlsafe(36)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- PostgreSQL -----------------------------------------------------------------------------------


@dataclass
class Pg:
    """The PostgreSQL server the suite runs against; `admin_url` names a database to connect to for
    CREATE/DROP DATABASE (any existing one, e.g. postgres)."""

    admin_url: str = DEFAULT_PG
    created: list[str] = field(default_factory=list)  # still to drop
    every: list[str] = field(default_factory=list)  # every database this run created

    def __post_init__(self) -> None:
        self.admin_url = self.admin_url.replace("postgresql+asyncpg://", "postgresql://")
        parts = urlsplit(self.admin_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"the bench runs on loopback only, not against {parts.hostname}")
        self.host = "127.0.0.1" if parts.hostname == "localhost" else str(parts.hostname)
        self.port = parts.port or 5432
        self.user = parts.username or "postgres"
        self.password = parts.password

    def dsn(self, db: str) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{db}"

    def app_url(self, db: str) -> str:
        return self.dsn(db).replace("postgresql://", "postgresql+asyncpg://")

    def pgbench_env(self) -> dict[str, str]:
        env = {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.admin_url)

    async def fetchval(self, sql: str, db: str | None = None) -> Any:
        conn = await (asyncpg.connect(self.dsn(db)) if db else self._admin())
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    async def create_db(self, suffix: str = "", template: str | None = None) -> str:
        name = f"rk_bench_{secrets.token_hex(4)}{suffix}"
        conn = await self._admin()
        try:
            tpl = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(f'CREATE DATABASE "{name}"{tpl}')
        finally:
            await conn.close()
        self.created.append(name)
        self.every.append(name)
        return name

    async def drop_db(self, name: str) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        if name in self.created:
            self.created.remove(name)

    async def drop_all(self) -> None:
        for name in list(self.created):
            try:
                await self.drop_db(name)
            except Exception as exc:  # keep cleaning up the others
                log(f"could not drop database {name}: {exc}")


# --- rewardkit commands ---------------------------------------------------------------------------


def rewardkit_cmd() -> list[str]:
    script = Path(sys.executable).parent / "rewardkit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rewardkit.cli"]


def base_env(database_url: str, secret_keys: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARDKIT_")}
    env.update(
        REWARDKIT_DATABASE_URL=database_url,
        REWARDKIT_SECRET_KEYS=secret_keys,
        REWARDKIT_ENVIRONMENT="production",
        REWARDKIT_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def rk(args: list[str], env: dict[str, str], timeout: float = 120.0) -> str:
    """Run one `rewardkit …` command; its stdout, or an error with its stderr."""
    proc = subprocess.run(
        [*rewardkit_cmd(), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"rewardkit {' '.join(args)} failed ({proc.returncode}): {last_lines(proc.stderr)}")
    return proc.stdout


def last_lines(text: str, n: int = 3) -> str:
    """The end of a traceback (the exception itself), without the box drawing of rich tracebacks."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(("│", "╰", "╭"))]
    return " / ".join(lines[-n:])[-800:]


async def ark(args: list[str], env: dict[str, str], limit_s: float = 120.0) -> str:
    return await asyncio.to_thread(rk, args, env, limit_s)


@dataclass
class Tenant:
    org_id: str
    api_key: str


async def prepare_database(env: dict[str, str], funds_usd: int) -> Tenant:
    """migrate, seed the sandbox catalog, create an org and fund its USD test wallet: real commands."""
    await ark(["migrate"], env)
    await ark(["catalog", "seed"], env)
    org = json.loads(await ark(["orgs", "create", "--name", "rewardkit bench", "--json"], env))
    await ark(
        ["wallets", "fund", "--org", org["id"], "--currency", "USD", "--amount", f"{funds_usd}.00", "--json"], env
    )
    return Tenant(org_id=org["id"], api_key=org["api_keys"]["test"])


# --- processes ------------------------------------------------------------------------------------


class Procs:
    """Every process the suite starts, each in its own session so it can be stopped with its children
    (by its own process group id); stop_all() runs on every exit path."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], env: dict[str, str], logfile: Path) -> subprocess.Popen[bytes]:
        out = logfile.open("ab")
        try:
            p = subprocess.Popen(
                cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            out.close()
        self.running.append(p)
        return p

    def stop(self, p: subprocess.Popen[bytes], timeout: float = 15.0) -> int | None:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        # children that outlived their parent (same process group)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
        if p in self.running:
            self.running.remove(p)
        return p.returncode

    async def astop(self, p: subprocess.Popen[bytes], limit_s: float = 15.0) -> int | None:
        return await asyncio.to_thread(self.stop, p, limit_s)

    def stop_all(self) -> None:
        for p in list(reversed(self.running)):
            self.stop(p, timeout=5.0)


async def wait_http(url: str, limit_s: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(timeout=2.0) as c:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
            with contextlib.suppress(httpx.HTTPError):
                if (await c.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {limit_s:g}s")


async def poll_until(cond: Callable[[], bool], limit_s: float, every: float = 0.1) -> bool:
    """Check cond every `every` seconds until it holds (True) or limit_s passed (False): for states that
    offer nothing to wait on (other processes, /proc, a counter fed by another task)."""
    deadline = time.monotonic() + limit_s
    while not cond():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
    return True


def tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


# --- /proc ----------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """pid and every descendant, from /proc/<pid>/task/*/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split())
    return out


def proc_status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_cpu(pids: list[int]) -> float:
    return sum(proc_cpu_seconds(p) for p in pids)


def system_cpu() -> tuple[float, float]:
    """(busy, total) seconds of all cores since boot, from /proc/stat."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    vals = [int(x) for x in first[:8]]
    idle = vals[3] + vals[4]
    return (sum(vals) - idle) / CLK_TCK, sum(vals) / CLK_TCK


def postgres_cpu() -> float:
    """CPU seconds of every postgres process we may read (the server's backends), for a breakdown."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("postgres") or comm == "postmaster":
            total += proc_cpu_seconds(int(entry))
    return total


@dataclass
class CpuSnap:
    busy: float
    total: float
    server: float
    postgres: float

    @classmethod
    def take(cls, server_pids: list[int]) -> CpuSnap:
        busy, total = system_cpu()
        return cls(busy, total, tree_cpu(server_pids), postgres_cpu())


def cpu_breakdown(a: CpuSnap, b: CpuSnap, ncpu: int) -> dict[str, float]:
    wall = (b.total - a.total) / max(ncpu, 1)
    return {
        "wall_s": wall,
        "machine_busy_pct": 100.0 * (b.busy - a.busy) / max(b.total - a.total, 1e-9),
        "server_cpu_s": b.server - a.server,
        "postgres_cpu_s": b.postgres - a.postgres,
    }


class RssSampler:
    """Samples the summed VmRSS of a process tree every `every` seconds (the peak of the sum), and
    reads each process's VmHWM (its own peak) at the end."""

    def __init__(self, root_pid: int, every: float = 0.5) -> None:
        self.root = root_pid
        self.every = every
        self.peak_total_kib = 0
        self.hwm: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        pids = descendants(self.root)
        self.peak_total_kib = max(self.peak_total_kib, sum(proc_status_kib(p, "VmRSS") for p in pids))
        for p in pids:
            self.hwm[p] = max(self.hwm.get(p, 0), proc_status_kib(p, "VmHWM"))

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, Any]:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()
        return {
            "peak_total_rss_mib": self.peak_total_kib / 1024,
            "processes": len(self.hwm),
            "sum_vmhwm_mib": sum(self.hwm.values()) / 1024,
            "max_vmhwm_mib": max(self.hwm.values(), default=0) / 1024,
        }


# --- the machine ----------------------------------------------------------------------------------


def foreign_rewardkit() -> str | None:
    """Where this interpreter's rewardkit comes from, when that is not this checkout's src/: the servers
    the bench starts would run that code, not the code of the commit the report names. None if it is."""
    import rewardkit

    where = Path(rewardkit.__file__).resolve().parent
    return None if where.is_relative_to((REPO / "src").resolve()) else str(where)


def machine_info() -> dict[str, Any]:
    import platform
    import sqlite3

    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except OSError:
            return ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "src"))
    import httpx as _httpx
    import uvicorn

    from rewardkit import __version__

    return {
        "nproc": os.cpu_count() or 1,
        "cpu_model": model,
        "mem_total_gib": mem_kib / 1024 / 1024,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "uvicorn": uvicorn.__version__,
        "httpx": _httpx.__version__,
        "rewardkit": __version__,
        "commit": commit + (" (with uncommitted changes in src/)" if dirty else ""),
    }
