"""The benchmark suite's entry point (`make bench`).

    python -m bench.run [--smoke] [--out DIR] [--pg-url URL]
                        [--only ceiling,pg,sqlite,limiter,catalog,webhooks,links,points,storefront,reconcile,
                                reports,assistant]

Runs a bounded suite on loopback and writes a Markdown report (`latest.md`, plus the raw figures in
`latest.raw`, JSON) to bench/results/ (or --out; --smoke writes to a temporary directory unless
--out is given) and prints the same table. Every database and process it creates is removed at the
end, also after an error, Ctrl-C or SIGTERM.

Each order test (PostgreSQL, SQLite) measures the max sustained orders/s (closed loops), then open
loops at fixed offered rates and at half that maximum (rounded to 10/s). The links phase (bench/links.py)
makes a 1,000-link batch, the same with email delivery, and measures redeem latency at a fixed rate,
on its own PostgreSQL clone; its figures also go to bench/results/links.md. Every server runs with the
default rate limits on; the limiter phase measures their cost (on the SQLite phase's database, its
closed loop with them off, then on). The servers run this checkout's code; to compare two commits,
run it in two clones and `python -m bench.compare` (docs/testing.md).

Longer than 400 lines on purpose: the phases run in this order and share one configuration, and
reading them top to bottom is reading the benchmark; each phase is one function.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import assistant as assistant_bench
from bench import ceiling, report
from bench import links as links_bench
from bench import points as points_bench
from bench import reconcile as reconcile_bench
from bench import reports as reports_bench
from bench import storefront as storefront_bench
from bench.common import (
    REPO,
    Config,
    CpuSnap,
    Pg,
    Procs,
    RssSampler,
    Tenant,
    base_env,
    cpu_breakdown,
    descendants,
    foreign_rewardkit,
    free_port,
    last_lines,
    log,
    machine_info,
    new_secret_keys,
    poll_until,
    prepare_database,
    proc_cpu_seconds,
    rewardkit_cmd,
    tail,
    wait_http,
)
from bench.loadgen import Spec, percentile, run_loadgen
from bench.receiver import Receiver, Running

PHASES = (
    "ceiling", "pg", "sqlite", "limiter", "catalog", "webhooks", "links", "points",
    "storefront", "reconcile", "reports", "assistant",
)  # fmt: skip
OTHERS_RESERVE = 40
FUNDS_USD = 100_000_000  # no order may fail for money: 10 USD orders, at most a few 100k per run


class Bench:
    def __init__(self, cfg: Config, pg: Pg, work: Path, only: set[str], out_dir: Path) -> None:
        self.cfg = cfg
        self.out_dir = out_dir
        self.pg = pg
        self.work = work
        self.only = only
        self.procs = Procs()
        self.results: dict[str, Any] = {"config": vars(cfg), "errors": []}
        self.secret = new_secret_keys()
        self.ncpu = os.cpu_count() or 1
        self.base_db: str | None = None
        self.tenant: Tenant | None = None

    # --- helpers --------------------------------------------------------------------------------------

    async def base(self) -> tuple[str, Tenant]:
        """One prepared database (migrated, sandbox catalog, funded org) that the others copy."""
        if self.base_db is None or self.tenant is None:
            self.base_db = await self.pg.create_db("_base")
            log(f"preparing {self.base_db}: migrate, catalog seed, orgs create, wallets fund")
            self.tenant = await prepare_database(base_env(self.pg.app_url(self.base_db), self.secret), FUNDS_USD)
        return self.base_db, self.tenant

    async def clone(self, suffix: str) -> tuple[str, Tenant]:
        base, tenant = await self.base()
        return await self.pg.create_db(suffix, template=base), tenant

    async def serve(self, env: dict[str, str], workers: int, name: str) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        cmd = [*rewardkit_cmd(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        cmd.append("--no-demo")
        logfile = self.work / f"{name}.log"
        p = self.procs.start(cmd, env, logfile)
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_http(url + "/readyz", 120, p)
            if workers > 1:  # uvicorn's worker processes (children of the serve process)
                await poll_until(lambda: len(descendants(p.pid)) >= workers + 1, 60, 0.2)
        except Exception as exc:
            raise RuntimeError(f"{name} did not start: {exc}\n{tail(logfile)}") from exc
        log(f"{name}: rewardkit serve --workers {workers} on {url} (pid {p.pid})")
        return p, url

    async def measured(self, spec: Spec, server_pid: int | None) -> dict[str, Any]:
        """One load generator run, with the CPU used meanwhile by the server processes, by every
        PostgreSQL backend, by the generator and by the whole machine."""
        pids = descendants(server_pid) if server_pid else []
        per0 = {p: proc_cpu_seconds(p) for p in pids}
        me0 = _self_cpu()
        a = CpuSnap.take(pids)
        res = await run_loadgen(spec)
        b = CpuSnap.take(pids)
        if server_pid and self._exited(server_pid):
            raise RuntimeError(f"the server (pid {server_pid}) exited during the run")
        me1 = _self_cpu()
        cpu: dict[str, Any] = dict(cpu_breakdown(a, b, self.ncpu))
        cpu["loadgen_cpu_s"] = res["loadgen_cpu_s"]
        cpu["orchestrator_cpu_s"] = me1 - me0
        busy_s = cpu["machine_busy_pct"] / 100 * cpu["wall_s"] * self.ncpu
        ours = cpu["server_cpu_s"] + cpu["postgres_cpu_s"] + cpu["loadgen_cpu_s"] + cpu["orchestrator_cpu_s"]
        cpu["other_cpu_s"] = max(0.0, busy_s - ours)
        cpu["per_server_process_s"] = sorted((proc_cpu_seconds(p) - per0.get(p, 0.0) for p in pids), reverse=True)
        res["cpu"] = cpu
        return res

    async def helper(self, args: list[str], env: dict[str, str], limit_s: float, what: str) -> str:
        """Run `python -m <args>` (a bench helper process) to completion, bounded; its stdout."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", *args, env=env, cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout=limit_s)
        except (TimeoutError, asyncio.CancelledError):
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            (self.work / f"{args[0]}.log").write_bytes(err)
            raise RuntimeError(f"{what} failed: {last_lines(err.decode(errors='replace'))}")
        return out.decode()

    def _exited(self, pid: int) -> bool:
        return any(p.pid == pid and p.poll() is not None for p in self.procs.running)

    def spec(self, url: str, tenant: Tenant, **kw: Any) -> Spec:
        return Spec(url=url, api_key=tenant.api_key, timeout=self.cfg.timeout_s, **kw)

    # --- 1. ceilings ----------------------------------------------------------------------------------

    async def ceilings(self) -> None:
        cfg = self.cfg
        try:
            r = await ceiling.tpcb(self.pg, cfg.pgbench_clients, cfg.pgbench_seconds, cfg.tpcb_scale)
            self.results["tpcb"] = {**r.as_dict(), "clients": cfg.pgbench_clients, "seconds": cfg.pgbench_seconds,
                                    "scale": cfg.tpcb_scale}
            log(f"TPC-B-like: {r.tps:.0f} tps")
        except Exception as exc:
            self._error("tpcb", exc)
        db = None
        try:
            db, tenant = await self.clone("_capture")
            env = base_env(self.pg.app_url(db), self.secret)
            script = self.work / "order.pgbench.sql"
            info_path = self.work / "capture.json"
            log("capturing one order's statements")
            await self.helper(["bench.capture", "--api-key", tenant.api_key, "--out", str(script), "--json",
                               str(info_path)], env, 120, "capture")
            info = json.loads(info_path.read_text())
            r = await ceiling.custom(self.pg, db, script, cfg.pgbench_clients, cfg.pgbench_seconds)
            self.results["order_sql"] = {**r.as_dict(), **info, "clients": cfg.pgbench_clients,
                                         "seconds": cfg.pgbench_seconds}
            shutil.copyfile(script, self.out_dir / "order.pgbench.sql.raw")
            log(f"order-SQL script: {r.tps:.0f} orders/s ({info['statements']} statements, "
                f"{info['transactions']} transactions)")
        except Exception as exc:
            self._error("order_sql", exc)
        finally:
            if db:
                await self.pg.drop_db(db)

    # --- 2. orders over HTTP --------------------------------------------------------------------------

    async def order_test(self, key: str, url: str, server: subprocess.Popen[bytes], tenant: Tenant,
                         levels: list[int], forced_rates: set[int], db: str | None) -> dict[str, Any]:
        cfg = self.cfg
        out: dict[str, Any] = {"closed": [], "open": []}
        rss = RssSampler(server.pid)
        rss.start()
        try:
            if cfg.warmup_s > 0:
                log(f"{key}: warm-up {cfg.warmup_s:g}s")
                warm = await self.measured(
                    self.spec(url, tenant, mode="closed", concurrency=max(levels), duration=cfg.warmup_s, warmup=0,
                              key_prefix=f"{key}-warm"), server.pid)
                out["warmup"] = _brief(warm)
            for c in levels:
                res = await self.measured(
                    self.spec(url, tenant, mode="closed", concurrency=c, duration=cfg.closed_s,
                              warmup=cfg.closed_warmup_s, key_prefix=f"{key}-c{c}"), server.pid)
                out["closed"].append(res)
                log(f"{key}: closed loop x{c}: {res['ok_per_s']:.1f} fulfilled/s, p99 "
                    f"{_ms(res['latency_ms']['p99'])}, errors {res['errors'] or 0}")
            best = max(out["closed"], key=lambda r: r["ok_per_s"])
            out["max"] = best
            top = best["ok_per_s"]
            below = [r for r in cfg.rates if r <= top]
            rates = sorted(set(below) | {r for r in forced_rates if r > top})
            if any(r > top for r in cfg.rates) and top >= 2:
                highest = _round_down(0.9 * top)
                if highest not in rates and highest > 0:
                    rates.append(highest)
            # half the maximum measured just above: a latency at the same load share on every machine and
            # commit (the fixed rates are a different share of each maximum), for before/after comparisons
            half = _half_of(top)
            half_only = half > 0 and half not in rates  # run for this row only (not also a fixed rate)
            if half_only:
                rates.append(half)
            out["half_max_rate"] = half
            # below the maximum first; offered rates above it (overload) last
            rates.sort(key=lambda r: (r > top, r))
            for rate in rates:
                over = rate > top
                before = await self._checkpoints(db)
                res = await self.measured(
                    self.spec(url, tenant, mode="open", rate=float(rate),
                              duration=cfg.overload_s if over else cfg.open_s, warmup=cfg.open_warmup_s,
                              max_in_flight=256,
                              key_prefix=f"{key}-r{rate}"), server.pid)
                res["above_max"] = over
                res["half_max"] = rate == half
                res["half_max_only"] = rate == half and half_only
                after = await self._checkpoints(db)
                if before is not None and after is not None:
                    res["pg_checkpoints"] = after - before
                out["open"].append(res)
                log(f"{key}: open loop {rate}/s: achieved {res['ok_per_s']:.1f}/s, p50/p95/p99 "
                    f"{_ms(res['latency_ms']['p50'])}/{_ms(res['latency_ms']['p95'])}/"
                    f"{_ms(res['latency_ms']['p99'])}, errors {res['errors'] or 0}")
                if over:
                    await self._settle(url, db)
        finally:
            out["memory"] = await rss.stop()
        return out

    async def _checkpoints(self, db: str | None) -> int | None:
        """PostgreSQL checkpoints so far (timed and requested), to say which runs one overlapped: a
        checkpoint's writes and the full-page images after it slow commits for a while."""
        if db is None:
            return None
        try:
            return int(await self.pg.fetchval("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"))
        except Exception:  # a newer PostgreSQL keeps these in pg_stat_checkpointer: not worth failing the run
            return None

    async def _settle(self, url: str, db: str | None) -> None:
        """After an overload, wait (at most 60 s) until the server is quiet again: /healthz answers fast
        and, on PostgreSQL, none of its connections has been busy for a second."""
        deadline = time.monotonic() + 60
        quiet = 0
        sql = (
            f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND state <> 'idle'"
            " AND pid <> pg_backend_pid()"
        )
        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            while time.monotonic() < deadline and quiet < 4:
                t = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    await c.get("/healthz")
                fast = time.monotonic() - t < 0.05
                idle = db is None or int(await self.pg.fetchval(sql)) == 0
                quiet = quiet + 1 if fast and idle else 0
                await asyncio.sleep(0.25)

    async def pg_phase(self) -> None:
        cfg = self.cfg
        db, tenant = await self.clone("_pg")
        max_conn = int(await self.pg.fetchval("SHOW max_connections"))
        worker_conns = cfg.webhook_processes * (cfg.webhook_concurrency + 2)
        # the server may be shared (other test suites): leave it a reserve of OTHERS_RESERVE connections
        pool = max(4, min(10, (max_conn - 3 - OTHERS_RESERVE - worker_conns) // cfg.pg_workers))
        env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_RUN_WORKER="false",
                       REWARDKIT_DB_POOL_SIZE=str(pool), REWARDKIT_DB_MAX_OVERFLOW="0")
        self.results["pg_server"] = {"workers": cfg.pg_workers, "pool_size": pool, "max_overflow": 0,
                                     "run_worker": False, "max_connections": max_conn}
        server, url = await self.serve(env, cfg.pg_workers, "serve-pg")
        try:
            if "pg" in self.only:
                try:
                    self.results["pg"] = await self.order_test(
                        "pg", url, server, tenant, cfg.closed_levels, {cfg.goal_rate}, db)
                except Exception as exc:
                    self._error("pg", exc)
            if "catalog" in self.only:
                try:
                    await self.catalog(env, url, server, tenant)
                except Exception as exc:
                    self._error("catalog", exc)
            if "webhooks" in self.only:
                try:
                    await self.webhooks(db, env, url, tenant)
                except Exception as exc:
                    self._error("webhooks", exc)
        finally:
            await self.procs.astop(server)
            if self.only & {"pg", "webhooks"}:
                await self.verify_ledger("pg", env)
            await self.pg.drop_db(db)

    def sqlite_env(self) -> dict[str, str]:
        path = self.work / "sqlite" / "rewardkit.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return base_env(f"sqlite+aiosqlite:///{path}", self.secret)

    async def sqlite_prepare(self) -> Tenant:
        log("preparing SQLite: migrate, catalog seed, orgs create, wallets fund")
        return await prepare_database(self.sqlite_env(), FUNDS_USD)

    async def sqlite_phase(self, prepared: asyncio.Task[Tenant] | None) -> None:
        env = self.sqlite_env()
        path = self.work / "sqlite" / "rewardkit.db"
        tenant = await prepared if prepared else await self.sqlite_prepare()
        try:
            if "sqlite" in self.only:
                server, url = await self.serve(env, 1, "serve-sqlite")
                self.results["sqlite_server"] = {"workers": 1, "run_worker": True}
                try:
                    self.results["sqlite"] = await self.order_test(
                        "sqlite", url, server, tenant, self.cfg.sqlite_levels, set(), None
                    )
                finally:
                    await self.procs.astop(server)
            if "limiter" in self.only:
                try:
                    await self.limiter_runs(env, tenant)
                except Exception as exc:
                    self._error("limiter", exc)
        finally:
            await self.verify_ledger("sqlite", env)
            shutil.rmtree(path.parent, ignore_errors=True)

    async def limiter_runs(self, env: dict[str, str], tenant: Tenant) -> None:
        """On the SQLite phase's database, once its order test is over: its closed loop at the highest
        level on a server with the rate limits off (REWARDKIT_RATE_LIMITS=false), then on one with the
        defaults, for what the per-key check costs an order (off first: the second run meets the larger
        database, which counts against the limiter); and the checks alone, CPU per request."""
        cfg = self.cfg
        c = max(cfg.sqlite_levels)
        out: dict[str, Any] = {}
        n = "10000" if cfg.smoke else "100000"
        out["check"] = json.loads(await self.helper(["bench.limiter_cost", "--n", n], env, 120, "limiter cost"))
        log(f"limiter check: {out['check']['us_per_request']:.1f} µs CPU per request")
        for label, extra in (("off", {"REWARDKIT_RATE_LIMITS": "false"}), ("on", {})):
            server, url = await self.serve({**env, **extra}, 1, f"serve-limiter-{label}")
            try:
                out[label] = await self.measured(
                    self.spec(url, tenant, mode="closed", concurrency=c, duration=cfg.closed_s,
                              warmup=cfg.closed_warmup_s, key_prefix=f"limiter-{label}"), server.pid)
            finally:
                await self.procs.astop(server)
            log(f"limiter {label}: closed loop x{c}: {out[label]['ok_per_s']:.1f} fulfilled/s, "
                f"errors {out[label]['errors'] or 0}")
        self.results["limiter"] = out

    async def verify_ledger(self, key: str, env: dict[str, str]) -> None:
        """`rewardkit ledger verify` on the database every order of the phase went to: group commit
        and concurrency must leave every ledger invariant intact, not only be fast."""
        proc = await asyncio.create_subprocess_exec(
            *rewardkit_cmd(), "ledger", "verify", "--json", env=env, cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        try:
            data = json.loads(out)
        except ValueError:
            data = {"ok": False, "error": err.decode(errors="replace")[-500:]}
        self.results.setdefault("ledger_verify", {})[key] = {
            "ok": bool(data.get("ok")) and proc.returncode == 0,
            "broken": {k: len(v) for k, v in data.items() if isinstance(v, list) and v},
            "error": data.get("error"),
        }
        log(f"{key}: ledger verify {'ok' if self.results['ledger_verify'][key]['ok'] else 'FAILED'}")

    # --- 4. catalog -----------------------------------------------------------------------------------

    async def catalog(self, env: dict[str, str], url: str, server: subprocess.Popen[bytes], tenant: Tenant) -> None:
        cfg = self.cfg
        log(f"catalog: generating {cfg.catalog_count} products ({cfg.catalog_import} through import_products)")
        out = await self.helper(["bench.catalog_gen", "--count", str(cfg.catalog_count), "--import",
                                 str(cfg.catalog_import)], env, 600, "catalog generation")
        gen = json.loads(out.strip().splitlines()[-1])
        path = "/v1/products?country=US&currency=USD&category=gift_card&q=card"
        async with httpx.AsyncClient(base_url=url, timeout=10) as c:
            first = await c.get(path, headers={"Authorization": f"Bearer {tenant.api_key}"})
            first.raise_for_status()
            page = first.json()
        res = await self.measured(
            self.spec(url, tenant, kind="get", path=path, mode="closed", concurrency=cfg.catalog_clients,
                      duration=cfg.catalog_s, warmup=min(2.0, cfg.catalog_s / 4)), server.pid)
        self.results["catalog"] = {**res, "generated": gen, "query": path, "page_size": len(page["data"]),
                                   "has_more": page["has_more"]}
        log(f"catalog: {res['ok_per_s']:.0f} req/s, p50 {_ms(res['latency_ms']['p50'])}, "
            f"p99 {_ms(res['latency_ms']['p99'])}")

    # --- 5. webhooks ----------------------------------------------------------------------------------

    async def webhooks(self, db: str, env: dict[str, str], url: str, tenant: Tenant) -> None:
        cfg = self.cfg
        receiver = Receiver()
        auth = {"Authorization": f"Bearer {tenant.api_key}"}
        worker_env = {**env, "REWARDKIT_DB_POOL_SIZE": str(cfg.webhook_concurrency + 2)}
        async with Running(receiver), httpx.AsyncClient(base_url=url, timeout=10, headers=auth) as api:
            first = await self._endpoint(api, receiver.url("/backlog"))
            # (a) throughput: a backlog of deliveries, then worker processes drain it
            log(f"webhooks: {cfg.webhook_backlog} orders with no worker running (the backlog)")
            backlog = await run_loadgen(self.spec(url, tenant, mode="closed", concurrency=16, duration=600,
                                                  warmup=0, count=cfg.webhook_backlog, key_prefix="wh-backlog"))
            expected = backlog["ok"]
            cmd = [*rewardkit_cmd(), "worker", "--processes", str(cfg.webhook_processes), "--concurrency",
                   str(cfg.webhook_concurrency)]
            t_start = time.time()
            worker = self.procs.start(cmd, worker_env, self.work / "worker.log")
            try:
                deadline = time.monotonic() + cfg.webhook_drain_s
                snap: tuple[float, float, CpuSnap] | None = None  # from the first arrival: start-up excluded
                while _unique(receiver, "/backlog") < expected and time.monotonic() < deadline:
                    if worker.poll() is not None:
                        raise RuntimeError(f"rewardkit worker exited: {tail(self.work / 'worker.log')}")
                    if snap is None and receiver.arrivals:
                        pids = descendants(worker.pid)
                        snap = (_self_cpu(), time.time(), CpuSnap.take(pids))
                    await asyncio.sleep(0.1)
                if snap is not None:
                    end = CpuSnap.take(descendants(worker.pid))
                    self.results["webhooks_drain_cpu"] = {
                        **cpu_breakdown(snap[2], end, self.ncpu),
                        "orchestrator_cpu_s": _self_cpu() - snap[0],
                    }
                times = sorted(a.at for a in receiver.arrivals if a.path == "/backlog")
                rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
                got = _unique(receiver, "/backlog")
                self.results["webhooks_drain"] = {
                    "backlog": expected, "received": got, "deliveries": len(times),
                    "first_after_start_s": (times[0] - t_start) if times else None,
                    "last_after_start_s": (times[-1] - t_start) if times else None,
                    "cap_s": cfg.webhook_drain_s, "deliveries_per_s": rate,
                    "processes": cfg.webhook_processes, "concurrency": cfg.webhook_concurrency,
                }
                log(f"webhooks: {got}/{expected} of the backlog arrived, at {rate:.1f} deliveries/s")
                # what is left of the backlog is dropped: its endpoint is disabled (such deliveries end at once)
                r = await api.patch(f"/v1/webhook_endpoints/{first}", json={"enabled": False})
                r.raise_for_status()
                await self._endpoint(api, receiver.url("/steady"))
                await self._jobs_drained(db, 60.0)
                # (b) healthy steady state: orders at a rate the workers can follow; event -> receipt latency
                orders_max = (self.results.get("pg") or {}).get("max", {}).get("ok_per_s") or 2.0 * cfg.webhook_rate
                steady_rate = max(1, min(cfg.webhook_rate, _round_down(rate / 2), _round_down(orders_max / 2)))
                steady = await run_loadgen(self.spec(url, tenant, mode="open", rate=float(steady_rate),
                                                     duration=cfg.webhook_s, warmup=0, key_prefix="wh-steady"))
                want = steady["ok"]
                await poll_until(lambda: _unique(receiver, "/steady") >= want, cfg.webhook_tail_s)
                seen: dict[str, float] = {}
                arrivals = [a for a in receiver.arrivals if a.path == "/steady"]
                for a in arrivals:
                    seen.setdefault(a.event_id, (a.at - a.created_at) * 1000)
                lat = list(seen.values()) + [math.inf] * max(0, want - len(seen))
                self.results["webhooks_steady"] = {
                    "rate": steady_rate, "seconds": cfg.webhook_s, "orders_fulfilled": want,
                    "received": len(seen), "duplicates": len(arrivals) - len(seen),
                    "latency_ms": {"p50": percentile(lat, 50), "p95": percentile(lat, 95),
                                   "p99": percentile(lat, 99), "max": max(lat, default=math.nan)},
                    "order_errors": steady["errors"],
                }
                log(f"webhooks: {steady_rate} orders/s: event->receipt p50 {_ms(percentile(lat, 50))} "
                    f"p99 {_ms(percentile(lat, 99))} ({len(seen)}/{want})")
            finally:
                await self.procs.astop(worker)
            self.results["webhooks_bad_payloads"] = receiver.bad

    async def _endpoint(self, api: httpx.AsyncClient, target: str) -> str:
        r = await api.post("/v1/webhook_endpoints", json={"url": target, "enabled_events": ["order.fulfilled"]})
        if r.status_code not in (200, 201):
            raise RuntimeError(f"could not create the webhook endpoint: {r.status_code} {r.text[:500]}")
        return str(r.json()["id"])

    async def _jobs_drained(self, db: str, limit_s: float) -> None:
        """Wait (bounded) until no webhook delivery job is queued or running: a read-only look at jobs."""
        sql = "SELECT count(*) FROM jobs WHERE kind = 'webhooks.deliver' AND status IN ('queued', 'running')"
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if int(await self.pg.fetchval(sql, db)) == 0:
                return
            await asyncio.sleep(0.25)
        log("webhooks: the disabled endpoint's deliveries were still queued after the wait")

    # --- 6. reward links ------------------------------------------------------------------------------

    async def links_phase(self) -> None:
        """bench/links.py against one server (one process per core, as the PostgreSQL phase; their in-process
        workers send the mail) on its own clone, with
        SMTP pointed at a local aiosmtpd server; then `ledger verify` on that clone."""
        db, tenant = await self.clone("_links")
        s = links_bench.Settings.make(self.cfg.smoke)
        try:
            async with links_bench.smtp_server() as (inbox, port):
                env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_SMTP_URL=f"smtp://127.0.0.1:{port}",
                               REWARDKIT_DB_POOL_SIZE="10")
                server, url = await self.serve(env, self.cfg.pg_workers, "serve-links")
                try:
                    self.results["links"] = await links_bench.run_all(url, tenant.api_key, inbox, s, log)
                    self.results["links"]["server_workers"] = self.cfg.pg_workers
                finally:
                    await self.procs.astop(server)
            await self.verify_ledger("links", env)
            self.results["links"]["ledger_verify"] = self.results["ledger_verify"].pop("links")
        finally:
            await self.pg.drop_db(db)

    # --- 7. reward points (#14) -----------------------------------------------------------------------

    async def points_phase(self) -> None:
        """bench/points.py against one server (one process per core) on its own clone; then `ledger
        verify` on that clone."""
        db, tenant = await self.clone("_points")
        s = points_bench.Settings.make(self.cfg.smoke)
        try:
            env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_DB_POOL_SIZE="10")
            server, url = await self.serve(env, self.cfg.pg_workers, "serve-points")
            try:
                self.results["points"] = await points_bench.run_all(url, tenant.api_key, s, log)
                self.results["points"]["server_workers"] = self.cfg.pg_workers
            finally:
                await self.procs.astop(server)
            await self.verify_ledger("points", env)
            self.results["points"]["ledger_verify"] = self.results["ledger_verify"].pop("points")
        finally:
            await self.pg.drop_db(db)

    # --- 8. the storefront's pages (#15) ---------------------------------------------------------------

    async def storefront_phase(self) -> None:
        """bench/storefront.py: the catalog page of a signed-in member, open loop, against one server
        (one process per core) on its own clone holding a generated catalog of catalog_count products."""
        db, tenant = await self.clone("_storefront")
        s = storefront_bench.Settings.make(self.cfg.smoke)
        try:
            env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_DB_POOL_SIZE="10")
            log(f"storefront: generating {self.cfg.catalog_count} products")
            out = await self.helper(["bench.catalog_gen", "--count", str(self.cfg.catalog_count), "--import",
                                     str(self.cfg.catalog_import)], env, 600, "catalog generation")  # fmt: skip
            server, url = await self.serve(env, self.cfg.pg_workers, "serve-storefront")
            try:
                res = await storefront_bench.run_all(
                    url, tenant.api_key, s, log, lambda spec: self.measured(spec, server.pid)
                )
                res["generated"] = json.loads(out.strip().splitlines()[-1])
                res["products"] = self.cfg.catalog_count
                res["server_workers"] = self.cfg.pg_workers
                self.results["storefront"] = res
            finally:
                await self.procs.astop(server)
        finally:
            await self.pg.drop_db(db)

    # --- 9. supplier reconciliation (#16) -------------------------------------------------------------

    async def reconcile_phase(self) -> None:
        """bench/reconcile.py: 100,000 orders written into a clone, then one 100,000-line statement
        uploaded to one server process (the upload is one request: more workers would idle)."""
        db, tenant = await self.clone("_reconcile")
        s = reconcile_bench.Settings.make(self.cfg.smoke)
        try:
            env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_DB_POOL_SIZE="5")
            server, url = await self.serve(env, 1, "serve-reconcile")
            try:
                args = (url, tenant.api_key, tenant.org_id, self.pg.dsn(db), s, log)
                self.results["reconcile"] = await reconcile_bench.run_all(*args)
            finally:
                await self.procs.astop(server)
        finally:
            await self.pg.drop_db(db)

    # --- 10. reports (#16) ------------------------------------------------------------------------------

    async def reports_phase(self) -> None:
        """bench/reports.py: 1,000,000 balance transactions written into a clone, exported through one
        server process (a run is built and downloaded by one request each)."""
        db, tenant = await self.clone("_reports")
        s = reports_bench.Settings.make(self.cfg.smoke)
        try:
            extra = {"REWARDKIT_DB_POOL_SIZE": "5", "REWARDKIT_REPORTS_INLINE_ROWS": str(4 * s.transactions)}
            env = base_env(self.pg.app_url(db), self.secret, **extra)
            server, url = await self.serve(env, 1, "serve-reports")
            try:
                args = (url, tenant.api_key, tenant.org_id, self.pg.dsn(db), server.pid, s, log)
                self.results["reports"] = await reports_bench.run_all(*args)
            finally:
                await self.procs.astop(server)
        finally:
            await self.pg.drop_db(db)

    # --- 11. the docs assistant (#17) ------------------------------------------------------------------

    async def assistant_phase(self) -> None:
        """bench/assistant.py against one server process on its own clone (nothing is written)."""
        db, _tenant = await self.clone("_assistant")
        try:
            env = base_env(self.pg.app_url(db), self.secret, REWARDKIT_ASSISTANT_RATE_LIMIT="1000000/minute")
            server, url = await self.serve(env, 1, "serve-assistant")
            try:
                self.results["assistant"] = await assistant_bench.run_all(url, log, 1 if self.cfg.smoke else 3)
            finally:
                await self.procs.astop(server)
        finally:
            await self.pg.drop_db(db)

    # --- driver ---------------------------------------------------------------------------------------

    def _error(self, phase: str, exc: BaseException) -> None:
        log(f"{phase} FAILED: {type(exc).__name__}: {exc}")
        self.results["errors"].append({"phase": phase, "error": f"{type(exc).__name__}: {str(exc)[:1500]}"})

    async def run(self) -> None:
        sqlite_ready: asyncio.Task[Tenant] | None = None
        try:
            if self.cfg.smoke and self.only & {"sqlite", "limiter"}:  # smoke: prepare SQLite meanwhile
                sqlite_ready = asyncio.create_task(self.sqlite_prepare())
            try:
                self.results["postgres"] = {
                    key: await self.pg.fetchval(f"SHOW {key}")
                    for key in ("server_version", "synchronous_commit", "fsync", "shared_buffers", "max_wal_size")
                }
            except (OSError, asyncpg.PostgresError) as exc:
                if self.only - {"sqlite"}:
                    raise
                log(f"no PostgreSQL ({exc}); running SQLite only")
            if "ceiling" in self.only:
                await self.ceilings()
            if self.only & {"pg", "catalog", "webhooks"}:
                try:
                    await self.pg_phase()
                except Exception as exc:
                    self._error("pg server", exc)
            if self.only & {"sqlite", "limiter"}:  # the limiter's runs use the SQLite phase's database
                try:
                    await self.sqlite_phase(sqlite_ready)
                except Exception as exc:
                    self._error("sqlite", exc)
            if "links" in self.only:
                try:
                    await self.links_phase()
                except Exception as exc:
                    self._error("links", exc)
            if "points" in self.only:
                try:
                    await self.points_phase()
                except Exception as exc:
                    self._error("points", exc)
            if "storefront" in self.only:
                try:
                    await self.storefront_phase()
                except Exception as exc:
                    self._error("storefront", exc)
            if "reconcile" in self.only:
                try:
                    await self.reconcile_phase()
                except Exception as exc:
                    self._error("reconcile", exc)
            if "reports" in self.only:
                try:
                    await self.reports_phase()
                except Exception as exc:
                    self._error("reports", exc)
            if "assistant" in self.only:
                try:
                    await self.assistant_phase()
                except Exception as exc:
                    self._error("assistant", exc)
        finally:
            if sqlite_ready is not None and not sqlite_ready.done():
                sqlite_ready.cancel()
            await asyncio.shield(self.cleanup())

    async def cleanup(self) -> None:
        await asyncio.to_thread(self.procs.stop_all)
        await self.pg.drop_all()


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _unique(receiver: Receiver, path: str) -> int:
    return len({a.event_id for a in receiver.arrivals if a.path == path})


