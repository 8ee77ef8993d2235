"""Building and running the python-telegram-bot ``Application`` (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Bot, BotCommandScopeAllPrivateChats, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.cases.conversation import Conversations
from bot.cases.flows import FlowRegistry, ensure_published
from bot.cases.receipts import Receipts
from bot.cases.routing import load_routing
from bot.config import ConfigError, Settings, require_webhook
from bot.engine.errors import FlowLoadError
from bot.store.keyring import load_keyring
from bot.store.sqlite.admins import AdminBook
from bot.store.sqlite.database import SqliteStore
from bot.store.sqlite.retention import Retention
from bot.store.sqlite.senders import SenderBook

from .admin import AdminBot
from .citizen import CitizenBot, menu_commands
from .courier import Courier
from .focal import FocalBot
from .guard import Handler, limited
from .http import AiohttpRequest, tls_context
from .limits import Limit, SendLimits
from .ratelimit import ChatRateLimiter
from .sla import check_sla
from .updates import BotApplication, BoundedUpdateQueue, ReadableBot

log = logging.getLogger(__name__)

# PTB's own concurrency limit for concurrent_updates(True); more waiting in the queue than this
# only costs memory: Telegram keeps them until we ask.
UPDATES_IN_FLIGHT = 256
UPDATES_WAITING = 100
HTTP_CONNECTIONS = 64
POOL_WAIT_SECONDS = 30.0
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
ROUTING_PATH = Path(__file__).resolve().parent.parent.parent / "flows" / "routing.yaml"

# Opt in to PTB's coming behaviour (durations as timedelta, e.g. RetryAfter.retry_after) instead of
# the deprecated integers, whose every use raises a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")


async def set_commands(bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    try:
        for lang in ("en", "ur"):
            await bot.set_my_commands(menu_commands(lang), scope=scope, language_code=None if lang == "en" else lang)
    except TelegramError as exc:
        # The menu is a convenience; commands work without it, and the next start tries again.
        log.warning("could not set the command menu: %s", type(exc).__name__)


def receipt_target(chat_key: str) -> str | None:
    """Where a citizen's receipt is delivered: her private chat (``tg:<id>`` is a Telegram chat)."""
    kind, _, chat_id = chat_key.partition(":")
    return f"chat:{chat_id}" if kind == "tg" else None


def http_requests() -> tuple[BaseRequest, BaseRequest]:
    """The bot's two HTTP clients (API calls, long polling), sharing one TLS context: loading the
    CA bundle takes about 40 ms, once per context, at every start.

    Telegram takes about 30 messages a second from a bot, which HTTP_CONNECTIONS connections carry
    at any round trip time. In a burst, calls wait for a free connection rather than fail.
    """
    tls = tls_context()
    calls = AiohttpRequest(HTTP_CONNECTIONS, tls=tls, pool_timeout=POOL_WAIT_SECONDS)
    updates = AiohttpRequest(1, tls=tls)
    return calls, updates


