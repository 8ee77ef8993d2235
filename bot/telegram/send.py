"""The one way this bot sends a message: citizens' replies, officers' replies, admins' answers and the
courier's deliveries all go through ``Sender.send``.

Telegram's limits are kept below, in the Bot API client's rate limiter (``ratelimit.py``), which
counts every message in the same windows (``SendLimits``) as ``has_room`` reads: the courier's and
the officers' idea of how much room a chat has is true, and a 429 pauses that chat for everyone.

What to do when a message cannot go differs by caller (a citizen's reply is retried, an officer's is
queued, a delivery is kept in the outbox), so those faults are raised, not hidden here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import replace

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.cases.ids import chat_key
from bot.store.ports import Sessions
from bot.store.records import ChatState

from .limits import SendLimits
from .ratelimit import retry_seconds

# A send that Telegram is slow to answer is still waited for, well past PTB's 5 s default: giving up
# early and trying again would show the citizen the same message twice.
SEND_READ_TIMEOUT = 30.0
log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Markup = InlineKeyboardMarkup | ForceReply | ReplyKeyboardMarkup | ReplyKeyboardRemove


class Sender:
    def __init__(self, limits: SendLimits) -> None:
        self.limits = limits
        self.sent = 0  # messages Telegram accepted, for the operator's figures

    def has_room(self, chat_id: int) -> bool:
        """A message may go into ``chat_id`` now, without waiting for the rate limiter."""
        return self.limits.room_now(chat_id)

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        html: str,
        markup: Markup | None = None,
        *,
        reply_to: int | None = None,
        preview: bool = True,
        retries: int = 0,
    ) -> Message:
        """Send one HTML message. Network faults and 429s are tried again up to ``retries`` times (a 429
        after the wait Telegram asks for); the last fault, and any other, is raised to the caller."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        for attempt in range(retries + 1):
            try:
                message = await bot.send_message(
                    chat_id,
                    html,
                    parse_mode="HTML",
                    reply_markup=markup,
                    reply_parameters=reply,
                    link_preview_options=None if preview else NO_PREVIEW,
                    read_timeout=SEND_READ_TIMEOUT,
                )
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                await asyncio.sleep(retry_seconds(exc.retry_after))  # the chat is paused (ratelimit.py)
            except BadRequest:
                raise  # the message itself is refused: sending it again cannot help
            except NetworkError:
                if attempt == retries:
                    raise
                await asyncio.sleep(0.25 * 2**attempt)
            else:
                self.sent += 1
                return message
        raise AssertionError("unreachable: the last attempt returns or raises")


async def quietly(call: Awaitable[object]) -> bool:
    """Run an edit, delete or answer whose failure (message gone or unchanged, the chat closed, the
    network) changes nothing for anyone; False when it failed."""
    try:
        await call
        return True
    except (NetworkError, Forbidden):  # BadRequest ("not modified", "not found") is a NetworkError in PTB
        return False


async def mark_gone(sessions: Sessions, chat_id: int) -> None:
    """Telegram said the citizen blocked the bot: her chat is marked inactive until she writes again."""
    key = chat_key(chat_id)
    state = await sessions.chat_state(key) or ChatState(key, "en")
    await sessions.save_chat_state(replace(state, active=False))
    log.info("citizen blocked the bot; chat marked inactive")
