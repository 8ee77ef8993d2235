"""The citizen's commands outside the report's flow: /help, /privacy, /status, /forget, /exit, and
what to say about a command the bot does not know or a fault in a handler."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from html import escape

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ContextTypes

from bot.cases.conversation import Conversations
from bot.cases.ids import chat_key
from bot.config import Settings
from bot.i18n import t
from bot.store.ports import Sessions

from ..render import ChatMessage
from ..send import quietly
from . import texts
from .forget import forget_question
from .replies import Replies
from .status import Status
from .turns import Turns

log = logging.getLogger(__name__)

DELETE_WINDOW = 48 * 3600 - 60  # Telegram lets a bot delete messages for 48 hours; keep a margin


class CommandHandlers:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        conversations: Conversations,
        status: Status,
        turns: Turns,
        replies: Replies,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.conv = conversations
        self.status = status
        self.turns = turns
        self.replies = replies

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say(update, context, texts.HELP)

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        days = {
            "draft_hours": self.settings.draft_expiry_hours,
            "anonymise_days": self.settings.anonymise_after_days,
        }
        await self._say(update, context, texts.PRIVACY, **days)

    async def _say(self, update: Update, context: ContextTypes.DEFAULT_TYPE, msgid: str, **values: str | int) -> None:
        if update.effective_chat is None:
            return
        # Help and privacy are for everyone, a blocked sender included: they say how to get help elsewhere.
        async with self.turns.turn(update, context, blockable=False) as turn:
            if turn is not None:
                await self.replies.tell(context.bot, turn, msgid, **values)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not know: say so and point to /help, rather than stay silent."""
        message = update.effective_message
        if message is None or update.effective_chat is None or not message.text:
            return
        command = message.text.split()[0].split("@")[0][:32]
        async with self.turns.turn(update, context, blockable=False) as turn:
            if turn is not None:
                await self.replies.tell(context.bot, turn, texts.UNKNOWN_COMMAND, command=command)

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask first: unlinking cannot be undone, and a watched phone may be in someone else's hand."""
        if update.effective_chat is None:
            return
        async with self.turns.turn(update, context, blockable=False) as turn:
            if turn is not None:
                await self.replies.send(context.bot, turn.chat_id, forget_question(turn.state.lang), turn=turn)

    async def on_status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/status``: this chat's reports; ``/status REFERENCE PIN``: any report, if the PIN is right."""
        if update.effective_chat is None:
            return
        # PIN guesses count against the flood limit; a blocked sender may still check a report.
        async with self.turns.turn(update, context, blockable=False) as turn:
            if turn is not None:
                await self.status.answer(context.bot, turn, list(context.args or []))

    async def on_exit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Quick exit: delete what Telegram still allows of this conversation, end it, leave one neutral line."""
        chat = update.effective_chat
        if chat is None:
            return
        # Run even when redelivered: a quick exit is never skipped.
        async with self.turns.always(update) as turn:
            key = chat_key(chat.id)
            recorded = await self.sessions.forget_messages(key)
            now = time.time()
            # The ids not yet written (the ledger's) are in the turn: this message and the last replies.
            message = update.effective_message
            typed = {message.message_id} if message is not None else set()  # also when redelivered
            ids = sorted({mid for mid, at in recorded if now - at < DELETE_WINDOW} | set(turn.remember) | typed)
            for start in range(0, len(ids), 100):
                batch = ids[start : start + 100]
                if not await quietly(context.bot.delete_messages(chat.id, batch)):
                    for mid in batch:
                        await quietly(context.bot.delete_message(chat.id, mid))
            await self.conv.drop(key)
            turn.remember.clear()  # every one of them was just deleted
            turn.state = replace(turn.state, question_message_id=None)
            # Deliberately not recorded: it is the one line left behind, and says nothing.
            line = ChatMessage(escape(t(turn.state.lang, texts.EXIT_DONE), quote=False), ReplyKeyboardRemove())
            await self.replies.send(context.bot, chat.id, line, turn=turn, remember=False)
        log.info("quick exit", extra={"deleted": len(ids)})

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A citizen's handler failed (``errors.answering`` logged where): say sorry in her chat."""
        if update.effective_chat is not None:
            state = await self.sessions.chat_state(chat_key(update.effective_chat.id))
            lang = state.lang if state else "en"
            apology = ChatMessage(escape(t(lang, texts.APOLOGY), quote=False))
            await self.replies.send(context.bot, update.effective_chat.id, apology, turn=None)
