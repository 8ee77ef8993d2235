"""Running the real bot application against the offline Bot API, as ``main.py run`` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from bot.config import load_settings
from bot.telegram.app import build_application
from testing.fakeapi.server import FakeBotApi

TOKEN = "123456:TEST-TOKEN"


@dataclass
class Running:
    api: FakeBotApi
    app: Application  # type: ignore[type-arg]
    db: Path


@asynccontextmanager
async def running_bot(api: FakeBotApi, db: Path, **env: str) -> AsyncIterator[Running]:
    settings = load_settings(
        {"BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": api.base_url, "DATABASE_PATH": str(db), **env},
        Path("/nonexistent/.env"),
    )
    app = build_application(settings, base_file_url=api.base_file_url)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"])
    try:
        yield Running(api, app, db)
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_shutdown:
            await app.post_shutdown(app)
        await app.shutdown()
