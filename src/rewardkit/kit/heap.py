"""Garbage collector settings for long-running processes (the API and the workers).

Measured (bench, 500 orders/s offered): with CPython's defaults each API process ran a full (generation
2) collection every couple of seconds, each 60 to 120 ms, and every request in flight in that process,
and every row lock its open transaction held, waited for it: that was the p99. Two causes:

- A full collection scans every tracked object, and most of them are the start-up heap (modules,
  routes, models, compiled statements) that lives as long as the process. `gc.freeze()` after start-up
  moves them out of the collector's sight, so a full collection scans only what came later.
- With a first-generation threshold of 700, a request's objects (an order, its rows, its rendering)
  were promoted to the older generations while still in use, and only a full collection freed them;
  promoted objects also trigger the full collections. A larger first generation lets them die young.

The price: a frozen object is never collected, even if it later becomes unreachable in a reference
cycle (a pooled connection made at start-up and replaced later). Start-up makes a few such objects at
most; a test process that starts many apps freezes only the first (settle() runs once per process).
"""

from __future__ import annotations

import gc

# Allocations (minus deallocations) between two collections of the first generation; CPython's default is 700.
YOUNG_THRESHOLD = 20_000
_settled = False


def settle() -> None:
    """Call once start-up is done: collect what start-up left behind, freeze the rest, widen the young
    generation. Once per process (tests start many apps in one process)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
