"""Building and running the python-telegram-bot ``Application`` (polling or webhook)."""

from __future__ import annotations

import logging
import os

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.conversation import Conversations
from bot.flows import FlowRegistry, ensure_published
from bot.i18n import t
from bot.storage.sqlite import SqliteStore

from .citizen import CitizenBot
from .texts import COMMANDS

log = logging.getLogger(__name__)

# Opt in to PTB's coming behaviour (durations as timedelta, e.g. RetryAfter.retry_after) instead of
# the deprecated integers, whose every use raises a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def build_application(settings: Settings, base_file_url: str | None = None) -> Application:  # type: ignore[type-arg]
    """The real application, as ``main.py run`` starts it; tests point ``bot_api_base_url`` at a local server."""
    store = SqliteStore(settings.database_path)
    flows = FlowRegistry(store)
    citizen = CitizenBot(settings, store, Conversations(store, flows))

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await store.open()
        live, differs = await ensure_published(store)
        if differs:
            log.warning("flows/report.yaml differs from live revision %s; publish it to use it", live.id)
        scope = BotCommandScopeAllPrivateChats()
        for lang in ("en", "ur"):
            commands = [BotCommand(name, t(lang, description)) for name, description in COMMANDS]
            await app.bot.set_my_commands(commands, scope=scope, language_code=None if lang == "en" else lang)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await store.close()

    builder = (
        ApplicationBuilder()
        .token(settings.bot_token)
        .base_url(settings.bot_api_base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    app = builder.build()
    app.bot_data["citizen"] = citizen
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", citizen.on_start, filters=private))
    app.add_handler(CommandHandler(["back", "skip", "cancel"], citizen.on_engine_command, filters=private))
    app.add_handler(CommandHandler("help", citizen.on_help, filters=private))
    app.add_handler(CommandHandler("privacy", citizen.on_privacy, filters=private))
    app.add_handler(CommandHandler("language", citizen.on_language, filters=private))
    app.add_handler(CommandHandler("status", citizen.on_status, filters=private))
    app.add_handler(CommandHandler("exit", citizen.on_exit, filters=private))
    app.add_handler(CallbackQueryHandler(citizen.on_press))
    app.add_handler(MessageHandler(private & filters.CONTACT, citizen.on_contact))
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION | filters.VIDEO_NOTE
    app.add_handler(MessageHandler(private & media, citizen.on_media))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, citizen.on_text))
    app.add_error_handler(citizen.on_error)
    return app


def run(settings: Settings, webhook: bool) -> None:
    app = build_application(settings)
    if webhook:
        if not settings.webhook_url:
            raise SystemExit("WEBHOOK_URL is not set; it is needed with --webhook")
        app.run_webhook(
            listen="0.0.0.0",
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query"])
