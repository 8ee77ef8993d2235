"""The bounded update queue: at most ``in_flight`` updates handed out until PTB marks one done, and a
full queue makes the producer wait instead of holding more in memory."""

from __future__ import annotations

import asyncio

from bot.telegram.updates import BoundedUpdateQueue


async def test_no_more_than_in_flight_are_handed_out_until_one_is_done() -> None:
    queue = BoundedUpdateQueue(in_flight=2, maxsize=10)
    for n in range(5):
        queue.put_nowait(n)
    assert [await queue.get(), await queue.get()] == [0, 1]
    third = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0.01)
    assert not third.done()
    queue.task_done()
    assert await asyncio.wait_for(third, 1) == 2


async def test_a_full_queue_makes_the_producer_wait() -> None:
    queue = BoundedUpdateQueue(in_flight=1, maxsize=2)
    await queue.put("a")
    await queue.put("b")
    blocked = asyncio.ensure_future(queue.put("c"))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    assert await queue.get() == "a"
    await asyncio.wait_for(blocked, 1)
    assert queue.qsize() == 2
