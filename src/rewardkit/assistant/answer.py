"""Extractive answers: the best passages' own sentences, never words of ours about the API.

Confidence is the share of the question's meaning (its stems, weighted by IDF, so rare words count
most) that the best passage contains, capped by how far that passage stands above a weak match. A
word no page has ("bitcoin") weighs the most of all, so a question about something the docs do not
cover scores low and is refused: the answer says so and the citations are the closest pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from rewardkit.assistant.index import Hit, Index
from rewardkit.assistant.passages import CodeSample
from rewardkit.assistant.text import sentences, tokens

THRESHOLD = 0.42  # below: refused (tuned on tests/assistant/questions.yaml: docs/assistant.md has the sweep)
STRONG_SCORE = 6.0  # a BM25 score at or above which the score itself does not lower confidence
CITATIONS = 3
MAX_SENTENCES = 4
MAX_SENTENCE_CHARS = 400


@dataclass(frozen=True)
class Answer:
    answer: str
    refused: bool
    confidence: float
    hits: list[Hit]
    sample: CodeSample | None


def confidence(index: Index, query: list[str], hits: list[Hit]) -> float:
    if not query or not hits:
        return 0.0
    total = sum(index.weight(t) for t in query)
    best = hits[0]
    covered = sum(index.weight(t) for t in best.terms) / total
    return round(max(0.0, min(1.0, covered * min(1.0, 0.5 + best.score / (2 * STRONG_SCORE)))), 3)


def _distinct(hits: list[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out: list[Hit] = []
    for h in hits:
        if h.passage.url not in seen:
            seen.add(h.passage.url)
            out.append(h)
    return out


def _pick(hits: list[Hit], query: set[str], index: Index) -> list[str]:
    """The sentences of the best one or two passages that carry most of the question's stems, in their order."""
    scored: list[tuple[float, int, int, str]] = []
    for rank, h in enumerate(hits[:2]):
        if rank == 1 and h.score < 0.6 * hits[0].score:
            break
        position = 0
        for para in h.passage.paragraphs:
            for s in sentences(para):
                position += 1
                terms = set(tokens(s)) & query
                if terms:
                    weight = sum(index.weight(t) for t in terms) - rank - 0.01 * position
                    scored.append((weight, rank, position, s))
    chosen = sorted(scored, reverse=True)[:MAX_SENTENCES]
    chosen.sort(key=lambda x: (x[1], x[2]))
    return [s if len(s) <= MAX_SENTENCE_CHARS else s[: MAX_SENTENCE_CHARS - 1] + "…" for *_, s in chosen]


def compose(index: Index, question: str, k: int = 8) -> Answer:
    query, found = index.search(question, k)
    hits = _distinct(found)
    conf = confidence(index, query, hits)
    cited = hits[:CITATIONS]
    if conf < THRESHOLD or not hits:
        closest = ", ".join(f"“{h.passage.title}”" for h in cited)
        text = "I don't know: the docs do not answer that clearly enough for me to say."
        if closest:
            text += f" The closest pages are {closest}."
        return Answer(text, True, conf, cited, None)
    picked = _pick(hits, set(query), index)
    text = f"From “{hits[0].passage.title}”: " + " ".join(picked) if picked else hits[0].passage.title
    sample = next((h.passage.sample for h in cited if h.passage.sample is not None), None)
    return Answer(text, False, conf, cited, sample)
