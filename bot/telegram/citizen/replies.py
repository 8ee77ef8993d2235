"""Replies in a citizen's chat: sending with retries, and showing a conversation turn.

Showing a turn retires the question just answered (its message shows the answer and loses its
buttons) while the next question is sent: two round trips at once, not in turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from html import escape

from telegram import Bot, BotCommandScopeChat, ForceReply, Message, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.cases.conversation import Reply
from bot.cases.ids import chat_key
from bot.cases.receipts import Receipts
from bot.engine.events import Answered
from bot.engine.session import ACTIVE
from bot.i18n import t
from bot.store.ports import Sessions

from ..render import ChatMessage, Rendering, answered_text, keyboard, render
from ..send import SEND_READ_TIMEOUT, Sender, mark_gone, quietly
from . import texts
from .ledger import Ledger
from .menu import menu_commands
from .turns import ChatTurn

log = logging.getLogger(__name__)

_SEND_TRIES = 4


class Replies:
    def __init__(
        self, sender: Sender, sessions: Sessions, receipts: Receipts, ledger: Ledger, wake: Callable[[], None]
    ) -> None:
        self.sender = sender
        self.sessions = sessions
        self.receipts = receipts  # reference and PIN held in the outbox until shown
        self.ledger = ledger
        self.wake = wake  # tells the courier a receipt is waiting to go out

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        out: ChatMessage,
        *,
        turn: ChatTurn | None,
        remember: bool = True,
        force_reply: ForceReply | None = None,
    ) -> Message | None:
        """Send with retries for network faults and 429s; a blocked bot marks the chat inactive.

        Every message is recorded for /exit to delete (``remember=False`` only for lines that must
        stay, such as the exit line itself), so no reply, however incidental, can stay behind on a
        watched phone. Within a ``turn`` the id is kept with the chat's state when the turn ends.
        ``force_reply``: the message asks for a reply (an /add prompt), in place of ``out.markup``.
        """
        markup = force_reply if force_reply is not None else out.markup
        try:
            message = await self.sender.send(bot, chat_id, out.text, markup, retries=_SEND_TRIES - 1)
        except Forbidden:
            if turn is not None:
                turn.state = replace(turn.state, active=False)  # kept when the turn ends
                log.info("citizen blocked the bot; chat marked inactive")
            else:
                await mark_gone(self.sessions, chat_id)
            return None
        except BadRequest:
            raise
        except NetworkError:  # RetryAfter included: every try was refused
            log.warning("message not delivered after retries", extra={"chat": "private"})
            return None
        if remember and turn is not None:
            turn.remember.append(message.message_id)
        elif remember:
            await self.sessions.remember_messages(chat_key(chat_id), [message.message_id], time.time())
        return message

    async def tell(self, bot: Bot, turn: ChatTurn, msgid: str, **values: str | int) -> Message | None:
        """One plain line from the catalogue, in the chat's language."""
        text = escape(t(turn.state.lang, msgid, **values), quote=False)
        return await self.send(bot, turn.chat_id, ChatMessage(text), turn=turn)

    async def menu(self, bot: Bot, chat_id: int, lang: str) -> None:
        """This chat's command menu in ``lang``, once its language is chosen or changes.

        Telegram's per-language menus follow the phone's ``language_code``, which Pakistani phones
        almost never set to Urdu; a menu set for the chat itself follows the language the user chose.
        """
        try:
            await bot.set_my_commands(
                menu_commands(lang), scope=BotCommandScopeChat(chat_id), read_timeout=SEND_READ_TIMEOUT
            )
        except TelegramError as exc:
            # A convenience: the commands work without it, and the next language change tries again.
            log.warning("could not set a chat's command menu: %s", type(exc).__name__)

    async def deliver(self, bot: Bot, turn: ChatTurn, reply: Reply, *, moved: bool) -> None:
        """Show one conversation turn. ``moved``: the session left the step it was on (or ended)."""
        chat_id, lang, lang_before = turn.chat_id, reply.lang, turn.state.lang
        if reply.dropped_files:
            # Before the next question, so that the notice reads as part of the answer just given.
            await quietly(bot.delete_messages(chat_id, list(reply.dropped_files)))
            log.info("earlier files deleted from a child case", extra={"files": len(reply.dropped_files)})
            notice = ChatMessage(escape(t(lang, texts.EARLIER_FILES_DELETED), quote=False))
            await self.send(bot, chat_id, notice, turn=turn)
        session_id = reply.session.id if reply.session is not None else ""
        old_question = turn.pressed if turn.pressed is not None else turn.state.question_message_id
        rendering = render(reply.events, session_id, lang)
        new_question = any(m.question for m in rendering.messages)
        if reply.asked is not None and reply.asked.hint == "phone" and moved:
            # Leaving a step that offered the share-your-number keyboard: take that keyboard away.
            plain = next((m for m in rendering.messages if m.markup is None), None)
            if plain is not None:
                plain.markup = ReplyKeyboardRemove()
        retiring = (
            asyncio.ensure_future(self._retire(bot, chat_id, old_question, reply, rendering, new_question))
            if old_question is not None
            else None
        )
        question_id = old_question
        shown = False
        try:
            for out in rendering.messages:
                message = await self.send(bot, chat_id, out, turn=turn)
                if message is None:
                    break
                if out.question:
                    question_id = message.message_id
                if reply.reference is not None:
                    turn.receipt_message = message.message_id  # the last one holds the reference and PIN
            else:
                shown = True
        finally:
            if retiring is not None:
                await retiring
            if reply.receipt is not None:
                # Shown: the held receipt (and its PIN) goes with the next batch. Not shown: the courier sends it.
                if shown:
                    self.ledger.shown(reply.receipt)
                else:
                    await self.receipts.settle(reply.receipt, False)
                    self.wake()
        if reply.session is None or reply.session.status != ACTIVE:
            question_id = None
        turn.state = replace(turn.state, lang=lang, question_message_id=question_id)
        if lang != lang_before:
            await self.menu(bot, chat_id, lang)

    async def _retire(
        self, bot: Bot, chat_id: int, old_question: int, reply: Reply, rendering: Rendering, new_question: bool
    ) -> None:
        """Show the answer in the old question's message, and leave no pressable buttons there."""
        answered = next((e for e in reply.events if isinstance(e, Answered)), None)
        asked = reply.asked
        edited = False
        if answered is not None and asked is not None:
            if asked.kind == "review":
                # The summary stays readable as sent; only its buttons go.
                edited = await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=None))
            else:
                text = answered_text(asked.text, answered.display, reply.lang)
                edited = await quietly(bot.edit_message_text(text, chat_id, old_question, parse_mode="HTML"))
        if rendering.toggled is not None:
            session_id = reply.session.id if reply.session is not None else ""
            markup = keyboard(rendering.toggled, session_id, reply.lang)
            await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=markup))
        if new_question and not edited:
            # Back or edit-from-review: the old buttons must not stay pressable.
            await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=None))
