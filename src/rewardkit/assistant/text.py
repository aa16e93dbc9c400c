"""How the assistant reads text: words, identifiers split, stop words dropped, English stems.

`Idempotency-Key` → idempot key, `createOrder` → creat order, `sk_test_…` → sk test: a question in
plain words finds the header, the operation id and the field that it names.
"""

from __future__ import annotations

import re

import Stemmer

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"(])")
_STEMMER = Stemmer.Stemmer("english")

_STOP_WORDS = """
    a an and are as at be been but by can could do does did for from has have how
    i if in into is it its me my of on or our should so than that the their them
    then there these they this to was we what when where which who why will with would you your yours
    via about any all also after before use using get want need make one ones each per not no yes
    just only own same other such very more most much many rewardkit
"""
STOP = frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    """Lower-case words, identifiers split at case changes and punctuation."""
    out: list[str] = []
    for w in _WORD.findall(text):
        out.extend(part.lower() for part in _CAMEL.split(w) if part)
    return out


def tokens(text: str) -> list[str]:
    """The stems BM25 indexes and queries with (single letters, as the s of "CEO's", dropped)."""
    kept = [w for w in words(text) if len(w) > 1 and w not in STOP]
    return list(_STEMMER.stemWords(kept))


# A developer's words for what the docs name otherwise: added to a question's search terms (never to
# its confidence, which counts only the words asked). Stems, as tokens() makes them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "retri": ("idempot",),
    "twice": ("idempot",),
    "duplic": ("idempot",),
    "sign": ("signatur",),
    "auth": ("authent",),
    "login": ("authent",),
    "money": ("ledger",),
    "balanc": ("wallet",),
    "fund": ("wallet",),
    "test": ("sandbox",),
    "fake": ("sandbox",),
    "throttl": ("rate", "limit"),
    "page": ("pagin",),
    "limit": ("rate",),
}


def expand(stems: list[str]) -> list[str]:
    return list(dict.fromkeys([*stems, *(x for s in stems for x in SYNONYMS.get(s, ()))]))


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(paragraph) if s.strip()]
