"""Group commit on a real SQLite file: concurrent citizens' writes share a transaction (one fsync), one
that fails is undone alone and its caller gets the error, and close() waits for writes handed in."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store.records import ChatState
from bot.store.sqlite.store import SqliteStore


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "bot.sqlite3")
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def count_commits(store: SqliteStore) -> list[str]:
    """Every COMMIT the connection runs, seen by SQLite itself (batches commit on the SQLite thread)."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        if sql.strip().upper() == "COMMIT":
            seen.append(sql)

    await store.database.read(lambda conn: conn.set_trace_callback(trace))
    return seen


async def test_concurrent_writes_share_commits_and_all_land(store: SqliteStore) -> None:
    commits = await count_commits(store)
    states = [ChatState(f"tg:{n}", "ur", last_update_id=n) for n in range(100)]
    await asyncio.gather(*(store.save_chat_state(s, remember=[n], sent_at=1.0) for n, s in enumerate(states)))
    assert 1 <= len(commits) <= 10  # 100 writes; one at a time would be 100 commits
    for n in range(100):
        found = await store.chat_state(f"tg:{n}")
        assert found is not None and found.last_update_id == n
    assert await store.forget_messages("tg:42") == [(42, 1.0)]


async def test_a_failing_write_is_undone_alone_and_its_caller_gets_the_error(store: SqliteStore) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO chats (chat_key, lang, updated_at) VALUES ('tg:bad', 'en', 'now')")
        raise ValueError("boom")

    good = [store.save_chat_state(ChatState(f"tg:{n}", "en")) for n in range(5)]
    results = await asyncio.gather(store.database.write(broken), *good, return_exceptions=True)
    assert isinstance(results[0], ValueError) and results[1:] == [None] * 5
    assert await store.chat_state("tg:bad") is None
    assert all([await store.chat_state(f"tg:{n}") is not None for n in range(5)])


async def test_when_the_transaction_itself_fails_every_write_of_the_batch_is_undone_and_told(
    store: SqliteStore,
) -> None:
    def ends_the_transaction(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # as a failed fsync or a full disk would: the batch cannot commit

    good = store.save_chat_state(ChatState("tg:1", "en"))
    results = await asyncio.gather(good, store.database.write(ends_the_transaction), return_exceptions=True)

    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    assert await store.chat_state("tg:1") is None
    await store.save_chat_state(ChatState("tg:2", "en"))  # the store goes on with the next batch
    assert await store.chat_state("tg:2") is not None


async def test_close_commits_what_was_handed_in(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "bot.sqlite3")
    await s.open()
    pending = asyncio.ensure_future(s.save_chat_state(ChatState("tg:1", "ur")))
    await asyncio.sleep(0)
    await s.close()
    await pending
    again = SqliteStore(tmp_path / "bot.sqlite3")
    await again.open()
    try:
        assert (await again.chat_state("tg:1")) is not None
    finally:
        await again.close()
    with pytest.raises(RuntimeError, match="not open"):
        await s.chat_state("tg:1")
