"""The assistant's evaluation (#17), shared by tests/assistant/test_eval.py and `make bench`: the
questions of tests/assistant/questions.yaml, each asked, scored by whether one of the pages that answer
it is among the top-3 citations (and the answer not refused), and every unanswerable one refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

QUESTIONS = Path(__file__).resolve().parents[3] / "tests" / "assistant" / "questions.yaml"
Ask = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class Report:
    answerable: int = 0
    hits: int = 0
    unanswerable: int = 0
    refused: int = 0
    skipped: list[str] = field(default_factory=list)  # questions whose page is not there yet
    misses: list[str] = field(default_factory=list)
    answered_unanswerable: list[str] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.answerable if self.answerable else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.unanswerable if self.unanswerable else 0.0

    def summary(self) -> str:
        return (
            f"top-3 citation hit rate {self.hit_rate:.1%} ({self.hits}/{self.answerable}), "
            f"unanswerable refused {self.refusal_rate:.1%} ({self.refused}/{self.unanswerable}), "
            f"skipped {len(self.skipped)} (page not merged yet)"
        )


def load(path: Path = QUESTIONS) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def matches(citation: dict[str, Any], target: str) -> bool:
    if target.startswith("op:"):
        return citation.get("operation_id") == target[3:]
    page, _, anchor = target.partition("#")
    return citation.get("page") == page and (not anchor or citation.get("section") == anchor)


async def run(ask: Ask, pages: set[str], data: dict[str, Any] | None = None) -> Report:
    data = data or load()
    report = Report()
    for item in data["answerable"]:
        if item.get("needs") and item["needs"] not in pages:
            report.skipped.append(item["q"])
            continue
        report.answerable += 1
        body = await ask(item["q"])
        top = body["citations"][:3]
        if not body["refused"] and any(matches(c, t) for c in top for t in item["answers"]):
            report.hits += 1
        else:
            got = [c["url"] for c in top]
            report.misses.append(f"{item['q']} -> {'refused ' if body['refused'] else ''}{got}")
    for q in data["unanswerable"]:
        report.unanswerable += 1
        body = await ask(q)
        if body["refused"]:
            report.refused += 1
        else:
            report.answered_unanswerable.append(f"{q} -> {body['citations'][0]['url'] if body['citations'] else ''}")
    return report
