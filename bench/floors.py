"""The floors of ``bench/throughput.py``: a bare python-telegram-bot echo bot, run as a process of its own.

    python bench/floors.py stock|aiohttp|calls

``stock`` is PTB as shipped (its default httpx client); ``aiohttp`` is the same bot on the project's own
HTTP client (``bot.telegram.http.http_requests``), which shows what is left once both bots pay the same
per Bot API call. Either one: ``concurrent_updates(True)`` like ours, no rate limiter, long polling with
``poll_interval=0``, ``timeout=1``; a text (commands included) is sent back with a one-button inline
keyboard, and a button press is answered and followed by a message with that keyboard.

``calls`` is the aiohttp echo bot doing what the conversation makes unavoidable and nothing else: the
calls ours makes for a step (a press answered, the previous question edited to show the answer and lose
its buttons, the next question sent with a keyboard of seven buttons) and one durable commit per update
(SQLite in WAL with ``synchronous=FULL``, a 2 KB row, on a thread of its own, as ``bot/store`` does). No
flow, no engine, no locks, no sealing: ours divided by it is what the bot's own logic costs; it divided by
``aiohttp`` is what the visible calls and durability cost whatever the logic. It needs
BENCH_DATABASE_PATH (a file in a temporary directory).

It reads BOT_TOKEN, BOT_API_BASE_URL and BOT_API_BASE_FILE_URL from the environment (the offline Bot
API of the bench) and stops on SIGTERM or SIGINT, as ``main.py run`` does.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

# Run as a script, sys.path[0] is bench/: the aiohttp floor imports the client of the tree this file is in,
# ahead of any installed copy, so a "before" measurement of an older bot still gets today's floor.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("stock", "aiohttp", "calls")
MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])
# ``calls``: a question the size of the flow's (text, six options and Back, callback data as long as ours).
QUESTION = "Which app or website did this happen on? Choose one; you can tap Back to change an answer. " * 2
OPTIONS = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"Option {n}", callback_data=f"s:0123456789abcdef:step_{n}:opt{n}")] for n in range(6)]
    + [[InlineKeyboardButton("Back", callback_data="s:0123456789abcdef:step:back")]]
)
STATE = "x" * 2048  # about what a session row holds after a few answers


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None and update.effective_message is not None:
        text = update.effective_message.text or "…"
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=MARKUP)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "…", reply_markup=MARKUP)


class Durable:
    """One SQLite file and the one thread that writes it; a commit per update, waited for."""

    def __init__(self, path: str) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS chats (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    def _commit(self, chat_id: int, state: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT OR REPLACE INTO chats (id, state) VALUES (?, ?)", (chat_id, state))
        self.db.execute("COMMIT")

    async def commit(self, chat_id: int) -> None:
        await asyncio.get_running_loop().run_in_executor(self.thread, self._commit, chat_id, STATE)


def calls_handlers(
    durable: Durable,
) -> tuple[CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None], MessageHandler[ContextTypes.DEFAULT_TYPE, None]]:
    questions: dict[int, int] = {}  # chat -> its last question's message id

    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: str) -> None:
        chat = update.effective_chat
        assert chat is not None
        await durable.commit(chat.id)
        old = questions.get(chat.id)
        retire = None
        if old is not None:
            shown = escape(QUESTION, quote=False) + "\n\n✅ <b>" + escape(answer[:150], quote=False) + "</b>"
            retire = asyncio.ensure_future(context.bot.edit_message_text(shown, chat.id, old, parse_mode="HTML"))
        sent = await context.bot.send_message(
            chat.id, escape(QUESTION, quote=False), parse_mode="HTML", reply_markup=OPTIONS
        )
        questions[chat.id] = sent.message_id
        if retire is not None:
            await retire

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None and update.effective_message is not None:
            await step(update, context, update.effective_message.text or "…")

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and update.effective_chat is not None:
            answering = asyncio.ensure_future(query.answer())
            await step(update, context, query.data or "…")
            await answering

    return CallbackQueryHandler(on_press), MessageHandler(filters.TEXT, on_text)


def main(kind: str) -> None:
    builder = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .base_file_url(os.environ.get("BOT_API_BASE_FILE_URL", "https://api.telegram.org/file/bot"))
    )
    if kind in ("aiohttp", "calls"):
        from bot.telegram.http import http_requests  # only here: the stock floor loads none of bot/

        calls, updates = http_requests()
        builder = builder.request(calls).get_updates_request(updates)
    app = builder.concurrent_updates(True).build()
    if kind == "calls":
        for handler in calls_handlers(Durable(os.environ["BENCH_DATABASE_PATH"])):
            app.add_handler(handler)
    else:
        app.add_handler(MessageHandler(filters.TEXT, echo_message))
        app.add_handler(CallbackQueryHandler(echo_press))
    app.run_polling(poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in KINDS:
        sys.exit(f"usage: python bench/floors.py {'|'.join(KINDS)}")
    main(sys.argv[1])
