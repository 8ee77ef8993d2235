"""A report as the citizen makes it: /start, typed answers, button presses, the engine's commands, a
shared contact, and the language she picks.

Every input goes through ``Conversations`` exactly as the console's does; only rendering differs. A
press costs one engine run and one durable write (the step, with the chat's state): the question it
answered comes back with the turn (``Reply.asked``), and the reply's bookkeeping goes to the ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from html import escape

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.conversation import Conversations, Reply
from bot.cases.ids import chat_key
from bot.cases.language import opening
from bot.config import PROVINCES, Settings
from bot.engine.normalise import normalise
from bot.engine.runner import Input
from bot.engine.session import ACTIVE, Session
from bot.i18n import LANGUAGES, t
from bot.store.ports import Reports, Retention

from ..callback_data import ForgetAnswer, LanguagePick, StepPress
from ..focal.texts import CITIZEN_ANSWER_SENT
from ..render import ChatMessage
from ..send import quietly
from . import texts
from .additions import Additions
from .forget import forget
from .replies import Replies
from .turns import ChatTurn, Turns, moved_on


def _moved(before: Session | None, reply: Reply) -> bool:
    """The session left the step it was on, or ended."""
    return reply.session is None or before is None or reply.session.step != before.step


class ReportHandlers:
    def __init__(
        self,
        settings: Settings,
        reports: Reports,
        retention: Retention,
        conversations: Conversations,
        casework: Casework,
        turns: Turns,
        replies: Replies,
        wake: Callable[[], None],
        additions: Additions,
    ) -> None:
        self.settings = settings
        self.reports = reports  # the daily cap counts a chat's reports
        self.retention = retention  # /forget is answered by a button press
        self.conv = conversations
        self.casework = casework  # relays answers to officers' questions
        self.turns = turns
        self.replies = replies
        self.wake = wake  # tells the courier a report or an answer is waiting to go out
        self.additions = additions  # a reply to an /add prompt or to the receipt adds to the report

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is not None:
                payload = context.args[0] if context.args else None
                await self._start(context.bot, turn, turn.state.lang, payload)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or message.text is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is None:
                return
            if await self.additions.on_reply(context.bot, turn, message):
                return
            key = chat_key(chat.id)
            before = await self.conv.current(key)
            idle = before is None or before.status != ACTIVE
            if await self._relay_answer(context.bot, turn, message, exact=not idle):
                return
            if idle:
                # The first message says which language to answer in; when it says so clearly, the
                # language question is skipped (a one-tap switch stays on the first question).
                lang, how = opening(message.text, user.language_code if user else None, turn.state.lang)
                await self._start(context.bot, turn, lang, None, language=how, first_text=message.text)
                return
            await self._answer(context.bot, turn, before, Input(text=message.text))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        if chat.type != ChatType.PRIVATE:
            # Citizens' buttons live in private chats; forged data pressed in a group changes nothing.
            await moved_on(update)
            return
        # Not blockable here: a blocked sender may still answer the /forget question.
        async with self.turns.turn(update, context, flood=False, blockable=False) as turn:
            if turn is None:
                return
            lang = turn.state.lang
            if not self.turns.allowed(update):
                await quietly(query.answer(t(lang, texts.SLOW_DOWN)))
                return
            data = query.data or ""
            key = chat_key(chat.id)
            answer = ForgetAnswer.parse(data)
            if answer is not None:
                await quietly(query.answer())
                await forget(context.bot, turn, query, answer.confirmed, self.retention, self.replies)
                return
            if self.turns.senders.is_blocked(key):
                await quietly(query.answer())
                await self.turns.tell_blocked(context.bot, turn)
                return
            pick = LanguagePick.parse(data)
            if pick is not None:
                await quietly(query.answer())
                await self._switch_language(context.bot, turn, pick.lang)
                return
            before = await self.conv.current(key)
            press = StepPress.parse(data)
            if before is None or press is None or not press.matches(before.id, before.step):
                # Stale or forged: answer harmlessly and change nothing.
                await quietly(query.answer(t(lang, texts.MOVED_ON)))
                return
            if query.message is not None:
                turn.pressed = query.message.message_id
            # Telegram's spinner stops while the step is stored and the next question sent.
            answering = asyncio.ensure_future(quietly(query.answer()))
            try:
                await self._answer(context.bot, turn, before, Input(press=press.button))
            finally:
                await answering

    async def on_engine_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/back, /skip, /cancel, /done and /send go to the engine like buttons do."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        async with self.turns.turn(update, context) as turn:
            if turn is not None:
                before = await self.conv.current(chat_key(chat.id))
                await self._answer(context.bot, turn, before, Input(command=command))

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None or message.contact is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is None:
                return
            before = await self.conv.current(chat_key(chat.id))
            asked = await self.conv.asked(before) if before is not None else None
            if before is None or asked is None or asked.hint != "phone":
                await self.replies.tell(context.bot, turn, texts.CONTACT_NOT_ASKED)
            elif message.contact.user_id != user.id:
                await self.replies.tell(context.bot, turn, texts.OWN_CONTACT_ONLY)
            else:
                await self._answer(context.bot, turn, before, Input(text=message.contact.phone_number))

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is None:
                return
            # Each language named in itself, so that a reader finds hers whatever the chat's language.
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("اردو", callback_data=LanguagePick("ur").data),
                        InlineKeyboardButton("Roman Urdu", callback_data=LanguagePick("roman").data),
                        InlineKeyboardButton("English", callback_data=LanguagePick("en").data),
                    ]
                ]
            )
            picker = ChatMessage(escape(texts.CHOOSE_LANGUAGE_ALL, quote=False), markup)
            await self.replies.send(context.bot, turn.chat_id, picker, turn=turn)

    async def _answer(self, bot: Bot, turn: ChatTurn, before: Session | None, given: Input) -> None:
        """One input to the engine: one run, the step stored with the chat's state, the turn shown."""
        reply = await self.conv.answer(chat_key(turn.chat_id), given, turn.state.lang, loaded=before, chat=turn.state)
        await self.replies.deliver(bot, turn, reply, moved=_moved(before, reply))
        if reply.reference is not None:
            self.wake()
            if turn.receipt_message is not None:
                # A reply to her receipt adds to this report (/add, additions.py).
                report = await self.reports.report_by_reference(reply.reference)
                if report is not None:
                    await self.casework.cases.remember_message(turn.chat_id, turn.receipt_message, report.id, "receipt")

    async def _relay_answer(self, bot: Bot, turn: ChatTurn, message: Message, exact: bool) -> bool:
        """A reply to an officer's question (or, outside a report, any message while one is open) is relayed."""
        if message.text is None:
            return False
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        if exact and reply_to is None:
            return False
        relayed = await self.casework.answer(
            chat_key(turn.chat_id), reply_to, message.text[:3000], message.message_id, exact
        )
        if relayed is None:
            return False
        await self.replies.tell(bot, turn, CITIZEN_ANSWER_SENT)
        self.wake()
        return True

    async def _start(
        self,
        bot: Bot,
        turn: ChatTurn,
        lang: str,
        payload: str | None,
        *,
        language: str = "likely",
        first_text: str = "",
    ) -> None:
        key = chat_key(turn.chat_id)
        before = await self.conv.current(key)
        if before is None or before.status != ACTIVE:
            midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            count = await self.reports.reports_since(key, midnight.isoformat(timespec="seconds"))
            if count >= self.settings.daily_report_cap:
                capped = ChatMessage(escape(t(lang, texts.DAILY_CAP, count=count), quote=False))
                await self.replies.send(bot, turn.chat_id, capped, turn=turn)
                return
        prefill: dict[str, str] = {}
        variables: dict[str, str] = {}
        if payload:
            tag = normalise(payload).lower()[:32]
            if tag in PROVINCES:
                prefill["province"] = tag
            elif tag.replace("_", "").replace("-", "").isalnum():
                variables["campaign"] = tag  # a deep-link campaign tag, for statistics
        reply = await self.conv.begin(
            key, lang, variables, prefill, chat=turn.state, language=language, first_text=first_text
        )
        await self.replies.deliver(bot, turn, reply, moved=_moved(before, reply))

    async def _switch_language(self, bot: Bot, turn: ChatTurn, lang: str) -> None:
        if lang not in LANGUAGES:
            return
        changed = lang != turn.state.lang
        turn.state = replace(turn.state, lang=lang)
        await self.replies.tell(bot, turn, texts.LANGUAGE_SET)
        if changed:
            await self.replies.menu(bot, turn.chat_id, lang)
        reply = await self.conv.set_language(chat_key(turn.chat_id), lang)
        if reply.events:
            await self.replies.deliver(bot, turn, reply, moved=False)
