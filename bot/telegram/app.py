"""Building and running the python-telegram-bot ``Application`` (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

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

from bot.cases.casework import Actor, Casework
from bot.cases.conversation import Conversations
from bot.cases.flows import FlowRegistry, ensure_published
from bot.cases.preservation import PreservationFile
from bot.cases.receipts import Receipts
from bot.cases.routing import load_routing
from bot.collector import freeze_start_up
from bot.config import ConfigError, Settings, match_environment, require_webhook
from bot.desk.passes import Passes
from bot.engine.errors import FlowLoadError
from bot.store.base import Store
from bot.store.keyring import load_keyring
from bot.store.match_key import load_match_key, postgres_match_key
from bot.store.records import StoredReport
from bot.store.sqlite.store import SqliteStore

from . import backups
from .admin.bot import AdminBot
from .admin.health import HealthCommand
from .callback_data import CasePress, FeedbackPress, FlowPress, VoicePress
from .citizen.bot import CitizenBot
from .citizen.feedback import Feedback
from .citizen.files import MIB
from .citizen.menu import menu_commands
from .courier import Courier
from .errors import answering, on_unhandled
from .evidence_keeper import EvidenceKeeper
from .focal.bot import FocalBot
from .focal.desk import DeskCommand
from .focal.evidence import EvidenceCommand
from .guard import Handler, limited
from .http import http_requests
from .limits import Limit, SendLimits
from .ratelimit import ChatRateLimiter
from .send import Sender
from .sla import check_sla
from .status import StatusServer
from .updates import BotApplication, BoundedUpdateQueue, ReadableBot

if TYPE_CHECKING:
    from bot.desk.server import DeskServer

log = logging.getLogger(__name__)

# PTB's own concurrency limit for concurrent_updates(True); more waiting in the queue than this
# only costs memory: Telegram keeps them until we ask.
UPDATES_IN_FLIGHT = 256
UPDATES_WAITING = 100
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
ROUTING_FILE = "routing.yaml"
BACKUP_FIRST_SECONDS = 60  # the first look at BACKUP_DIR: after the start's own work
COMMAND_MENU_DELAY = 2.0  # seconds after start-up before the command menu is set
POSTGRES_POOL = 40
HOUSEKEEPING = "housekeeping"  # the SLA, expiry and retention jobs: one instance at a time

# Opt in to PTB's coming behaviour (durations as timedelta, e.g. RetryAfter.retry_after) instead of
# the deprecated integers, whose every use raises a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")


async def set_commands(bot: Bot, delay: float = 0.0) -> None:
    await asyncio.sleep(delay)
    scope = BotCommandScopeAllPrivateChats()
    try:
        for lang in ("en", "ur"):
            await bot.set_my_commands(menu_commands(lang), scope=scope, language_code=None if lang == "en" else lang)
    except TelegramError as exc:
        # The menu is a convenience; commands work without it, and the next start tries again.
        log.warning("could not set the command menu: %s", type(exc).__name__)


def open_store(settings: Settings) -> Store:
    """PostgreSQL when DATABASE_URL is set (two or more instances can share it), else the SQLite file."""
    keys = {"DATA_KEY": settings.data_key, "DATA_KEY_FILE": settings.data_key_file}
    if settings.database_url:
        from bot.cli.database import shown
        from bot.store.postgres.store import PostgresStore, keyring_from  # asyncpg only when it is used

        log.info("database: PostgreSQL %s", shown(settings.database_url))  # the operator sees which one
        # A turn holds a pooled connection for its chat's lock: the pool is sized past the busy chats.
        return PostgresStore(settings.database_url, keyring=keyring_from(keys), max_pool=POSTGRES_POOL)
    log.info("database: SQLite %s", settings.database_path)
    return SqliteStore(settings.database_path, keyring=load_keyring(settings.database_path, keys))


def match_key_for(settings: Settings) -> bytes | None:
    """The match key of connected cases: the settings, else (SQLite) the file beside the database. PostgreSQL
    without MATCH_KEY runs with connected cases off (match_key.py says why)."""
    keys = match_environment(settings)
    if settings.database_url:
        return postgres_match_key(keys)
    return load_match_key(settings.database_path, keys)


def build_application(settings: Settings, base_file_url: str | None = None) -> Application:  # type: ignore[type-arg]
    """The real application, as ``main.py run`` starts it; tests point ``bot_api_base_url`` at a local server."""
    store = open_store(settings)
    books = store.books(settings.admin_ids)
    flows = FlowRegistry(store)
    limits = SendLimits(overall=Limit(settings.overall_messages_per_second, 1.0))
    sender = Sender(limits)
    preservation = PreservationFile(settings.flows_dir)
    try:
        preservation.current()  # a broken file stops the start, as a broken routing table does
    except FlowLoadError as exc:
        raise ConfigError(f"{preservation.path}: {exc}") from None
    courier = Courier(books, flows, sender, settings.admin_ids, preservation=preservation)
    try:
        routing = load_routing((settings.flows_dir / ROUTING_FILE).read_text(encoding="utf-8"))
    except FlowLoadError as exc:
        raise ConfigError(f"{ROUTING_FILE}: {exc}") from None
    unknown = sorted(set(settings.focal_queues) - routing.queues)
    if unknown:
        known = ", ".join(sorted(routing.queues))
        raise ConfigError(f"FOCAL_QUEUES names {', '.join(unknown)}, not a queue of {ROUTING_FILE} ({known})")
    admins, senders, retention = books.admins, books.senders, books.retention
    casework = Casework.over(books, settings.spam_block_threshold)
    focal = FocalBot(settings, books, flows, routing, courier, sender, casework)
    admin = AdminBot(books, flows, sender)
    receipts = Receipts(books.outbox)
    conversations = Conversations(
        store,
        flows,
        route=focal.queues.route,
        receipts=receipts,
        match_key=match_key_for(settings),
    )
    keeper = EvidenceKeeper(books.files, settings.file_max_mb * MIB)

    def wake() -> None:
        courier.wake()  # a card, receipt or answer waits to go out
        keeper.wake()  # and a report sent may bring files to fetch

    citizen = CitizenBot(settings, books, conversations, casework, receipts, wake, sender)
    running: list[asyncio.Task[None]] = []
    status = StatusServer(store, books.stats, settings)
    passes = Passes(books.desk)
    desk_command = DeskCommand(settings, focal.access, focal.chats, books.cases, passes)
    desk_server: list[DeskServer] = []

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await store.open()
        seed = settings.flows_dir / "report.yaml"
        live, differs = await ensure_published(store, seed, registry=flows)
        if differs:
            log.warning("%s differs from live revision %s; publish it to use it", seed, live.id)
        # Parse the live flow now, not in the first citizen's /start (which every chat would wait on).
        await flows.live()
        await admins.load()
        await senders.load()
        await focal.queues.bind_configured()
        # A plain task, not app.create_task: PTB would wait for it at stop, and it never ends by itself.
        running.append(asyncio.create_task(courier.run(app.bot), name="courier"))
        running.append(asyncio.create_task(citizen.ledger.run(), name="ledger"))
        running.append(asyncio.create_task(keeper.run(app.bot), name="evidence"))
        if app.job_queue is not None:
            app.job_queue.run_repeating(sla_job, interval=settings.sla_check_seconds, first=settings.sla_check_seconds)
            if settings.backup_dir is not None and settings.database_url:
                log.warning("BACKUP_DIR backs up SQLite only; back PostgreSQL up with pg_dump (main.py backup)")
            elif settings.backup_dir is not None:
                app.job_queue.run_repeating(backup_job, interval=backups.CHECK_SECONDS, first=BACKUP_FIRST_SECONDS)
        # The command menu is not needed to answer anyone: two round trips to Telegram and the Urdu
        # catalogue (~10 ms) that the first replies after a restart need not share the loop with.
        running.append(asyncio.create_task(set_commands(app.bot, COMMAND_MENU_DELAY), name="commands"))
        await status.start(app.bot)
        if settings.desk_port:
            desk_server.append(start_desk(app.bot))
            await desk_server[0].start()

    def start_desk(bot: Bot) -> DeskServer:
        from bot.desk.app import build_desk  # Starlette and Jinja2 only when the desk is on
        from bot.desk.roles import Roles
        from bot.desk.server import DeskServer
        from bot.desk.services import DeskServices

        async def may_act(user_id: int, queue: str) -> bool:
            return await focal.access.may_act(bot, user_id, queue)

        async def changed(report: StoredReport, actor: Actor, old_queue: str | None) -> None:
            # As after a button press: every card of the case shows it, and the citizen's notice goes.
            await focal.cards.refresh(bot, report, actor, old_queue=old_queue)
            courier.wake()

        roles = Roles(books.cases, admins.load, may_act)
        services = DeskServices(books, flows, casework, roles, passes, settings, changed)
        return DeskServer(build_desk(services), settings.desk_listen, settings.desk_port)

    async def admin_aware_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await citizen.commands.on_help(update, context)
        if update.effective_user is not None and admins.is_admin(update.effective_user.id):
            await admin.commands.on_admin_help(update, context)

    async def sla_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await books.leadership.lead(HOUSEKEEPING):
            return  # another instance sharing the database runs it
        now = datetime.now(UTC)
        if await check_sla(books.cases, settings, now, admins.ids):
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
        # Desk sessions past their end open nothing; their rows (officers' names) need not stay.
        await books.desk.prune_sessions(time.time())

    async def backup_job(context: ContextTypes.DEFAULT_TYPE) -> None:
        assert settings.backup_dir is not None
        every = timedelta(hours=settings.backup_every_hours)
        await backups.back_up_if_due(settings.database_path, settings.backup_dir, every, settings.backup_keep)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        for server in desk_server:
            await server.stop()
        await status.stop()
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await citizen.ledger.close()  # the last turns' bookkeeping, before the store goes
        await store.close()

    calls, updates = http_requests(settings.bot_proxy)
    telegram_bot = ReadableBot(
        settings.bot_token,
        base_url=settings.bot_api_base_url,
        base_file_url=base_file_url or DEFAULT_FILE_URL,
        request=calls,
        get_updates_request=updates,
        rate_limiter=ChatRateLimiter(limits, max_retries=3),
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
    app.bot_data["keeper"] = keeper
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    # Every officer's and admin's handler is behind the same per-user flood limit as citizens' turns:
    # one account typing commands by the hundred must not take the update slots everyone shares.
    flood = citizen.flood

    # Each role's handlers answer a fault in that role's chat, in that role's words (errors.py).
    as_citizen = answering("citizen", citizen.commands.on_fault)
    report, files, commands = citizen.report, citizen.files, citizen.commands
    as_officer = answering("officer", focal.on_fault)
    as_admin = answering("admin", admin.on_fault)

    def officer(handler: Handler) -> Handler:
        return limited(flood, as_officer(handler))

    def admin_only(handler: Handler) -> Handler:
        return limited(flood, as_admin(handler))

    # Officers first: their buttons and commands must not fall through to the citizen handlers.
    app.add_handler(CallbackQueryHandler(officer(focal.presses.on_press), pattern=CasePress.PATTERN))
    app.add_handler(CallbackQueryHandler(admin_only(admin.publishing.on_press), pattern=FlowPress.PATTERN))
    app.add_handler(CommandHandler("flows", admin_only(admin.publishing.on_flows), filters=private))
    app.add_handler(CommandHandler("admins", admin_only(admin.commands.on_admins), filters=private))
    app.add_handler(CommandHandler("stats", admin_only(admin.commands.on_stats), filters=private))
    health = HealthCommand(admin.chats, books.admins, store, books.stats, settings)
    app.add_handler(CommandHandler("health", admin_only(health.on_health), filters=private))
    app.add_handler(CommandHandler("block", admin_only(admin.commands.on_block), filters=private))
    app.add_handler(CommandHandler("unblock", admin_only(admin.commands.on_unblock), filters=private))
    flow_file = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
    app.add_handler(MessageHandler(private & flow_file, admin_only(admin.publishing.on_upload)))
    app.add_handler(CommandHandler("bindqueue", officer(focal.queues.on_bindqueue)))
    app.add_handler(CommandHandler("queue", officer(focal.commands.on_queue)))
    app.add_handler(CommandHandler("case", officer(focal.commands.on_case)))
    evidence = EvidenceCommand(focal.access, focal.chats, books.reports, books.files, casework)
    app.add_handler(CommandHandler("files", officer(evidence.on_files)))
    app.add_handler(CommandHandler("focal", officer(focal.queues.on_focal), filters=private))
    app.add_handler(CommandHandler("desk", officer(desk_command.on_desk), filters=private))
    app.add_handler(CommandHandler(["help", "start"], officer(focal.commands.on_group_help), filters=groups))
    # Not flood-limited: a removal must reach the membership cache whoever floods.
    left = groups & filters.StatusUpdate.LEFT_CHAT_MEMBER
    app.add_handler(MessageHandler(left, as_officer(focal.access.on_member_left)))
    reply = groups & filters.REPLY & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(reply, officer(focal.replies.on_reply)))
    app.add_handler(CommandHandler("start", as_citizen(report.on_start), filters=private))
    engine_commands = ["back", "skip", "cancel", "done", "send"]
    app.add_handler(CommandHandler(engine_commands, as_citizen(report.on_engine_command), filters=private))
    app.add_handler(CommandHandler("help", as_citizen(admin_aware_help), filters=private))
    app.add_handler(CommandHandler("privacy", as_citizen(commands.on_privacy), filters=private))
    app.add_handler(CommandHandler("language", as_citizen(report.on_language), filters=private))
    app.add_handler(CommandHandler("status", as_citizen(commands.on_status), filters=private))
    app.add_handler(CommandHandler("add", as_citizen(citizen.additions.on_add), filters=private))
    app.add_handler(CommandHandler("exit", as_citizen(commands.on_exit), filters=private))
    app.add_handler(CommandHandler("forget", as_citizen(commands.on_forget), filters=private))
    feedback = Feedback(books.cases, books.audit, citizen.turns)
    app.add_handler(CallbackQueryHandler(as_citizen(feedback.on_press), pattern=FeedbackPress.PATTERN))
    app.add_handler(CallbackQueryHandler(as_citizen(files.on_voice_press), pattern=VoicePress.PATTERN))
    app.add_handler(CallbackQueryHandler(as_citizen(report.on_press)))
    app.add_handler(MessageHandler(private & filters.CONTACT, as_citizen(report.on_contact)))
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL | filters.ANIMATION | filters.VIDEO_NOTE
    app.add_handler(MessageHandler(private & media, as_citizen(files.on_media)))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, as_citizen(report.on_text)))
    # Last of the private commands: one the bot does not know gets a pointer to /help, not silence.
    app.add_handler(MessageHandler(private & filters.COMMAND, as_citizen(commands.on_unknown_command)))
    app.add_handler(MessageHandler(private & (filters.VOICE | filters.AUDIO), as_citizen(files.on_voice)))
    unreadable = filters.Sticker.ALL | filters.LOCATION | filters.POLL | filters.Dice.ALL
    app.add_handler(MessageHandler(private & unreadable, as_citizen(files.on_unreadable)))
    app.add_error_handler(on_unhandled)
    return app


def run(settings: Settings, webhook: bool) -> None:
    if webhook:
        require_webhook(settings)  # before anything opens: no webhook without its secret
    app = build_application(settings)
    started = app.post_init

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if started is not None:
            await started(app)
        freeze_start_up()  # the last of the start: see bot/collector.py

    app.post_init = post_init
    if webhook:
        from .webhook import run_webhook  # aiohttp.web costs 18 ms of start-up that polling does not need

        run_webhook(app, settings)
    else:
        # bootstrap_retries=-1: deleting a stale webhook at start is retried too, not fatal.
        app.run_polling(allowed_updates=["message", "callback_query"], bootstrap_retries=-1)
