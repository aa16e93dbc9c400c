"""Prefixed, random, time-sortable ids (ord_01j...), so cursor pagination can order by id."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = 0


def new_id(prefix: str) -> str:
    # 48 bits of milliseconds then 80 random bits, like a ULID: sortable by creation time. Monotonic
    # within a process, as ULID's monotonic mode: an id made in the same millisecond as the previous
    # one is that one plus a random step, so the events of one transaction (order.created, then
    # order.processing) list in the order they happened.
    global _last
    fresh = (int(time.time() * 1000) << _RANDOM_BITS) | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if fresh <= _last:
            fresh = _last + 1 + int.from_bytes(os.urandom(4), "big")
        _last = fresh
    value = fresh
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