def _round_down(x: float) -> int:
    step = 100 if x >= 1000 else 10 if x >= 100 else 5 if x >= 20 else 1
    return int(x // step * step)


def _half_of(top: float) -> int:
    """Half the measured maximum, rounded to 10/s (to 1/s under 20/s: smoke runs); 0 if nothing was measured."""
    half = top / 2
    return int(round(half / 10) * 10) if half >= 20 else max(0, int(round(half)))


def _ms(v: float) -> str:
    return report.fmt_ms(v)


def _brief(res: dict[str, Any]) -> dict[str, Any]:
    return {k: res[k] for k in ("ok_per_s", "errors", "latency_ms")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny counts and durations (about a minute)")
    ap.add_argument("--only", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    ap.add_argument("--out", type=Path, help="directory for latest.md / latest.raw")
    ap.add_argument("--pg-url", default=os.environ.get("REWARDKIT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                    help="a PostgreSQL database on loopback to connect to for CREATE/DROP DATABASE")
    ap.add_argument("--keep-logs", action="store_true", help="keep the working directory (server logs)")
    ap.add_argument("--pg-workers", type=int, help="API processes for the PostgreSQL phases (default: one per core)")
    args = ap.parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    if not only <= set(PHASES):
        ap.error(f"--only takes {', '.join(PHASES)}")
    other = foreign_rewardkit()
    if other:
        ap.error(f"this Python ({sys.executable}) imports rewardkit from {other}, not from {REPO / 'src'}: the "
                 f"bench would measure another checkout's code. Run `make install` here and use .venv/bin/python "
                 f"(docs/testing.md, comparing two commits)")
    cfg = Config.make(args.smoke)
    if args.pg_workers:
        cfg.pg_workers = args.pg_workers
    out_dir: Path = args.out or (Path(tempfile.mkdtemp(prefix="rk_bench_smoke_")) if args.smoke
                                 else REPO / "bench" / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="rk_bench_work_"))
    machine = machine_info()
    bench = Bench(cfg, Pg(args.pg_url), work, only, out_dir)
    started = time.time()

    async def go() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        assert task is not None
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        watchdog = loop.call_later(cfg.budget_s, task.cancel)
        try:
            await bench.run()
        finally:
            watchdog.cancel()

    interrupted = False
    try:
        asyncio.run(go())
    except (asyncio.CancelledError, KeyboardInterrupt):
        interrupted = True
        bench.results["errors"].append({"phase": "run", "error": "interrupted (signal or time budget)"})
    except Exception as exc:  # still write what was measured
        bench.results["errors"].append({"phase": "run", "error": f"{type(exc).__name__}: {exc}"})
    finally:
        bench.procs.stop_all()
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)
    bench.results["machine"] = machine
    bench.results["databases"] = bench.pg.every
    bench.results["elapsed_s"] = time.time() - started
    rows = report.rows(bench.results, cfg) + [report.Row(*r) for r in links_bench.rows(bench.results)]
    rows += [report.Row(*r) for r in points_bench.rows(bench.results)]
    rows += [report.Row(*r) for r in storefront_bench.rows(bench.results)]
    rows += [report.Row(*r) for r in reconcile_bench.rows(bench.results)]
    rows += [report.Row(*r) for r in reports_bench.rows(bench.results)]
    rows += [report.Row(*r) for r in assistant_bench.rows(bench.results)]
    md = report.markdown(bench.results, rows, cfg, only)
    (out_dir / "latest.md").write_text(md)
    if "links" in bench.results:
        (out_dir / "links.md").write_text(links_bench.markdown(bench.results, cfg.smoke))
    if "points" in bench.results:
        (out_dir / "points.md").write_text(points_bench.markdown(bench.results, cfg.smoke))
    if "storefront" in bench.results:
        (out_dir / "storefront.md").write_text(storefront_bench.markdown(bench.results, cfg.smoke))
    if "reconcile" in bench.results:
        (out_dir / "reconcile.md").write_text(reconcile_bench.markdown(bench.results, cfg.smoke))
    if "reports" in bench.results:
        (out_dir / "reports.md").write_text(reports_bench.markdown(bench.results, cfg.smoke))
    if "assistant" in bench.results:
        (out_dir / "assistant.md").write_text(assistant_bench.markdown(bench.results, cfg.smoke))
    (out_dir / "latest.raw").write_text(json.dumps(report.jsonable(bench.results), indent=1, default=str))
    print(report.table(rows))
    for e in bench.results["errors"]:
        print(f"ERROR in {e['phase']}: {e['error']}", file=sys.stderr)
    print(f"\nreport: {out_dir / 'latest.md'}  ({bench.results['elapsed_s']:.0f}s)")
    if args.keep_logs:
        print(f"logs: {work}")
    return 1 if (bench.results["errors"] or interrupted) else 0


if __name__ == "__main__":
    sys.exit(main())
