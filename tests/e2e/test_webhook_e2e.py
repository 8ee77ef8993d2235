"""Webhook mode: Telegram's calls are accepted only with the configured secret token."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

from bot.config import load_settings
from bot.telegram.app import build_application
from tests.e2e.harness import TOKEN
from tests.fakeapi.server import FakeBotApi


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def test_webhook_accepts_only_calls_with_the_secret(tmp_path: Path) -> None:
    api = FakeBotApi()
    await api.start()
    port = free_port()
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(tmp_path / "w.sqlite3"),
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_SECRET": "s3cret-token",
        },
        Path("/nonexistent/.env"),
    )
    app = build_application(settings, base_file_url=api.base_file_url)
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    await app.start()
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret,
    )
    try:
        assert api.webhook is not None and api.webhook["secret_token"] == "s3cret-token"
        user = api.user(3001, language_code="en")
        user.send("/start")  # creates the chat in the fake; the update itself goes through the webhook
        update = api.updates.pop()
        url = f"http://127.0.0.1:{port}/telegram"
        assert await asyncio.to_thread(post, url, update, None) == 403
        assert await asyncio.to_thread(post, url, update, "wrong") == 403
        assert api.bot_messages(3001) == []
        assert await asyncio.to_thread(post, url, update, "s3cret-token") == 200
        await api.wait_for(lambda: len(api.bot_messages(3001)) == 1, within=10)
        assert (api.bot_messages(3001)[0].text or "").startswith("Welcome.")
    finally:
        await app.updater.stop()
        await app.stop()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()
        await api.stop()
