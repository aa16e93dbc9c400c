"""The report: one table (metric | method | value | goal | met?) and short notes, as Markdown.

Longer than 400 lines on purpose: one row builder per metric, in the table's order, each with the
method text that explains its figure; together they are the report's single source.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from bench.common import Config

PG_ORDERS_GOAL = 1000.0
TPCB_SHARE_GOAL, TPCB_SHARE_MOONSHOT = 25.0, 50.0
P99_GOAL_MS = 50.0
SQLITE_GOAL = 300.0
CATALOG_P99_GOAL_MS = 20.0
WEBHOOK_RATE_GOAL = 500.0
WEBHOOK_P99_GOAL_MS = 1000.0


@dataclass
class Row:
    metric: str
    method: str
    value: str
    goal: str = "—"
    met: str = "—"


def fmt_ms(v: float | None, timeout_s: float | None = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if math.isinf(v):
        return f">{timeout_s * 1000:.0f} ms" if timeout_s else "timeout"
    if v >= 1000:
        return f"{v / 1000:.2f} s"
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def _n(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _errors(res: dict[str, Any]) -> str:
    errs = res.get("errors") or {}
    total = sum(errs.values())
    if not total:
        return "0 errors"
    return f"{total} errors: " + ", ".join(f"{k} ×{v}" for k, v in sorted(errs.items()))


def _missing(what: str, results: dict[str, Any], phase: str) -> Row:
    failed = any(e["phase"].startswith(phase) for e in results.get("errors", []))
    return Row(what, "—", "failed (see notes)" if failed else "not run")


def _open_loop(res: dict[str, Any], cfg: Config) -> tuple[str, str]:
    """The method and value cells of one open-loop run."""
    rate = int(res["spec"]["rate"])
    lat = res["latency_ms"]
    t = cfg.timeout_s
    value = (
        f"p50 {fmt_ms(lat['p50'], t)} · p95 {fmt_ms(lat['p95'], t)} · p99 {fmt_ms(lat['p99'], t)} "
        f"(achieved {_n(res['ok_per_s'])}/s; {_errors(res)})"
    )
    method = (
        f"open loop: {rate} orders/s scheduled for {res['spec']['duration']:g} s (first "
        f"{res['spec']['warmup']:g} s not counted), latency from the scheduled start (≤ "
        f"{res['spec']['max_in_flight']} in flight); failures count as ∞"
    )
    if res.get("above_max"):
        method += "; **above the measured maximum**"
    if "pg_checkpoints" in res:
        n = res["pg_checkpoints"]
        method += f"; PostgreSQL checkpoints begun meanwhile: {n}"
    return method, value


def _latency_rows(db: str, data: dict[str, Any], cfg: Config, goal_rate: int | None) -> list[Row]:
    rows = []
    for res in data.get("open", []):
        if res.get("half_max_only"):
            continue
        rate = int(res["spec"]["rate"])
        method, value = _open_loop(res, cfg)
        goal, met = "—", "—"
        if goal_rate is not None and rate == goal_rate:
            goal = f"p99 < {P99_GOAL_MS:g} ms" + (" (goal is at 500/s; smoke stand-in)" if cfg.smoke else "")
            met = _yes(res["latency_ms"]["p99"] < P99_GOAL_MS)
        rows.append(Row(f"{db}: fulfilled-order latency at {rate}/s offered", method, value, goal, met))
    half = next((r for r in data.get("open", []) if r.get("half_max")), None)
    if half is not None:
        rate = int(half["spec"]["rate"])
        method, value = _open_loop(half, cfg)
        top = data["max"]["ok_per_s"]
        method = (
            f"half the max sustained orders/s measured above in the same run ({_n(top)}/s ÷ 2, rounded to "
            f"10/s): the same share of the maximum on every machine and commit, for before/after comparisons; "
            + method
        )
        rows.append(Row(f"{db}: p50/p95/p99 at half the measured maximum ({rate}/s)", method, value))
    else:
        rows.append(Row(f"{db}: p50/p95/p99 at half the measured maximum", "—", "not run (no maximum measured)"))
    return rows


def rows(results: dict[str, Any], cfg: Config) -> list[Row]:
    out: list[Row] = []
    tpcb = results.get("tpcb")
    osql = results.get("order_sql")
    pgs = results.get("postgres", {})
    durable = f"synchronous_commit={pgs.get('synchronous_commit', '?')}, fsync={pgs.get('fsync', '?')}"
    if tpcb:
        out.append(Row(
            "Ceiling: TPC-B-like (pgbench)",
            f"pgbench built-in TPC-B-like script, scale {tpcb['scale']}, {tpcb['clients']} clients, -j 2, "
            f"{tpcb['seconds']} s, simple protocol, own database; {durable}",
            f"{_n(tpcb['tps'])} tps",
        ))
    else:
        out.append(_missing("Ceiling: TPC-B-like (pgbench)", results, "tpcb"))
    if osql:
        out.append(Row(
            "Ceiling: our SQL (orders/s ceiling of our SQL)",
            f"pgbench -M prepared, {osql['clients']} clients, {osql['seconds']} s: the {osql['statements']} "
            f"statements in {osql['transactions']} transactions of one sandbox order captured from the app "
            f"(bench/capture.py), new ids randomised, same org and wallet, one order per transaction (an order "
            f"placed alone; group commit writes many per transaction); {osql['failed']} failed",
            f"{_n(osql['tps'])} orders/s",
        ))
    else:
        out.append(_missing("Ceiling: our SQL (orders/s ceiling of our SQL)", results, "order_sql"))

    pg = results.get("pg")
    server = results.get("pg_server", {})
    if pg and pg.get("max"):
        best = pg["max"]
        levels = ", ".join(str(r["spec"]["concurrency"]) for r in pg["closed"])
        top = best["ok_per_s"]
        out.append(Row(
            "PostgreSQL: max sustained sandbox orders/s",
            f"closed loop, {levels} concurrent clients, {best['spec']['duration']:g} s each (first "
            f"{best['spec']['warmup']:g} s not counted), best: {best['spec']['concurrency']} clients; "
            f"`rewardkit serve --workers {server.get('workers')}`, a fresh Idempotency-Key per order, only 200 + "
            f"`fulfilled` counted ({_errors(best)}); p99 {fmt_ms(best['latency_ms']['p99'], cfg.timeout_s)}",
            f"{_n(top)} orders/s",
            f"≥ {PG_ORDERS_GOAL:,.0f} orders/s on {results.get('machine', {}).get('nproc', '?')} cores",
            _yes(top >= PG_ORDERS_GOAL),
        ))
        if tpcb:
            share = 100 * top / tpcb["tps"]
            met = "yes (moonshot too)" if share >= TPCB_SHARE_MOONSHOT else _yes(share >= TPCB_SHARE_GOAL)
            out.append(Row("PostgreSQL: orders/s ÷ TPC-B-like ceiling", "the two figures above, same run",
                           f"{share:.1f} %", f"≥ {TPCB_SHARE_GOAL:g} % (moonshot {TPCB_SHARE_MOONSHOT:g} %)", met))
        else:
            out.append(_missing("PostgreSQL: orders/s ÷ TPC-B-like ceiling", results, "tpcb"))
        if osql:
            out.append(Row("PostgreSQL: orders/s ÷ our-SQL ceiling", "the two figures above, same run",
                           f"{100 * top / osql['tps']:.1f} %"))
        else:
            out.append(_missing("PostgreSQL: orders/s ÷ our-SQL ceiling", results, "order_sql"))
        out.extend(_latency_rows("PostgreSQL", pg, cfg, cfg.goal_rate))
        cpu = best["cpu"]
        done = best.get("ok_total") or 0
        if done:
            out.append(Row(
                "PostgreSQL: CPU per order at the maximum",
                "CPU seconds from /proc/<pid>/stat during the best closed-loop run ÷ orders fulfilled in it: API "
                "processes / every PostgreSQL backend / load generator",
                f"{1000 * cpu['server_cpu_s'] / done:.1f} / {1000 * cpu['postgres_cpu_s'] / done:.1f} / "
                f"{1000 * cpu['loadgen_cpu_s'] / done:.1f} ms",
            ))
    else:
        for name in ("PostgreSQL: max sustained sandbox orders/s", "PostgreSQL: orders/s ÷ TPC-B-like ceiling",
                     "PostgreSQL: orders/s ÷ our-SQL ceiling"):
            out.append(_missing(name, results, "pg"))

    sq = results.get("sqlite")
    if sq and sq.get("max"):
        best = sq["max"]
        levels = ", ".join(str(r["spec"]["concurrency"]) for r in sq["closed"])
        out.append(Row(
            "SQLite: max sustained sandbox orders/s",
            f"the same order test on the embedded default (WAL, synchronous=FULL), `rewardkit serve --workers 1`: "
            f"closed loop, {levels} clients, {best['spec']['duration']:g} s each, best: "
            f"{best['spec']['concurrency']} ({_errors(best)})",
            f"{_n(best['ok_per_s'])} orders/s",
            f"≥ {SQLITE_GOAL:g} orders/s",
            _yes(best["ok_per_s"] >= SQLITE_GOAL),
        ))
        out.extend(_latency_rows("SQLite", sq, cfg, None))
    else:
        out.append(_missing("SQLite: max sustained sandbox orders/s", results, "sqlite"))

    lim = results.get("limiter")
    if lim and lim.get("on") and lim.get("off"):
        on, off, check = lim["on"], lim["off"], lim["check"]
        spec = on["spec"]
        ratio = f"{100 * on['ok_per_s'] / off['ok_per_s']:.1f} %" if off["ok_per_s"] else "—"
        out.append(Row(
            "Rate limiter: SQLite orders/s with the limits on ÷ off",
            f"on the SQLite phase's database after its order test, the same closed loop, "
            f"{spec['concurrency']} clients, {spec['duration']:g} s each (first {spec['warmup']:g} s not "
            f"counted), one API key: first `REWARDKIT_RATE_LIMITS=false`, then the defaults (per key, in "
            f"memory; every other row runs with them on); off {_n(off['ok_per_s'])} orders/s "
            f"({_errors(off)}), on {_n(on['ok_per_s'])} orders/s ({_errors(on)}). The checks alone "
            f"(bench/limiter_cost.py: the address's failures, then the key's hit, in memory, "
            f"{check['n']:,} times in one process): CPU per request",
            f"{ratio} (checks: {check['us_per_request']:.1f} µs CPU per request)",
        ))
    else:
        out.append(_missing("Rate limiter: SQLite orders/s with the limits on ÷ off", results, "limiter"))

    cat = results.get("catalog")
    if cat:
        lat = cat["latency_ms"]
        gen = cat["generated"]
        out.append(Row(
            f"Catalog: GET /v1/products, {gen['products_total']:,} products",
            f"`{cat['query']}` (3 filters + text, {cat['page_size']} per page), closed loop of "
            f"{cat['spec']['concurrency']} clients for {cat['spec']['duration']:g} s on PostgreSQL. Catalog: "
            f"{gen['imported']:,} generated products through import_products in batches ({gen['import_seconds']:.0f}"
            f" s), then copied (new ids, same rows) up to the total, ANALYZE",
            f"p50 {fmt_ms(lat['p50'], cfg.timeout_s)} · p99 {fmt_ms(lat['p99'], cfg.timeout_s)} "
            f"({_n(cat['ok_per_s'])} req/s; {_errors(cat)})",
            f"p99 < {CATALOG_P99_GOAL_MS:g} ms at 100,000 products",
            _yes(lat["p99"] < CATALOG_P99_GOAL_MS) if gen["products_total"] >= 100_000 or cfg.smoke else "**no**",
        ))
    else:
        out.append(_missing("Catalog: GET /v1/products", results, "catalog"))

    drain = results.get("webhooks_drain")
    steady = results.get("webhooks_steady")
    if drain:
        out.append(Row(
            "Webhooks: deliveries/s to a local receiver",
            f"{drain['backlog']:,} orders placed with no worker running, so as many `order.fulfilled` deliveries "
            f"to one endpoint queue up; then `rewardkit worker --processes {drain['processes']} --concurrency "
            f"{drain['concurrency']}` drains them (at most {drain['cap_s']:g} s): (n − 1) ÷ (last − first "
            f"arrival); {drain['received']:,} of {drain['backlog']:,} arrived",
            f"{_n(drain['deliveries_per_s'])} deliveries/s",
            f"≥ {WEBHOOK_RATE_GOAL:g}/s",
            _yes(drain["deliveries_per_s"] >= WEBHOOK_RATE_GOAL),
        ))
    else:
        out.append(_missing("Webhooks: deliveries/s to a local receiver", results, "webhooks"))
    if steady:
        lat = steady["latency_ms"]
        out.append(Row(
            "Webhooks: event commit → receipt (healthy receiver)",
            f"orders at {steady['rate']}/s (the lowest of {cfg.webhook_rate}/s, half the delivery rate above and "
            f"half the maximum orders/s) for "
            f"{steady['seconds']:g} s to a second endpoint, same workers; receipt time − the event's `created_at` "
            f"(same clock; created_at is taken just before the commit); {steady['received']} of "
            f"{steady['orders_fulfilled']} arrived, missing ones count as ∞",
            f"p50 {fmt_ms(lat['p50'])} · p99 {fmt_ms(lat['p99'])}",
            f"p99 < {WEBHOOK_P99_GOAL_MS / 1000:g} s",
            _yes(lat["p99"] < WEBHOOK_P99_GOAL_MS),
        ))
    else:
        out.append(_missing("Webhooks: event commit → receipt (healthy receiver)", results, "webhooks"))

    for key, label, srv in (("pg", "PostgreSQL", results.get("pg_server", {})),
                            ("sqlite", "SQLite", results.get("sqlite_server", {}))):
        mem = (results.get(key) or {}).get("memory")
        if mem:
            out.append(Row(
                f"Memory: peak RSS of the server processes ({label} order test)",
                f"`rewardkit serve --workers {srv.get('workers')}` and every child: sum of VmRSS sampled every "
                f"0.5 s (peak), and the largest per-process VmHWM from /proc/<pid>/status",
                f"{mem['peak_total_rss_mib']:.0f} MiB total over {mem['processes']} processes "
                f"(largest process {mem['max_vmhwm_mib']:.0f} MiB)",
            ))
        else:
            out.append(_missing(f"Memory: peak RSS of the server processes ({label} order test)", results, key))
    checks = results.get("ledger_verify") or {}
    if checks:
        names = {"pg": "PostgreSQL", "sqlite": "SQLite"}
        value = "; ".join(
            f"{names[k]}: " + ("every invariant holds" if v["ok"] else f"BROKEN {v['broken'] or v['error']}")
            for k, v in checks.items()
        )
        out.append(Row(
            "Ledger invariants after the run",
            "`rewardkit ledger verify` on each database once its order, catalog and webhook tests are over: every "
            "transaction balanced, balances equal to their postings, running balances unbroken, nothing negative",
            value,
            "every invariant holds",
            "yes" if all(v["ok"] for v in checks.values()) else "**no**",
        ))
    return out


def table(rs: list[Row]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| metric | method | value | goal | met? |", "|---|---|---|---|---|"]
    lines += [f"| {esc(r.metric)} | {esc(r.method)} | {esc(r.value)} | {esc(r.goal)} | {esc(r.met)} |" for r in rs]
    return "\n".join(lines)


def markdown(results: dict[str, Any], rs: list[Row], cfg: Config, only: set[str]) -> str:
    m = results.get("machine", {})
    pgs = results.get("postgres", {})
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = [
        "# rewardkit benchmark" + (" (smoke run: tiny counts, not a measurement)" if cfg.smoke else ""),
        "",
        f"`python -m bench.run{' --smoke' if cfg.smoke else ''}` on {when}, {results.get('elapsed_s', 0):.0f} s; "
        f"loopback only; phases: {', '.join(sorted(only))}.",
        "",
        f"- **Machine:** {m.get('nproc')} cores ({m.get('cpu_model') or 'unknown CPU'}), "
        f"{m.get('mem_total_gib', 0):.1f} GiB memory, Linux {m.get('kernel')}",
        f"- **Versions:** Python {m.get('python')}, PostgreSQL {pgs.get('server_version', '?')} "
        f"(synchronous_commit={pgs.get('synchronous_commit', '?')}, fsync={pgs.get('fsync', '?')}, "
        f"shared_buffers={pgs.get('shared_buffers', '?')}, max_wal_size={pgs.get('max_wal_size', '?')}), "
        f"SQLite {m.get('sqlite')}, uvicorn {m.get('uvicorn')}, "
        f"httpx {m.get('httpx')}",
        f"- **rewardkit:** {m.get('rewardkit')} at commit {m.get('commit')}",
        "",
        table(rs),
        "",
        "## Notes",
        "",
    ]
    return "\n".join(head + [f"- {n}" for n in notes(results, cfg)]) + "\n"


def notes(results: dict[str, Any], cfg: Config) -> list[str]:
    out = []
    srv = results.get("pg_server")
    if srv:
        out.append(
            f"PostgreSQL server: `rewardkit serve --workers {srv['workers']} --no-demo` (uvicorn worker processes, "
            f"as docs/deploy.md shows for production), `REWARDKIT_ENVIRONMENT=production`, "
            f"`REWARDKIT_RUN_WORKER=false` (production layout of docs/jobs.md; the sandbox order is fulfilled in the "
            f"request), `REWARDKIT_DB_POOL_SIZE={srv['pool_size']}` and no overflow per process so that every "
            f"process fits in max_connections={srv['max_connections']} (leaving room for other users of the server), "
            f"API keys cached 5 s per process (the default). SQLite: `--workers 1`, default settings "
            f"(in-process worker on)."
        )
    pg = results.get("pg")
    if pg and pg.get("max"):
        cpu = pg["max"]["cpu"]
        busy = cpu["machine_busy_pct"]
        wall = cpu["wall_s"]
        ncpu = results.get("machine", {}).get("nproc", 1)
        split = " / ".join(f"{x:.1f}" for x in cpu["per_server_process_s"][:8])
        w = max(wall, 1e-9)
        out.append(
            f"The load generator (bench/loadgen.py: one process, asyncio with a minimal HTTP/1.1 client, "
            f"bench/http1.py, since httpx cost about 0.8 ms of CPU per order on these shared cores; keep-alive "
            f"connections opened "
            f"one at a time so that they spread over the uvicorn workers) shares the {ncpu} cores with the server "
            f"and PostgreSQL. During the best PostgreSQL closed-loop run ({wall:.0f} s, machine {busy:.0f} % busy) "
            f"the cores went to: API processes {cpu['server_cpu_s'] / w:.2f} (CPU-seconds per process: {split}), "
            f"PostgreSQL backends of all databases {cpu['postgres_cpu_s'] / w:.2f}, load generator "
            f"{cpu['loadgen_cpu_s'] / w:.2f}, other processes on the machine {cpu['other_cpu_s'] / w:.2f}."
        )
        ok = pg["max"].get("ok_total") or 0
        osql_rate = (results.get("order_sql") or {}).get("tps")
        if ok:
            api_ms = cpu["server_cpu_s"] / ok * 1000
            pg_ms = cpu["postgres_cpu_s"] / ok * 1000
            budget_ms = ncpu / 1000 * 1000
            api_procs = results.get("pg_server", {}).get("workers") or ncpu
            out.append(
                f"What the goal asks of CPU: 1,000 orders/s on {ncpu} cores leaves {budget_ms:.1f} ms of CPU per "
                f"order for everything (API, PostgreSQL, load generator). Measured at the maximum: {api_ms:.1f} ms "
                f"in the API and {pg_ms:.1f} ms in PostgreSQL per order, {(api_ms + pg_ms) / budget_ms:.1f}× the "
                f"budget. The machine was {busy:.0f} % busy at that point and each API process "
                f"{100 * cpu['server_cpu_s'] / w / api_procs:.0f} %: a process "
                f"writes one batch of orders at a time and waits for its commit, and the two processes take turns "
                f"on the org's wallet row, so the CPU each order costs and the orders each commit carries set the "
                f"limit together. Orders that arrive together are written in one transaction (group commit, "
                f"docs/orders.md), so the server passes the our-SQL ceiling"
                f"{'' if not osql_rate else f' ({osql_rate:,.0f} orders/s)'}, which runs one order per "
                f"transaction as a single order does; more concurrent clients make larger batches (the closed "
                f"loops above)."
            )
    if pg:
        out.append(
            "Where an order's time goes: a sandbox order is two group-commit transactions, the booking and the "
            "final one (docs/orders.md), each 6 round trips to PostgreSQL whatever the batch size (BEGIN, 4 "
            "statements, COMMIT; sql.write_all writes the rows that need no answer in one statement). An order "
            "waits for the batch being written, then for its own, twice; under load each round trip also "
            "waits for the event loop and a core, so the round trips, not the SQL, set the latency. Every "
            "server process freezes its start-up heap and collects its young generation every 20,000 "
            "allocations (kit/heap.py): with CPython's defaults, full collections of 60 to 120 ms were the p99."
        )
    if pg and pg.get("max"):
        best = pg["max"]
        short = [
            o for o in pg.get("open", [])
            if not o.get("above_max") and (o.get("errors") or o["ok_per_s"] < 0.98 * o["offered_per_s"])
        ]
        if short:
            o = short[0]
            curve = ", ".join(f"{c['spec']['concurrency']} → {c['ok_per_s']:.0f}/s" for c in pg.get("closed", []))
            p50 = o["latency_ms"]["p50"]
            in_flight = f"about {o['offered_per_s'] * p50 / 1000:.0f}" if math.isfinite(p50) else "more than 256"
            out.append(
                f"Open loop versus closed loop: at {o['offered_per_s']:.0f} orders/s offered the server completed "
                f"{o['ok_per_s']:.0f}/s with {sum((o.get('errors') or {}).values())} requests failed or not sent, "
                f"although a closed loop of {best['spec']['concurrency']} clients sustained "
                f"{best['ok_per_s']:.0f}/s. Group commit writes larger batches, at less CPU per order, the more "
                f"orders wait, and the closed loops show what a number of waiting orders sustains ({curve}). An "
                f"open loop settles where the offered rate meets that curve: {in_flight} orders in flight at "
                f"its p50 (Little's law), hence its latency. A p99 under 50 ms at {o['offered_per_s']:.0f}/s needs "
                f"that rate from about {o['offered_per_s'] * 0.05:.0f} orders in flight (compare the curve): less "
                f"CPU per order in small batches."
            )
    osql = results.get("order_sql")
    if osql:
        kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(osql["by_kind"].items(), key=lambda kv: -kv[1]))
        out.append(
            f"One sandbox order is {osql['statements']} statements in {osql['transactions']} transactions "
            f"({osql['rollbacks']} rollbacks, {osql['overlapping_transactions']} opened while another was open): "
            f"{kinds}. Every order of the org updates the same wallet and pending account rows, so the order "
            f"transaction's row locks serialise orders of one org; the pgbench script keeps that (same org). "
            f"The rendered script is kept next to the report as order.pgbench.sql.raw."
        )
    drain = results.get("webhooks_drain")
    if drain:
        fa, la = drain.get("first_after_start_s"), drain.get("last_after_start_s")
        out.append(
            "Webhooks were delivered by separate `rewardkit worker` processes (the API processes run with "
            "REWARDKIT_RUN_WORKER=false); the receiver (bench/receiver.py, uvicorn on loopback, in the orchestrator "
            "process) answers 200 at once. "
            + (f"The first delivery of the backlog arrived {fa:.1f} s after the worker command started (process "
               f"start-up included), the last after {la:.1f} s." if fa is not None and la is not None
               else "No delivery of the backlog arrived.")
            + " Job settings are the defaults (REWARDKIT_JOB_POLL_SECONDS 0.5, "
            "REWARDKIT_WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT 4); all deliveries go to one endpoint."
            + _drain_cpu(results.get("webhooks_drain_cpu"))
        )
    out.append(
        "Latency percentiles are nearest-rank over every request of the measured window; a request that failed, "
        f"timed out ({cfg.timeout_s:g} s) or could not be sent counts as infinitely slow, so a p99 of "
        f">{cfg.timeout_s * 1000:.0f} ms means more than 1 % did not complete. Throughput counts only 200 "
        "responses whose order is `fulfilled`."
    )
    for e in results.get("errors", []):
        out.append(f"**Error** in {e['phase']}: {e['error'][:500]}")
    return out


def jsonable(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return str(o)
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [jsonable(v) for v in o]
    return o


def _drain_cpu(cpu: dict[str, Any] | None) -> str:
    if not cpu:
        return ""
    wall = cpu.get("wall_s") or 0.0
    if wall <= 0:
        return ""
    return (
        f" From the first arrival to the last ({wall:.1f} s) the machine was {cpu['machine_busy_pct']:.0f} % busy: "
        f"worker processes {cpu['server_cpu_s'] / wall:.2f} cores, PostgreSQL {cpu['postgres_cpu_s'] / wall:.2f}, "
        f"the orchestrator with the receiver {cpu['orchestrator_cpu_s'] / wall:.2f}."
    )
