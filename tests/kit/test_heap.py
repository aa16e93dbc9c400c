"""kit/heap.py: once start-up is over, the start-up heap is out of the collector's sight."""

from __future__ import annotations

import gc

from rewardkit.kit import heap


def test_settle_freezes_the_start_up_heap_and_widens_the_young_generation() -> None:
    heap.settle()  # the app's lifespan has usually done it already in this process; once is enough
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    frozen = gc.get_freeze_count()
    heap.settle()
    assert gc.get_freeze_count() == frozen  # a second call changes nothing
