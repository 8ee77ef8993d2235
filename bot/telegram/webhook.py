"""Telegram's webhook, served by our own small aiohttp app instead of PTB's tornado server.

PTB's server read a whole body, up to 100 MB and with no time limit, before it looked at the secret
token: four unauthenticated 90 MB posts grew the bot by hundreds of MB, and slow bodies held their
connections open. Here, in this order, before any of the body is read:

- only ``POST /telegram`` (and ``GET /healthz``) exist;
- ``X-Telegram-Bot-Api-Secret-Token`` must equal the secret (compared in constant time), else 403;
- a declared ``Content-Length`` over ``MAX_BODY`` is 413;

then the body is read under ``MAX_BODY`` (chunked ones too) and ``webhook_body_seconds``. A refused
request whose body has not all arrived loses its connection rather than have the rest read. The
update goes to the application's bounded queue (``updates.py``); while that is full the answer waits,
so Telegram holds further updates instead of our memory.

The lifecycle is ``Application.run_webhook``'s without its Updater: initialize, post_init, start,
serve and set the webhook; on SIGINT or SIGTERM stop serving, then stop, post_stop, shutdown and
post_shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from typing import Any, TypeAlias

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings

log = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kB; a message with a long caption and entities stays far below this.
MAX_BODY = 1024 * 1024
# A connection with no request under way is closed after this long: also one still sending its headers.
IDLE_SECONDS = 30.0
ALLOWED_UPDATES = ["message", "callback_query"]

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


def webhook_app(app: App, secret: str, body_seconds: float) -> web.Application:
    expected = secret.encode()

    async def on_update(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            log.debug("webhook: refused a call without the secret token")
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:
            async with asyncio.timeout(body_seconds):
                body = await request.read()
        except TimeoutError:
            log.warning("webhook: a body still arriving after %s s was cut off", body_seconds)
            response = web.Response(status=408)
            response.force_close()
            return response
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        update = _update(body, app)
        if update is None:
            # Nothing of the body is logged: it is a citizen's message, or an attacker's bytes.
            log.warning("webhook: refused a body that is not a Telegram update (%d bytes)", len(body))
            return web.Response(status=400)
        await app.update_queue.put(update)
        return web.Response()

    async def on_health(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_post(PATH, on_update)
    web_app.router.add_get("/healthz", on_health, allow_head=False)
    return web_app


def _update(body: bytes, app: App) -> Update | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, app.bot)
    except Exception:  # de_json raises whatever a malformed nested object happens to trigger
        return None


async def serve(app: App, settings: Settings, stop: asyncio.Event) -> None:
    """Run ``app`` on the webhook until ``stop`` is set, as PTB's ``run_webhook`` would."""
    if not settings.webhook_url or not settings.webhook_secret:
        raise ValueError("serve() needs webhook_url and webhook_secret; see bot.config.require_webhook")
    runner = web.AppRunner(
        webhook_app(app, settings.webhook_secret, settings.webhook_body_seconds),
        access_log=None,
        # aiohttp would read and discard an unread body for 10 s after answering; close instead.
        lingering_time=0,
        keepalive_timeout=IDLE_SECONDS,
        shutdown_timeout=5.0,
    )
    await runner.setup()  # makes the server; nothing listens yet
    try:
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        log.info("webhook: listening on %s:%d%s", settings.webhook_listen, settings.webhook_port, PATH)
        await app.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        await stop.wait()
    finally:
        # Stop taking calls first: Telegram keeps what it could not deliver and sends it after a restart.
        await runner.cleanup()
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_webhook(app: App, settings: Settings) -> None:
    """``main.py run --webhook``: serve until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
                loop.add_signal_handler(sig, stop.set)
        await serve(app, settings, stop)

    asyncio.run(main())
