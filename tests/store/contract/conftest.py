"""Every contract test runs once per backend: the same calls, the same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store.base import Store
from bot.store.memory.store import MemoryStore
from bot.store.ports import Books
from bot.store.sqlite.store import SqliteStore

BACKENDS = ("memory", "sqlite")
SETTINGS_ADMIN = 9000  # an admin from the settings (ADMIN_IDS): never removable


@pytest_asyncio.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "bot.sqlite3")
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def books(store: Store) -> Books:
    return store.books(frozenset({SETTINGS_ADMIN}))
