"""Leadership and the chat lock, as every backend offers them to one instance.

With memory or SQLite one process owns the database: it leads every role and the chat lock has
nothing to wait for. PostgreSQL gives one instance the same answers; tests/store/postgres/ shows
what changes with two.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import ChatState

QUICK = 5.0  # seconds: nothing here waits for anything but itself


async def test_a_lone_instance_leads_every_role_and_keeps_leading(books: Books) -> None:
    assert await books.leadership.lead("courier")
    assert await books.leadership.lead("courier")
    assert await books.leadership.lead("housekeeping")


async def test_a_lone_instance_that_stepped_down_leads_again(books: Books) -> None:
    assert await books.leadership.lead("courier")
    await books.leadership.step_down("courier")
    await books.leadership.step_down("never-led")
    assert await books.leadership.lead("courier")


async def test_every_books_of_one_store_lead_together(store: Store) -> None:
    first, second = store.books(), store.books()
    assert await first.leadership.lead("courier")
    assert await second.leadership.lead("courier")  # one process: the same leader


async def test_a_chat_lock_is_taken_again_once_released(store: Store) -> None:
    async with asyncio.timeout(QUICK):
        for _ in range(3):
            async with store.chat_lock("tg:1001"):
                pass
        async with store.books().sessions.chat_lock("tg:1001"):  # the Sessions port is the store
            pass


async def test_a_chat_lock_is_released_when_its_turn_fails(store: Store) -> None:
    async with asyncio.timeout(QUICK):
        with pytest.raises(ValueError, match="turn failed"):
            async with store.chat_lock("tg:1001"):
                raise ValueError("turn failed")
        async with store.chat_lock("tg:1001"):
            pass


async def test_a_turn_holding_its_chat_lock_can_read_and_write(store: Store) -> None:
    async with asyncio.timeout(QUICK), store.chat_lock("tg:1001"):
        await store.save_chat_state(ChatState("tg:1001", "ur", last_update_id=5))
        assert await store.chat_state("tg:1001") == ChatState("tg:1001", "ur", last_update_id=5)
