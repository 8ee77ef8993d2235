"""A statement run straight on a test's SQLite store: to set up a state no book writes (an old case,
a claim at a given time), through the store's one write path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.store.sqlite.store import SqliteStore


async def execute(store: SqliteStore, sql: str, args: Sequence[Any] = ()) -> int:
    """Run one statement in its own write; returns the rows it changed."""
    return await store.database.write(lambda conn: conn.execute(sql, args).rowcount)
