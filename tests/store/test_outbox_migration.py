"""SQLite schema 9: outbox claims get an owner and a lease. Entries left ``sending`` by a run before it
have no lease; start-up recovery puts them back, and new claims work on the upgraded file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store.records import PENDING, SENDING
from bot.store.sqlite import database as sqlite_module
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SqliteStore


async def test_entries_in_flight_before_leases_are_recovered_after_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", MIGRATIONS[:8])
    old = SqliteStore(path)
    await old.open()
    payload = old.keyring.seal("{}", "outbox.payload")

    def in_flight(db: sqlite3.Connection) -> None:
        db.executemany(
            "INSERT INTO outbox (kind, target, dedupe_key, payload, state, attempts, created_at) "
            "VALUES ('case', 'queue:punjab', ?, ?, ?, 1, 0)",
            [("case:1", payload, SENDING), ("case:2", payload, PENDING)],
        )

    await old.database.write(in_flight)
    await old.close()
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", MIGRATIONS)

    upgraded = SqliteStore(path, keyring=old.keyring)
    await upgraded.open()
    try:
        assert await upgraded.schema_version() == len(MIGRATIONS) == 14
        outbox = upgraded.books().outbox
        assert [d.dedupe_key for d in await outbox.due()] == ["case:2"]  # no lease: not taken over by due
        assert await outbox.recover_in_flight() == 1
        due = await outbox.due()
        assert [(d.dedupe_key, d.attempts) for d in due] == [("case:1", 1), ("case:2", 1)]
        assert await outbox.mark_sending([d.id for d in due], owner="new") == [d.id for d in due]
    finally:
        await upgraded.close()
