"""The search index: BM25 (bm25s, sparse, in memory) over the passages, built once per process.

Built lazily at the first question (or search), from the guides and the app's OpenAPI description,
under a lock so that concurrent first questions build it once; docs/assistant.md has the build time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np

from rewardkit.assistant import passages as passages_
from rewardkit.assistant.text import expand, tokens
from rewardkit.guides.source import Library


@dataclass(frozen=True)
class Hit:
    passage: passages_.Passage
    score: float
    terms: frozenset[str]  # the query's stems this passage contains


class Index:
    def __init__(self, items: list[passages_.Passage]) -> None:
        self.passages = items
        self.doc_terms: list[frozenset[str]] = []
        corpus: list[list[str]] = []
        df: dict[str, int] = {}
        for p in items:
            toks = tokens(p.index_text) or [""]
            corpus.append(toks)
            terms = frozenset(toks)
            self.doc_terms.append(terms)
            for t in terms:
                df[t] = df.get(t, 0) + 1
        n = len(items)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)  # a word no passage has
        self.bm25 = bm25s.BM25(k1=1.2, b=0.5)
        self.bm25.index(corpus, show_progress=False)
        self.vocab: set[str] = set(df)

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def search(self, query: str, k: int = 5) -> tuple[list[str], list[Hit]]:
        """The query's stems and the k best passages (score > 0), best first."""
        q = list(dict.fromkeys(tokens(query)))
        known = [t for t in expand(q) if t in self.vocab]
        if not known:
            return q, []
        scores: Any = self.bm25.get_scores(known)
        best = np.argsort(-scores)[:k]
        hits = [
            Hit(self.passages[i], float(scores[i]), frozenset(t for t in q if t in self.doc_terms[i]))
            for i in best
            if scores[i] > 0
        ]
        return q, hits


class Assistant:
    """The runtime part (assistant/module.py): the index, built on first use."""

    def __init__(self, rt: Any) -> None:
        self.settings = rt.settings
        self._index: Index | None = None
        self._lock = asyncio.Lock()
        self.build_seconds: float | None = None

    @classmethod
    def open(cls, rt: Any) -> Assistant:
        return cls(rt)

    async def index(self, library: Library, spec: Callable[[], dict[str, Any]]) -> Index:
        if self._index is not None:
            return self._index
        async with self._lock:
            if self._index is None:
                started = time.perf_counter()
                items = passages_.build(library, spec())
                # Tens of milliseconds of CPU for a few hundred passages: once per process, on a thread
                # so that requests already in flight are not held up.
                self._index = await asyncio.to_thread(Index, items)
                self.build_seconds = time.perf_counter() - started
        return self._index
