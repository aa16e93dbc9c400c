"""Compare bench runs of two commits, with the run-to-run spread of each (docs/testing.md).

    python -m bench.compare BEFORE_DIR... -- AFTER_DIR...

Each DIR is the --out directory of one `python -m bench.run` (its latest.raw). For every headline
figure it prints, per side, the median and the range (min–max) over that side's runs, then the change
of the medians. Run each side several times, alternating (A B A B A B), on an otherwise quiet machine:
a change smaller than the ranges is noise, not a result.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Raw = dict[str, Any]


def _num(v: Any) -> float:
    """latest.raw writes inf and nan as strings."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _get(raw: Raw, *path: str | int) -> Any:
    cur: Any = raw
    for p in path:
        if isinstance(cur, dict) and isinstance(p, str):
            cur = cur.get(p)
        elif isinstance(cur, list) and isinstance(p, int) and -len(cur) <= p < len(cur):
            cur = cur[p]
        else:
            return None
    return cur


def _open(raw: Raw, db: str, pick: Callable[[Raw], bool], pct: str) -> float:
    runs = [r for r in _get(raw, db, "open") or [] if pick(r)]
    return _num(runs[0]["latency_ms"][pct]) if runs else math.nan


def _half(db: str, pct: str) -> Callable[[Raw], float]:
    return lambda r: _open(r, db, lambda o: bool(o.get("half_max")), pct)


def _cpu_ms(raw: Raw) -> float:
    best = _get(raw, "pg", "max") or {}
    done = best.get("ok_total") or 0
    return 1000 * _num(_get(best, "cpu", "server_cpu_s")) / done if done else math.nan


# (label, unit, higher is better, extractor)
METRICS: list[tuple[str, str, bool, Callable[[Raw], float]]] = [
    ("TPC-B-like ceiling", "tps", True, lambda r: _num(_get(r, "tpcb", "tps"))),
    ("our-SQL ceiling", "orders/s", True, lambda r: _num(_get(r, "order_sql", "tps"))),
    ("PostgreSQL max sustained", "orders/s", True, lambda r: _num(_get(r, "pg", "max", "ok_per_s"))),
    ("PostgreSQL half-max rate", "orders/s", True, lambda r: _num(_get(r, "pg", "half_max_rate"))),
    *[(f"PostgreSQL {p} at half max", "ms", False, _half("pg", p)) for p in ("p50", "p95", "p99")],
    ("PostgreSQL p99 at 500/s", "ms", False,
     lambda r: _open(r, "pg", lambda o: int(o["spec"]["rate"]) == 500, "p99")),
    ("PostgreSQL API CPU per order", "ms", False, _cpu_ms),
    ("SQLite max sustained", "orders/s", True, lambda r: _num(_get(r, "sqlite", "max", "ok_per_s"))),
    *[(f"SQLite {p} at half max", "ms", False, _half("sqlite", p)) for p in ("p50", "p99")],
]


def load(dirs: list[str]) -> list[Raw]:
    out = []
    for d in dirs:
        path = Path(d) / "latest.raw"
        if not path.exists():
            raise SystemExit(f"no latest.raw in {d}")
        out.append(json.loads(path.read_text()))
    return out


def summary(values: list[float]) -> tuple[float, float, float] | None:
    vals = [v for v in values if not math.isnan(v)]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals)


def fmt(v: float) -> str:
    if math.isinf(v):
        return "∞"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def commits(raws: list[Raw]) -> str:
    return ", ".join(sorted({str(_get(r, "machine", "commit")) for r in raws}))


def table(before: list[Raw], after: list[Raw]) -> str:
    lines = [
        f"before: {len(before)} run(s) of {commits(before)}; after: {len(after)} run(s) of {commits(after)}",
        "",
        "| figure | before: median (min–max) | after: median (min–max) | change of the medians |",
        "|---|---|---|---|",
    ]
    for label, unit, higher, get in METRICS:
        a, b = summary([get(r) for r in before]), summary([get(r) for r in after])
        if a is None and b is None:
            continue
        cells = [f"{fmt(s[0])} ({fmt(s[1])}–{fmt(s[2])}) {unit}" if s else "n/a" for s in (a, b)]
        change = "n/a"
        if a and b and a[0] and math.isfinite(a[0]) and math.isfinite(b[0]):
            pct = 100 * (b[0] - a[0]) / a[0]
            overlap = b[1] <= a[2] and a[1] <= b[2]
            better = (pct > 0) == higher
            change = f"{pct:+.1f} % ({'within the spread' if overlap else 'better' if better else 'worse'})"
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {change} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--" not in args or args.index("--") == 0 or args.index("--") == len(args) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    i = args.index("--")
    print(table(load(args[:i]), load(args[i + 1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
