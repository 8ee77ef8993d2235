"""Webhook mode, in process: the real application behind ``bot/telegram/webhook.py``, against the offline
Bot API. Calls are accepted only with the secret token; what is not an update is refused quietly."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import ConfigError, Settings, load_settings, require_webhook
from bot.telegram.app import build_application
from bot.telegram.webhook import SECRET_HEADER, serve
from testing.fakeapi.server import FakeBotApi
from testing.harness import TOKEN

SECRET = "e2e-webhook-secret-0123456789abcdefXYZ"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_settings(api: FakeBotApi, db: Path, **env: str) -> Settings:
    return load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(db),
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(free_port()),
            **env,
        },
        Path("/nonexistent/.env"),
    )


@asynccontextmanager
async def serving(api: FakeBotApi, settings: Settings) -> AsyncIterator[str]:
    """The bot served as ``main.py run --webhook`` serves it; yields the server's base URL."""
    app = build_application(settings, base_file_url=api.base_file_url)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, settings, stop))
    await api.wait_for(lambda: api.webhook is not None or task.done(), within=10)
    try:
        yield f"http://{settings.webhook_listen}:{settings.webhook_port}"
    finally:
        stop.set()
        await task
    assert not app.running


async def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status


async def test_webhook_accepts_only_calls_with_the_secret(api: FakeBotApi, tmp_path: Path) -> None:
    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    async with serving(api, settings) as base:
        assert api.webhook is not None
        assert api.webhook["secret_token"] == SECRET
        assert api.webhook["allowed_updates"] == ["message", "callback_query"]
        user = api.user(3001, language_code="en")
        user.send("/start")  # creates the chat in the fake; the update itself goes through the webhook
        update = api.updates.pop()
        url = f"{base}/telegram"
        body = json.dumps(update).encode()
        assert await post(url, body, None) == 403
        assert await post(url, body, "wrong") == 403
        assert await post(url, body, SECRET.upper()) == 403
        assert api.bot_messages(3001) == []
        assert await post(url, body, SECRET) == 200
        await api.wait_for(lambda: len(api.bot_messages(3001)) == 1, within=10)
        assert (api.bot_messages(3001)[0].text or "").startswith("Welcome.")


async def test_webhook_refuses_what_is_not_an_update_without_logging_it(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    caplog.set_level(logging.DEBUG)
    async with serving(api, settings) as base:
        url = f"{base}/telegram"
        for body in (b"{not json PRIVATE-BODY", b'["PRIVATE-BODY"]', b'{"text": "PRIVATE-BODY"}', b"\xff\xfe"):
            assert await post(url, body, SECRET) == 400
        bad_message = b'{"update_id": 7, "message": {"text": "PRIVATE-BODY"}}'
        assert await post(url, bad_message, SECRET) == 400
        assert await post(url, b'{"update_id": 8}', SECRET) == 200  # nothing to handle, but an update
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "PRIVATE-BODY" not in logged
    assert not [r for r in caplog.records if r.exc_info]
    assert "refused a body that is not a Telegram update" in logged


async def test_webhook_serves_only_post_on_its_path_and_a_health_check(api: FakeBotApi, tmp_path: Path) -> None:
    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    async with serving(api, settings) as base, aiohttp.ClientSession() as session:
        async with session.get(f"{base}/telegram", headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 405
        async with session.post(f"{base}/other", data=b"{}", headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 404
        async with session.get(f"{base}/healthz") as response:
            assert response.status == 200
            assert await response.text() == "ok"


async def test_webhook_runs_post_init_and_post_shutdown(api: FakeBotApi, tmp_path: Path) -> None:
    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    app = build_application(settings, base_file_url=api.base_file_url)
    calls: list[str] = []
    init, shutdown = app.post_init, app.post_shutdown
    assert init is not None and shutdown is not None

    async def post_init(a: object) -> None:
        calls.append("post_init")
        await init(app)

    async def post_shutdown(a: object) -> None:
        calls.append("post_shutdown")
        await shutdown(app)

    app.post_init, app.post_shutdown = post_init, post_shutdown
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, settings, stop))
    await api.wait_for(lambda: api.webhook is not None, within=10)
    assert calls == ["post_init"] and app.running
    stop.set()
    await task
    assert calls == ["post_init", "post_shutdown"] and not app.running


def test_webhook_mode_needs_url_and_secret(api: FakeBotApi, tmp_path: Path) -> None:
    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    require_webhook(settings)
    for env, says in (
        ({"WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET is not set"),
        ({"WEBHOOK_URL": ""}, "WEBHOOK_URL is not set"),
    ):
        with pytest.raises(ConfigError, match=says):
            require_webhook(webhook_settings(api, tmp_path / "w.sqlite3", **env))
    for env, says in (
        ({"WEBHOOK_SECRET": "a" * 31}, "WEBHOOK_SECRET must be 32 to 256"),
        ({"WEBHOOK_SECRET": "a" * 31 + "!"}, "WEBHOOK_SECRET must be 32 to 256"),
        ({"WEBHOOK_LISTEN": "localhost"}, "WEBHOOK_LISTEN must be an IP address"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be a port number"),
        ({"WEBHOOK_BODY_SECONDS": "0"}, "WEBHOOK_BODY_SECONDS must be a whole number of at least 1"),
    ):
        with pytest.raises(ConfigError, match=says):
            webhook_settings(api, tmp_path / "w.sqlite3", **env)
    assert SECRET not in repr(settings)
    assert settings.webhook_listen == "127.0.0.1"


async def test_a_full_update_queue_makes_telegrams_call_wait(api: FakeBotApi, tmp_path: Path) -> None:
    from bot.telegram.app import UPDATES_IN_FLIGHT, UPDATES_WAITING

    settings = webhook_settings(api, tmp_path / "w.sqlite3")
    app = build_application(settings, base_file_url=api.base_file_url)
    release = asyncio.Event()

    async def busy(update: object, context: object) -> None:
        await release.wait()

    app.add_handler(TypeHandler(Update, busy), group=-1)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, settings, stop))
    await api.wait_for(lambda: api.webhook is not None, within=10)
    url = f"http://127.0.0.1:{settings.webhook_port}/telegram"
    capacity = UPDATES_IN_FLIGHT + UPDATES_WAITING
    answered: list[int] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def call(n: int) -> None:
            async with session.post(url, data=b'{"update_id": %d}' % n, headers={SECRET_HEADER: SECRET}) as r:
                answered.append(r.status)

        calls = [asyncio.create_task(call(n)) for n in range(capacity + 5)]
        await api.wait_for(lambda: len(answered) >= capacity, within=20)
        await asyncio.sleep(0.3)
        assert len(answered) == capacity  # the last five wait: Telegram holds them, not our memory
        release.set()
        await asyncio.gather(*calls)
    assert answered == [200] * (capacity + 5)
    stop.set()
    await task
