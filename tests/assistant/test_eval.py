"""The assistant's evaluation (#17) held above its floor: top-3 citation hit rate at least 90 % on the
answerable questions of questions.yaml, and every unanswerable one refused. The figures are printed
(`pytest -s`) and `make bench` reports them too (bench/results/assistant.md)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from rewardkit.assistant import evaluation, service
from rewardkit.guides import source
from rewardkit.runtime import Runtime

FLOOR = 0.90


def test_the_question_set_is_big_enough() -> None:
    data = evaluation.load()
    assert len(data["answerable"]) >= 60 and len(data["unanswerable"]) >= 8


async def test_hit_rate_and_refusals(app: FastAPI, ctx: Runtime) -> None:
    async def ask(q: str) -> dict[str, Any]:
        # The service, not HTTP: the suite's client would meet the per-address limit (test_ask.py has it).
        return await service.ask(ctx, app.openapi, q)

    report = await evaluation.run(ask, set(source.load(ctx.settings.docs_dir).pages))
    print("\nassistant evaluation:", report.summary())
    for miss in report.misses:
        print("  miss:", miss)
    assert report.answerable >= 60
    assert report.hit_rate >= FLOOR, report.misses
    assert report.answered_unanswerable == []
