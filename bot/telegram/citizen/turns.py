"""A citizen's update as one turn: in order per chat, once only, within the flood limit, and not for
a blocked sender.

Each update runs under its chat's lock (this process's, then the database's, which orders the turns
of a chat whichever instance gets them) and is skipped if Telegram redelivers it after a crash. The
turn is an explicit object handed to the handler; what it learns is stored by the engine step's own
transaction or, after the reply has gone, with the next batch of the ledger (ledger.py).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.cases.ids import chat_key
from bot.cases.language import detect_language
from bot.i18n import t
from bot.store.ports import Senders, Sessions
from bot.store.records import ChatState

from ..guard import ChatLocks, FloodControl
from ..send import quietly
from . import texts
from .ledger import Bookkeeping, Ledger

if TYPE_CHECKING:
    from .replies import Replies

BLOCKED_NOTICE_SECONDS = 600.0


@dataclass(slots=True)
class ChatTurn:
    """One update of one chat, handled under the chat's lock, and passed to everything that handles it.

    ``state`` is the chat's state as it will be stored: with this update's id as the last handled, in
    the engine step's own transaction when there is one, and with the ledger's next batch in any case.
    ``remember``: message ids for /exit to delete, the incoming one first.
    """

    chat_id: int
    state: ChatState
    remember: list[int] = field(default_factory=list)
    # The message whose button was pressed: the question being answered, whatever the stored state says
    # (an instance that died after showing a question but before recording it leaves an older id).
    pressed: int | None = None
    # The message that showed the receipt of the report this turn sent (its reference and PIN): a reply to
    # it adds to that report (/add).
    receipt_message: int | None = None


class Turns:
    def __init__(
        self, sessions: Sessions, senders: Senders, ledger: Ledger, flood: FloodControl, replies: Replies
    ) -> None:
        self.sessions = sessions
        self.senders = senders  # blocked senders get one neutral line
        self.ledger = ledger
        self.flood = flood
        self.replies = replies
        self.locks = ChatLocks()
        self._told_blocked: dict[int, float] = {}

    @asynccontextmanager
    async def turn(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, flood: bool = True, blockable: bool = True
    ) -> AsyncIterator[ChatTurn | None]:
        """Hold the chat's lock for one update and give its handler the turn; yields None when the
        update must be dropped (handled before, the user is over the flood limit and was asked to slow
        down, or, unless ``blockable`` is False, the sender is blocked and was told so neutrally)."""
        chat = update.effective_chat
        assert chat is not None
        async with self.hold(chat.id):
            turn, fresh = await self.begin(update)
            try:
                if not fresh:
                    yield None
                elif flood and not self.allowed(update):
                    await self._slow_down(context.bot, update, turn)
                    yield None
                elif blockable and self.senders.is_blocked(chat_key(chat.id)):
                    await self.tell_blocked(context.bot, turn)
                    if update.callback_query is not None:
                        await quietly(update.callback_query.answer())
                    yield None
                else:
                    yield turn
            finally:
                # Also after a failure: an update that crashed its handler is not handled again.
                await self.end(turn)

    @asynccontextmanager
    async def always(self, update: Update) -> AsyncIterator[ChatTurn]:
        """The chat's turn even for a redelivered update (a quick exit is never skipped)."""
        chat = update.effective_chat
        assert chat is not None
        async with self.hold(chat.id):
            turn, _ = await self.begin(update)
            try:
                yield turn
            finally:
                await self.end(turn)

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """The chat's turn to itself: this process's lock, then the database's (other instances)."""
        async with self.locks.hold(chat_id), self.sessions.chat_lock(chat_key(chat_id)):
            yield

    async def begin(self, update: Update) -> tuple[ChatTurn, bool]:
        """The chat's state, newest first from the ledger; False when this update was handled before."""
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        key = chat_key(chat.id)
        kept = self.ledger.take(chat.id)
        stored = await self.sessions.chat_state(key)
        state: ChatState | None
        if kept is not None and (stored is None or kept.state.last_update_id >= stored.last_update_id):
            state, remember = kept.state, kept.remember
        else:
            # Another instance, or a write since, holds newer state; this instance's ids still count.
            state, remember = stored, kept.remember if kept is not None else []
        if state is None:
            prior = detect_language("", user.language_code if user else None).lang
            state = ChatState(key, prior)
        if update.update_id <= state.last_update_id:
            return ChatTurn(chat.id, state, remember), False
        state = replace(state, last_update_id=update.update_id, active=True)
        message = update.effective_message
        if message is not None and update.callback_query is None:
            remember = [*remember, message.message_id]
        return ChatTurn(chat.id, state, remember), True

    async def end(self, turn: ChatTurn) -> None:
        await self.ledger.keep(turn.chat_id, Bookkeeping(turn.state, turn.remember, time.time()))

    def allowed(self, update: Update) -> bool:
        user = update.effective_user
        return user is None or self.flood.allow(user.id)

    async def tell_blocked(self, bot: Bot, turn: ChatTurn) -> None:
        # Once in ten minutes: the line is for a person, not an answer to every message of a flood.
        chat_id, now = turn.chat_id, time.monotonic()
        if now - self._told_blocked.get(chat_id, -BLOCKED_NOTICE_SECONDS) < BLOCKED_NOTICE_SECONDS:
            return
        self._told_blocked[chat_id] = now
        if len(self._told_blocked) > 10_000:
            self._told_blocked = {c: at for c, at in self._told_blocked.items() if now - at < BLOCKED_NOTICE_SECONDS}
        await self.replies.tell(bot, turn, texts.BLOCKED)

    async def _slow_down(self, bot: Bot, update: Update, turn: ChatTurn) -> None:
        user = update.effective_user
        if user is not None and self.flood.first_warning(user.id):
            await self.replies.tell(bot, turn, texts.SLOW_DOWN)


async def moved_on(update: Update) -> None:
    """Answer a press that changes nothing (forged, stale, in a group) neutrally, in the presser's
    language as Telegram reports it: there is no turn, and no chat state, to read it from."""
    query, user = update.callback_query, update.effective_user
    if query is None:
        return
    lang = detect_language("", user.language_code if user else None).lang
    await quietly(query.answer(t(lang, texts.MOVED_ON)))
