"""The group-commit queue itself: batching, per-item answers, and what happens when a batch fails."""

from __future__ import annotations

import asyncio

import pytest

from rewardkit.kit.group_commit import Alone, GroupCommit


async def test_requests_that_arrive_during_a_write_share_the_next_batch() -> None:
    seen: list[list[int]] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        seen.append(items)
        await asyncio.sleep(0.01)  # a commit: whatever arrives now waits for the next batch
        return [i * 10 for i in items]

    gc: GroupCommit[int, int] = GroupCommit(write, max_batch=64)
    first = asyncio.create_task(gc.submit(0))
    await asyncio.sleep(0.001)  # its write has begun
    results = await asyncio.gather(first, *[gc.submit(i) for i in range(1, 20)])
    assert results == [i * 10 for i in range(20)]  # each caller gets its own answer
    assert seen[0] == [0]  # nothing was being written: the first went at once, alone
    assert seen[1] == list(range(1, 20))  # the rest arrived during that write and went together, in order
    assert (gc.batches, gc.items) == (2, 20)


async def test_a_batch_is_at_most_max_batch_items() -> None:
    seen: list[int] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        seen.append(len(items))
        await asyncio.sleep(0)
        return list(items)

    gc: GroupCommit[int, int] = GroupCommit(write, max_batch=4)
    assert await asyncio.gather(*[gc.submit(i) for i in range(11)]) == list(range(11))
    assert max(seen) == 4 and sum(seen) == 11


async def test_each_item_gets_its_own_exception() -> None:
    async def write(items: list[int]) -> list[int | BaseException]:
        return [ValueError(str(i)) if i % 2 else i for i in items]

    gc: GroupCommit[int, int] = GroupCommit(write)
    results = await asyncio.gather(*[gc.submit(i) for i in range(4)], return_exceptions=True)
    assert results[0] == 0 and results[2] == 2
    assert isinstance(results[1], ValueError) and str(results[1]) == "1"
    assert isinstance(results[3], ValueError)


async def test_a_writer_that_raises_sends_every_item_alone_and_the_queue_goes_on() -> None:
    calls = 0

    async def write(items: list[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return list(items)

    gc: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(Alone):
        await gc.submit(1)
    assert await gc.submit(2) == 2  # the next batch is written as usual


async def test_a_caller_that_gives_up_does_not_disturb_the_others() -> None:
    release = asyncio.Event()
    written: list[int] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        await release.wait()
        written.extend(items)
        return list(items)

    gc: GroupCommit[int, int] = GroupCommit(write)
    first = asyncio.create_task(gc.submit(1))
    await asyncio.sleep(0)
    quitter = asyncio.create_task(gc.submit(2))
    stayer = asyncio.create_task(gc.submit(3))
    await asyncio.sleep(0)
    quitter.cancel()
    release.set()
    assert await first == 1
    assert await stayer == 3
    assert quitter.cancelled()
    assert written == [1, 3]  # it left before its batch began: its work was never done
