"""The floors of ``bench/throughput.py``: a bare python-telegram-bot echo bot, run as a process of its own.

    python bench/floors.py stock|aiohttp

``stock`` is PTB as shipped (its default httpx client); ``aiohttp`` is the same bot on the project's own
HTTP client (``bot.telegram.app.http_requests``), which shows what is left once both bots pay the same
per Bot API call. Either one: ``concurrent_updates(True)`` like ours, no rate limiter, long polling with
``poll_interval=0``, ``timeout=1``; a text (commands included) is sent back with a one-button inline
keyboard, and a button press is answered and followed by a message with that keyboard.

It reads BOT_TOKEN, BOT_API_BASE_URL and BOT_API_BASE_FILE_URL from the environment (the offline Bot
API of the bench) and stops on SIGTERM or SIGINT, as ``main.py run`` does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

# Run as a script, sys.path[0] is bench/: the aiohttp floor imports the client of the tree this file is in,
# ahead of any installed copy, so a "before" measurement of an older bot still gets today's floor.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("stock", "aiohttp")
MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None and update.effective_message is not None:
        text = update.effective_message.text or "…"
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=MARKUP)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "…", reply_markup=MARKUP)


def main(kind: str) -> None:
    builder = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .base_file_url(os.environ.get("BOT_API_BASE_FILE_URL", "https://api.telegram.org/file/bot"))
    )
    if kind == "aiohttp":
        from bot.telegram.app import http_requests  # imported only here: the stock floor loads none of bot/

        calls, updates = http_requests()
        builder = builder.request(calls).get_updates_request(updates)
    app = builder.concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT, echo_message))
    app.add_handler(CallbackQueryHandler(echo_press))
    app.run_polling(poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in KINDS:
        sys.exit(f"usage: python bench/floors.py {'|'.join(KINDS)}")
    main(sys.argv[1])
