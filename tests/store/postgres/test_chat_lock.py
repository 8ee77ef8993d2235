"""A chat's turns one at a time across instances: the chat lock is a session-level advisory lock on a
pool connection, held for one update's handling and released however the turn ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.store.postgres.locks import CHAT_KEY
from bot.store.postgres.store import PostgresStore
from bot.store.records import ChatState
from tests.store.postgres.server import DATABASE_URL, fresh_keyring, lock_holders, terminate

CHAT = "tg:1001"
WAITS = 0.3  # long enough to see that a turn is waiting


async def held_until(store: PostgresStore, chat_key: str, entered: asyncio.Event, leave: asyncio.Event) -> None:
    async with store.chat_lock(chat_key):
        entered.set()
        await leave.wait()


async def test_the_second_instance_waits_while_the_first_holds_the_chat(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = pair
    first_in, first_out, second_in, second_out = (asyncio.Event() for _ in range(4))
    first = asyncio.create_task(held_until(one, CHAT, first_in, first_out))
    await asyncio.wait_for(first_in.wait(), 5)
    second = asyncio.create_task(held_until(two, CHAT, second_in, second_out))

    await asyncio.sleep(WAITS)
    assert not second_in.is_set()
    first_out.set()
    await asyncio.wait_for(second_in.wait(), 5)
    second_out.set()
    await asyncio.gather(first, second)


async def test_different_chats_do_not_wait(pair: tuple[PostgresStore, PostgresStore]) -> None:
    one, two = pair
    first_in, first_out = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(held_until(one, CHAT, first_in, first_out))
    await asyncio.wait_for(first_in.wait(), 5)
    async with asyncio.timeout(WAITS), two.chat_lock("tg:2002"):
        pass
    first_out.set()
    await first


async def test_a_crashed_holders_lock_goes_with_its_connection(
    pair: tuple[PostgresStore, PostgresStore], schema: str
) -> None:
    one, two = pair
    first_in, first_out, second_in, second_out = (asyncio.Event() for _ in range(4))
    first = asyncio.create_task(held_until(one, CHAT, first_in, first_out))
    await asyncio.wait_for(first_in.wait(), 5)
    second = asyncio.create_task(held_until(two, CHAT, second_in, second_out))
    await asyncio.sleep(WAITS)
    [holder] = await lock_holders(CHAT_KEY, schema, CHAT)

    await terminate(holder)

    await asyncio.wait_for(second_in.wait(), 5)
    first_out.set()
    await first  # its release finds the connection gone: no error for the turn that had finished
    second_out.set()
    await second
    async with asyncio.timeout(5), one.chat_lock(CHAT):  # the first instance's pool still serves it
        pass


async def test_a_turn_cancelled_while_holding_or_waiting_leaves_no_lock(
    pair: tuple[PostgresStore, PostgresStore], schema: str
) -> None:
    one, two = pair
    first_in, second_in = asyncio.Event(), asyncio.Event()
    never = asyncio.Event()
    first = asyncio.create_task(held_until(one, CHAT, first_in, never))
    await asyncio.wait_for(first_in.wait(), 5)
    second = asyncio.create_task(held_until(two, CHAT, second_in, never))
    await asyncio.sleep(WAITS)

    second.cancel()  # cancelled while waiting for the lock
    first.cancel()  # cancelled while holding it
    for task in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await task
    async with asyncio.timeout(5), two.chat_lock(CHAT):
        pass
    assert await lock_holders(CHAT_KEY, schema, CHAT) == []


async def test_turns_of_one_chat_through_two_instances_run_one_at_a_time_in_order(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    """Each turn reads the chat's state and saves the next one: overlapping turns would lose some."""
    inside = 0
    most = 0

    async def turn(store: PostgresStore) -> None:
        nonlocal inside, most
        async with store.chat_lock(CHAT):
            inside += 1
            most = max(most, inside)
            state = await store.chat_state(CHAT) or ChatState(CHAT, "en")
            await asyncio.sleep(0.01)  # the turn's work: another instance's update arrives meanwhile
            await store.save_chat_state(ChatState(CHAT, "en", last_update_id=state.last_update_id + 1))
            inside -= 1

    await asyncio.gather(*(turn(pair[n % 2]) for n in range(20)))
    assert most == 1
    state = await pair[0].chat_state(CHAT)
    assert state is not None and state.last_update_id == 20


@pytest_asyncio.fixture
async def small(schema: str) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=fresh_keyring(), max_pool=4)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def test_held_chat_locks_leave_connections_for_their_turns_writes(small: PostgresStore) -> None:
    """Were every connection of the pool held by a chat lock, the turns' writes would wait for ever."""

    async def turn(n: int) -> None:
        async with small.chat_lock(f"tg:{n}"):
            await asyncio.sleep(0.05)
            await small.save_chat_state(ChatState(f"tg:{n}", "en", last_update_id=1))

    async with asyncio.timeout(10):
        await asyncio.gather(*(turn(n) for n in range(12)))
    assert [await small.chat_state(f"tg:{n}") for n in range(12)] == [
        ChatState(f"tg:{n}", "en", last_update_id=1) for n in range(12)
    ]