def build_application(settings: Settings, base_file_url: str | None = None) -> Application:  # type: ignore[type-arg]
    """The real application, as ``main.py run`` starts it; tests point ``bot_api_base_url`` at a local server."""
    keys = {"DATA_KEY": settings.data_key, "DATA_KEY_FILE": settings.data_key_file}
    store = SqliteStore(settings.database_path, keyring=load_keyring(settings.database_path, keys))
    flows = FlowRegistry(store)
    limits = SendLimits(overall=Limit(settings.overall_messages_per_second, 1.0))
    courier = Courier(store, flows, limits, settings.admin_ids)
    try:
        routing = load_routing(ROUTING_PATH.read_text(encoding="utf-8"))
    except FlowLoadError as exc:
        raise ConfigError(f"{ROUTING_PATH.name}: {exc}") from None
    unknown = sorted(set(settings.focal_queues) - routing.queues)
    if unknown:
        known = ", ".join(sorted(routing.queues))
        raise ConfigError(f"FOCAL_QUEUES names {', '.join(unknown)}, not a queue of {ROUTING_PATH.name} ({known})")
    admins = AdminBook(store, settings.admin_ids)
    senders = SenderBook(store)
    retention = Retention(store)
    focal = FocalBot(settings, store, flows, routing, courier, limits, admins, senders)
    admin = AdminBot(store, flows, admins, senders)
    receipts = Receipts(courier.outbox, receipt_target)
    conversations = Conversations(store, flows, route=focal.route, receipts=receipts)
    citizen = CitizenBot(
        settings,
        store,
        conversations,
        casework=focal.work,
        wake=courier.wake,
        senders=senders,
        retention=retention,
        receipts=receipts,
    )
    running: list[asyncio.Task[None]] = []

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await store.open()
        live, differs = await ensure_published(store, registry=flows)
        if differs:
            log.warning("flows/report.yaml differs from live revision %s; publish it to use it", live.id)
        # Parse the live flow now, not in the first citizen's /start (which every chat would wait on).
        await flows.live()
        await admins.load()
        await senders.load()
        await focal.bind_configured()
        # A plain task, not app.create_task: PTB would wait for it at stop, and it never ends by itself.
        running.append(asyncio.create_task(courier.run(app.bot), name="courier"))
        if app.job_queue is not None:
            app.job_queue.run_repeating(sla_job, interval=settings.sla_check_seconds, first=settings.sla_check_seconds)
        # The command menu is not needed to answer anyone: two round trips to Telegram that the
        # first replies after a restart need not wait for.
        running.append(asyncio.create_task(set_commands(app.bot), name="commands"))

    async def admin_aware_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await citizen.on_help(update, context)
        if update.effective_user is not None and admins.is_admin(update.effective_user.id):
            await admin.on_admin_help(update, context)

    async def sla_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        now = datetime.now(UTC)
        if await check_sla(focal.book, settings, now, admins.ids):
            courier.wake()
        # Conversations left on a retired revision end after a while; the live revision's are kept.
        live = await store.live_revision(flows.flow_id)
        cutoff = (now - timedelta(hours=settings.session_expiry_hours)).isoformat(timespec="seconds")
        await store.expire_sessions(cutoff, live.id if live else None)
        # Retention: every draft ends after its own, longer or shorter, time; closed cases are anonymised.
        drafts = (now - timedelta(hours=settings.draft_expiry_hours)).isoformat(timespec="seconds")
        expired = await retention.expire_drafts(drafts)
        closed = (now - timedelta(days=settings.anonymise_after_days)).isoformat(timespec="seconds")
        anonymised = await retention.anonymise_closed(closed)
        if expired or anonymised:
            log.info("retention: %d drafts expired, %d closed cases anonymised", expired, anonymised)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.close()

    calls, updates = http_requests()
    telegram_bot = ReadableBot(
        settings.bot_token,
        base_url=settings.bot_api_base_url,
        base_file_url=base_file_url or DEFAULT_FILE_URL,
        request=calls,
        get_updates_request=updates,
        rate_limiter=ChatRateLimiter(overall_max_rate=settings.overall_messages_per_second, max_retries=3),
    )
    app = (
        ApplicationBuilder()
        .bot(telegram_bot)
        .concurrent_updates(True)
        .application_class(BotApplication)
        .update_queue(BoundedUpdateQueue(in_flight=UPDATES_IN_FLIGHT, maxsize=UPDATES_WAITING))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["citizen"] = citizen
    app.bot_data["focal"] = focal
    app.bot_data["courier"] = courier
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    # Every officer's and admin's handler is behind the same per-user flood limit as citizens' turns:
    # one account typing commands by the hundred must not take the update slots everyone shares.
    flood = citizen.flood

    def officer(handler: Handler) -> Handler:
        return limited(flood, handler)

    # Officers first: their buttons and commands must not fall through to the citizen handlers.
    app.add_handler(CallbackQueryHandler(officer(focal.on_press), pattern=r"^f\."))
    app.add_handler(CallbackQueryHandler(officer(admin.on_press), pattern=r"^a\."))
    app.add_handler(CommandHandler("flows", officer(admin.on_flows), filters=private))
    app.add_handler(CommandHandler("admins", officer(admin.on_admins), filters=private))
    app.add_handler(CommandHandler("stats", officer(admin.on_stats), filters=private))
    app.add_handler(CommandHandler("block", officer(admin.on_block), filters=private))
    app.add_handler(CommandHandler("unblock", officer(admin.on_unblock), filters=private))
    flow_file = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
    app.add_handler(MessageHandler(private & flow_file, officer(admin.on_upload)))
    app.add_handler(CommandHandler("bindqueue", officer(focal.on_bindqueue)))
    app.add_handler(CommandHandler("queue", officer(focal.on_queue)))
    app.add_handler(CommandHandler("case", officer(focal.on_case)))
    app.add_handler(CommandHandler("focal", officer(focal.on_focal), filters=private))
    app.add_handler(CommandHandler(["help", "start"], officer(focal.on_group_help), filters=groups))
    # Not flood-limited: a removal must reach the membership cache whoever floods.
    app.add_handler(MessageHandler(groups & filters.StatusUpdate.LEFT_CHAT_MEMBER, focal.on_member_left))
    reply = groups & filters.REPLY & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(reply, officer(focal.on_reply)))
    app.add_handler(CommandHandler("start", citizen.on_start, filters=private))
    engine_commands = ["back", "skip", "cancel", "done", "send"]
    app.add_handler(CommandHandler(engine_commands, citizen.on_engine_command, filters=private))
    app.add_handler(CommandHandler("help", admin_aware_help, filters=private))
    app.add_handler(CommandHandler("privacy", citizen.on_privacy, filters=private))
    app.add_handler(CommandHandler("language", citizen.on_language, filters=private))
    app.add_handler(CommandHandler("status", citizen.on_status, filters=private))
    app.add_handler(CommandHandler("exit", citizen.on_exit, filters=private))
    app.add_handler(CommandHandler("forget", citizen.on_forget, filters=private))
    app.add_handler(CallbackQueryHandler(citizen.on_press))
    app.add_handler(MessageHandler(private & filters.CONTACT, citizen.on_contact))
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION | filters.VIDEO_NOTE
    app.add_handler(MessageHandler(private & media, citizen.on_media))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, citizen.on_text))
    # Last of the private commands: one the bot does not know gets a pointer to /help, not silence.
    app.add_handler(MessageHandler(private & filters.COMMAND, citizen.on_unknown_command))
    unreadable = (
        filters.VOICE | filters.AUDIO | filters.Sticker.ALL | filters.LOCATION | filters.POLL | filters.Dice.ALL
    )
    app.add_handler(MessageHandler(private & unreadable, citizen.on_unreadable))
    app.add_error_handler(citizen.on_error)
    return app


def run(settings: Settings, webhook: bool) -> None:
    if webhook:
        require_webhook(settings)  # before anything opens: no webhook without its secret
    app = build_application(settings)
    if webhook:
        from .webhook import run_webhook  # aiohttp.web costs 18 ms of start-up that polling does not need

        run_webhook(app, settings)
    else:
        app.run_polling(allowed_updates=["message", "callback_query"])
