"""The officers' side: buttons on case cards, replies that ask the citizen, /queue, /case, /bindqueue, /focal.

Who may act on a case: a member of its queue's group (asked of Telegram, cached for a minute), an
officer an admin registered for that queue, or an admin. Every press is audited, refused ones too.
Officers' buttons carry ``f.<action>.<report id>``; nothing in them is trusted beyond naming the case.

``FocalBot`` puts the parts together; the application registers the handlers of the part that does
the work: ``access`` (who may act), ``chats`` (a chat's language, sending within its
limits), ``cards``, ``presses`` (the card's buttons), ``replies`` (questions for the citizen),
``commands`` (/queue, /case, group /help) and ``queues`` (bindings, officers, routing).
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.flows import FlowRegistry
from bot.cases.routing import RoutingTable
from bot.config import Settings
from bot.i18n import t
from bot.store.ports import Books

from ..courier import Courier
from ..send import Sender
from . import texts
from .access import Access
from .cards import Cards
from .chats import OfficerChats
from .commands import OfficerCommands
from .presses import Presses
from .queues import Queues
from .replies import Replies


class FocalBot:
    def __init__(
        self,
        settings: Settings,
        books: Books,
        flows: FlowRegistry,
        routing: RoutingTable,
        courier: Courier,
        sender: Sender,
        casework: Casework,
    ) -> None:
        self.sessions, self.cases, self.casework = books.sessions, books.cases, casework
        self.limits = sender.limits  # the send limits, which tests and load runs widen
        self.access = Access(books.admins, books.cases)
        self.chats = OfficerChats(books.sessions, books.cases, sender, courier)
        self.cards = Cards(self.chats, books.cases, flows, courier, sender.limits, books.audit)
        self.queues = Queues(settings, routing, books.cases, flows, self.access, self.chats, casework, courier)
        self.presses = Presses(self.access, self.chats, self.cards, books.cases, flows, casework, courier)
        self.replies = Replies(self.access, self.chats, self.cards, books.cases, casework, courier)
        self.commands = OfficerCommands(
            self.access, self.chats, self.cards, books.cases, books.reports, flows, routing, casework
        )

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An officer's handler failed (``errors.answering`` logged where): say so where they acted."""
        chat = update.effective_chat
        if chat is None:
            return
        text = t(await self.chats.lang(chat.id), texts.FAULT)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await self.chats.say(context.bot, chat.id, escape(text, quote=False), refusal=True)
