"""The pool and the one write path: connections all go at close, a write handed in is finished even
when its caller goes away, and a deadlock between two writes is retried rather than surfaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
import pytest_asyncio

from bot.problems import ConfigError
from bot.store.postgres.database import Connection, Database
from bot.store.postgres.store import PostgresStore
from tests.store.contract.helpers import submit
from tests.store.postgres.server import DATABASE_URL, fresh_keyring


@pytest_asyncio.fixture
async def store(schema: str) -> AsyncIterator[PostgresStore]:
    opened = PostgresStore(DATABASE_URL, schema=schema, keyring=fresh_keyring(), max_pool=4)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def server_pids() -> set[int]:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        return {int(row[0]) for row in await conn.fetch("SELECT pid FROM pg_stat_activity")}
    finally:
        await conn.close()


async def test_close_ends_every_connection_of_the_pool(store: PostgresStore) -> None:
    pids: set[int] = set()

    async def hold(conn: Connection) -> None:
        pids.add(conn.get_server_pid())
        await conn.execute("SELECT pg_sleep(0.05)")

    await asyncio.gather(*(store.database.read(hold) for _ in range(4)))
    assert len(pids) == 4  # as many connections as the pool may hold, each busy at once
    assert pids <= await server_pids()

    await store.close()
    assert not pids & await server_pids()
    with pytest.raises(RuntimeError, match="not open"):
        await store.count_reports()
    await store.close()  # closing twice is harmless


async def test_a_write_under_way_at_close_is_committed_first(store: PostgresStore, schema: str) -> None:
    await store.publish("report", "spec_version: 1\nid: report\n", "admin")

    async def slow(conn: Connection) -> None:
        await conn.execute("SELECT pg_sleep(0.2)")
        await conn.execute("INSERT INTO admins (user_id, added_at) VALUES (77, 'now')")

    writing = asyncio.create_task(store.database.write(slow))
    await asyncio.sleep(0.05)
    await store.close()
    await writing

    again = PostgresStore(DATABASE_URL, schema=schema, keyring=store.keyring)
    await again.open()
    try:
        assert await again.books().admins.load() == frozenset({77})
    finally:
        await again.close()


async def test_a_cancelled_caller_does_not_cancel_its_write(store: PostgresStore) -> None:
    started = asyncio.Event()

    async def slow(conn: Connection) -> None:
        started.set()
        await conn.execute("SELECT pg_sleep(0.1)")
        await conn.execute("INSERT INTO admins (user_id, added_at) VALUES (78, 'now')")

    caller = asyncio.create_task(store.database.write(slow))
    await started.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.sleep(0.3)
    assert await store.books().admins.load() == frozenset({78})


async def test_a_deadlock_between_two_writes_is_retried_and_both_land(store: PostgresStore) -> None:
    first = await submit(store, "AAAA-2345")
    second = await submit(store, "BBBB-2345")
    both_hold_one = asyncio.Barrier(2)
    attempts: list[str] = []

    def crossing(name: str, one: int, other: int) -> Callable[[Connection], Awaitable[None]]:
        async def work(conn: Connection) -> None:
            attempts.append(name)
            await conn.execute("UPDATE reports SET reminded = reminded + 1 WHERE id = $1", one)
            if attempts.count(name) == 1:  # only the first time: the retry must go through
                await both_hold_one.wait()
            await conn.execute("UPDATE reports SET reminded = reminded + 1 WHERE id = $1", other)

        return work

    await asyncio.gather(
        store.database.write(crossing("a", first, second)),
        store.database.write(crossing("b", second, first)),
    )
    assert sorted(attempts) in (["a", "a", "b"], ["a", "b", "b"])  # one of them was the deadlock's victim
    reminded = [(await store.report_by_id(r)) for r in (first, second)]
    assert [r.reminded if r else None for r in reminded] == [2, 2]


async def test_a_failed_write_changes_nothing_and_the_pool_keeps_working(store: PostgresStore) -> None:
    async def half(conn: Connection) -> None:
        await conn.execute("INSERT INTO admins (user_id, added_at) VALUES (79, 'now')")
        raise ValueError("changed my mind")

    with pytest.raises(ValueError, match="changed my mind"):
        await store.database.write(half)
    assert await store.books().admins.load() == frozenset()
    assert await store.count_reports() == 0


def test_a_bad_dsn_schema_or_pool_size_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        Database("sqlite:///bot.sqlite3")
    with pytest.raises(ConfigError, match="schema"):
        Database(DATABASE_URL, schema='x"; DROP SCHEMA public; --')
    with pytest.raises(ConfigError, match="pool"):
        Database(DATABASE_URL, min_size=5, max_size=2)
