"""A fresh schema per test on the project's PostgreSQL server, dropped afterwards, and two stores on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.store.postgres.store import PostgresStore
from tests.store.postgres.server import DATABASE_URL, drop_schema, fresh_keyring, new_schema


@pytest_asyncio.fixture
async def schema() -> AsyncIterator[str]:
    name = new_schema()
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest_asyncio.fixture
async def pair(schema: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one schema, as two instances of the bot would be (closing twice is harmless)."""
    keys = fresh_keyring()
    one, two = (PostgresStore(DATABASE_URL, schema=schema, keyring=keys) for _ in range(2))
    await one.open()
    await two.open()
    try:
        yield one, two
    finally:
        await one.close()
        await two.close()
