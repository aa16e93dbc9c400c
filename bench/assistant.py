"""The docs assistant bench (`python -m bench.run --only assistant`): against one `rewardkit serve`
(bench/run.py `assistant_phase`), every question of tests/assistant/questions.yaml asked over HTTP
(POST /v1/assistant/ask), one after the other: the first answer's latency (it builds the index), then
p50/p99 of the rest, and the evaluation's figures (top-3 citation hit rate, unanswerable refused).

Writes nothing itself: bench/run.py puts the figures in the report and in bench/results/assistant.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.loadgen import percentile
from rewardkit.assistant import evaluation
from rewardkit.guides import source


async def run_all(url: str, log: Callable[[str], None], rounds: int = 3) -> dict[str, Any]:
    latencies: list[float] = []
    first: float | None = None
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:

        async def ask(q: str) -> dict[str, Any]:
            nonlocal first
            started = time.perf_counter()
            r = await c.post("/v1/assistant/ask", json={"question": q})
            elapsed = time.perf_counter() - started
            if first is None:
                first = elapsed
            else:
                latencies.append(elapsed)
            r.raise_for_status()
            body: dict[str, Any] = r.json()
            return body

        report = await evaluation.run(ask, set(source.load().pages))
        for _ in range(rounds - 1):  # more samples for the percentiles
            await evaluation.run(ask, set(source.load().pages))
    log(f"assistant: {report.summary()}")
    return {
        "questions": report.answerable + report.unanswerable,
        "asked": len(latencies) + 1,
        "first_ms": (first or 0) * 1000,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "hit_rate": report.hit_rate,
        "refusal_rate": report.refusal_rate,
        "skipped": len(report.skipped),
        "misses": report.misses,
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(metric, method, value, goal, met) rows of the report (bench/report.py Row)."""
    a = results.get("assistant")
    if not a:
        return []
    seq = "POST /v1/assistant/ask, sequential"
    hit_ok = "yes" if a["hit_rate"] >= 0.9 else "NO"
    refused_ok = "yes" if a["refusal_rate"] >= 1.0 else "NO"
    return [
        ("assistant latency p50 / p99", seq, f"{a['p50_ms']:.1f} / {a['p99_ms']:.1f} ms", "—", "—"),
        ("assistant first question (builds the index)", seq, f"{a['first_ms']:.0f} ms", "—", "—"),
        (
            "assistant top-3 citation hit rate",
            f"questions.yaml, {a['skipped']} skipped",
            f"{a['hit_rate']:.1%}",
            ">= 90 %",
            hit_ok,
        ),  # fmt: skip
        ("assistant unanswerable refused", "questions.yaml", f"{a['refusal_rate']:.1%}", "100 %", refused_ok),
    ]


def markdown(results: dict[str, Any], smoke: bool) -> str:
    a = results["assistant"]
    lines = [
        "# Docs assistant (#17)",
        "",
        f"{'Smoke run. ' if smoke else ''}{a['asked']} questions asked one after the other "
        f"(tests/assistant/questions.yaml, {a['questions']} questions, several rounds) against one "
        "`rewardkit serve`, extractive mode (no LLM).",
        "",
        "| figure | how | value | goal |",
        "|---|---|---|---|",
        *(f"| {m} | {how} | {value} | {goal} |" for m, how, value, goal, _ in rows(results)),
        "",
        "Misses (question -> top-3 citations):",
        "",
        *(f"- {m}" for m in a["misses"]),
        "",
    ]
    return "\n".join(lines)
