"""An officer's reply to a case's card or Ask prompt: the question the citizen is sent.

A reply reaches the citizen only when the officer pressed Ask on that case within ``ASK_WINDOW``;
otherwise they are told to press Ask first. A reply to anything else is officers talking among
themselves, and the bot stays out of it.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.i18n import t
from bot.store.ports import Cases
from bot.store.records import NO_OPEN_ASK, OPEN_STATUSES

from ..courier import Courier
from ..send import quietly
from . import texts
from .access import Access, actor_of
from .cards import Cards
from .chats import OfficerChats

ASK_WINDOW = 15 * 60.0


class Replies:
    def __init__(
        self, access: Access, chats: OfficerChats, cards: Cards, cases: Cases, casework: Casework, courier: Courier
    ) -> None:
        self.access, self.chats, self.cards = access, chats, cards
        self.cases, self.casework, self.courier = cases, casework, courier

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.reply_to_message is None or not message.text:
            return
        chat_id = message.chat.id
        found = await self.cases.message_case(chat_id, message.reply_to_message.message_id)
        if found is None:
            return  # a reply to something else: officers talking among themselves
        report = await self.cases.case(found[0])
        if report is None:
            return
        actor = actor_of(user)
        if not await self.access.may_act(context.bot, user.id, report.queue):
            await self.casework.refused(actor, "ask", report, "not a member of the queue")
            return
        lang = await self.chats.lang(chat_id)
        prompt = await self.cases.pending_ask(report.id, user.id, ASK_WINDOW)
        if prompt is None:
            await self.chats.say(
                context.bot, chat_id, escape(t(lang, texts.ASK_FIRST), quote=False), reply_to=message.message_id
            )
            return
        if report.status not in OPEN_STATUSES:
            await self.chats.say(
                context.bot, chat_id, escape(t(lang, texts.CASE_CLOSED), quote=False), reply_to=message.message_id
            )
            return
        question_id = await self.casework.ask(report, actor, message.text[:3000])
        if question_id == NO_OPEN_ASK:
            return  # another copy of this reply asked already
        if question_id is None:
            await self.chats.say(
                context.bot, chat_id, escape(t(lang, texts.ANONYMOUS), quote=False), reply_to=message.message_id
            )
            return
        self.courier.wake()
        done = escape(t(lang, texts.QUESTION_SENT, reference=report.reference), quote=False)
        if prompt:
            await quietly(context.bot.edit_message_text(done, chat_id, prompt, parse_mode="HTML"))
        else:
            await self.chats.say(context.bot, chat_id, done, reply_to=message.message_id)
        fresh = await self.cases.case(report.id)
        if fresh is not None:
            await self.cards.refresh(context.bot, fresh, actor)
