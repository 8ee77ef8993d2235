"""The admins' side in private chats: publish a flow by sending its file, list revisions, roll back, manage admins.

``AdminBot`` puts the parts together; each handler the application registers is the method of the
part that does its work: ``publishing`` (uploads, their verdicts, /flows and its rollback buttons)
and ``commands`` (/stats, /admins, /block, /unblock, the admins' help), both speaking through
``chats`` (an admin's chat: its language, long texts, refusals).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.cases.flows import FlowRegistry
from bot.i18n import t
from bot.store.ports import Books

from ..send import Sender
from . import texts
from .chats import AdminChats
from .commands import AdminCommands
from .publishing import Publishing


class AdminBot:
    def __init__(self, books: Books, flows: FlowRegistry, sender: Sender) -> None:
        self.chats = AdminChats(books.sessions, books.audit, sender)
        self.publishing = Publishing(self.chats, books.admins, books.audit, books.revisions, flows)
        self.commands = AdminCommands(self.chats, books.admins, books.senders, books.reports, books.stats)

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin's handler failed (``errors.answering`` logged where): say so in the admin's chat."""
        chat = update.effective_chat
        if chat is None:
            return
        text = t(await self.chats.lang(chat.id), texts.FAULT)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await self.chats.say(context.bot, chat.id, text)
