"""The offline Bot API, started fresh for each end-to-end test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot

PUNJAB, SINDH, FEDERAL = -1001, -1002, -1003
ADMIN = 9000
QUEUES = f"punjab={PUNJAB},sindh={SINDH}:ur,undisclosed={FEDERAL}"


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def queues_bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    """The bot with three queue groups (Punjab, Sindh with Urdu cards, the federal fallback) and an admin."""
    for chat_id, title in ((PUNJAB, "Punjab queue"), (SINDH, "Sindh queue"), (FEDERAL, "HQ queue")):
        api.group(chat_id, title)
    async with running_bot(api, tmp_path / "bot.sqlite3", FOCAL_QUEUES=QUEUES, ADMIN_IDS=str(ADMIN)) as running:
        yield running
