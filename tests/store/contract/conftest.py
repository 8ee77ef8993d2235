"""Every contract test runs once per backend: the same calls, the same answers.

PostgreSQL is always there on this project's machines and in CI (see tests/store/postgres/server.py):
its tests run for real and never skip. Each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store.base import Store
from bot.store.memory.store import MemoryStore
from bot.store.ports import Books
from bot.store.postgres.store import PostgresStore
from bot.store.sqlite.store import SqliteStore
from tests.store.postgres.server import DATABASE_URL, drop_schema, fresh_keyring, new_schema

BACKENDS = ("memory", "sqlite", "postgres")
SETTINGS_ADMIN = 9000  # an admin from the settings (ADMIN_IDS): never removable


@pytest_asyncio.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgres":
        schema = new_schema()
        backend: Store = PostgresStore(DATABASE_URL, schema=schema, keyring=fresh_keyring())
        try:
            await backend.open()
            try:
                yield backend
            finally:
                await backend.close()
        finally:
            await drop_schema(schema)
        return
    backend = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "bot.sqlite3")
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def books(store: Store) -> Books:
    return store.books(frozenset({SETTINGS_ADMIN}))
