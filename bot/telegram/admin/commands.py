"""Admins' commands in their private chats: /stats, /admins, /block and /unblock, and the admins' part of /help.

Anyone who is not an admin gets a refusal, audited (``AdminChats.refuse``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.cases.ids import chat_key
from bot.cases.references import normalise_reference
from bot.i18n import t
from bot.store.ports import Admins, Reports, Senders, Stats

from ...desk import texts as desk_texts
from ..callback_data import record_id
from . import texts
from .chats import AdminChats, name_of


class AdminCommands:
    def __init__(self, chats: AdminChats, admins: Admins, senders: Senders, reports: Reports, stats: Stats) -> None:
        self.chats, self.admins, self.senders, self.reports, self.stats = chats, admins, senders, reports, stats

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat.id, "stats")
            return
        from bot.cases.stats import case_stats, format_stats  # statistics and fractions: not needed at start

        stats = await case_stats(self.stats, datetime.now(UTC))
        await self.chats.say(context.bot, chat.id, format_stats(stats, await self.chats.lang(chat.id)))

    async def on_admin_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None:
            lang = await self.chats.lang(chat.id)
            help_text = t(lang, texts.ADMIN_HELP) + "\n" + t(lang, desk_texts.DESK_HELP)
            await self.chats.say(context.bot, chat.id, escape(help_text, quote=False))

    async def on_admins(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat.id, "admins")
            return
        lang = await self.chats.lang(chat.id)
        args = [a.lower() for a in context.args or []]
        target_id = record_id(args[1]) if len(args) == 2 else None
        if len(args) == 2 and args[0] in ("add", "remove") and target_id is not None:
            target = target_id
            if args[0] == "add":
                await self.admins.add(target, user.id, name_of(user))
                text = t(lang, texts.ADMIN_ADDED, user=target)
            elif await self.admins.remove(target, user.id, name_of(user)):
                text = t(lang, texts.ADMIN_REMOVED, user=target)
            else:
                text = t(lang, texts.ADMIN_NOT_REMOVED, user=target)
        elif args:
            text = t(lang, texts.ADMINS_USAGE)
        else:
            ids = ", ".join(str(i) for i in sorted(self.admins.ids)) or "—"
            fixed = ", ".join(str(i) for i in sorted(self.admins.bootstrap)) or "—"
            text = t(lang, texts.ADMINS_LIST, ids=ids, fixed=fixed) + "\n\n" + t(lang, texts.ADMINS_USAGE)
        await self.chats.say(context.bot, chat.id, text)

    async def on_block(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._block(update, context, block=True)

    async def on_unblock(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._block(update, context, block=False)

    async def _block(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, block: bool) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        action = "block" if block else "unblock"
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat.id, action)
            return
        lang = await self.chats.lang(chat.id)
        args = list(context.args or [])
        if not args:
            await self.chats.say(context.bot, chat.id, t(lang, texts.BLOCK_USAGE))
            return
        label, why = args[0][:40], " ".join(args[1:])[:200]
        report_id: int | None = None
        user_id = record_id(label)
        if user_id is not None:
            key = chat_key(user_id)  # an admin who knows the Telegram user id (e.g. from a complaint)
        else:
            report = await self.reports.report_by_reference(normalise_reference(label) or label)
            if report is None:
                await self.chats.say(context.bot, chat.id, t(lang, texts.SENDER_UNKNOWN, reference=label))
                return
            if report.chat_key is None:
                await self.chats.say(context.bot, chat.id, t(lang, texts.SENDER_DETACHED, reference=report.reference))
                return
            key, label, report_id = report.chat_key, report.reference, report.id
        if block:
            done = await self.senders.block(key, user.id, name_of(user), report_id, why or "admin")
            marks = await self.senders.spam_marks(key)
            text = texts.SENDER_BLOCKED if done else texts.SENDER_ALREADY_BLOCKED
            await self.chats.say(context.bot, chat.id, t(lang, text, reference=label, marks=marks))
        else:
            done = await self.senders.unblock(key, user.id, name_of(user), report_id)
            text = texts.SENDER_UNBLOCKED if done else texts.SENDER_NOT_BLOCKED
            await self.chats.say(context.bot, chat.id, t(lang, text, reference=label))
