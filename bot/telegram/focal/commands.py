"""Officers' commands: /queue (a queue's open cases), /case (one case's card), and /help in a queue group.

In a group that is not a queue group these say nothing: the bot does not tell strangers what it is for.
"""

from __future__ import annotations

from html import escape

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.flows import FlowRegistry
from bot.cases.references import normalise_reference
from bot.cases.routing import RoutingTable
from bot.i18n import t
from bot.store.ports import Cases, Reports

from ...desk import texts as desk_texts
from .. import card
from ..callback_data import CasePress
from ..citizen import texts as citizen_texts
from . import texts
from .access import Access, actor_of
from .cards import Cards
from .chats import OfficerChats


class OfficerCommands:
    def __init__(
        self,
        access: Access,
        chats: OfficerChats,
        cards: Cards,
        cases: Cases,
        reports: Reports,
        flows: FlowRegistry,
        routing: RoutingTable,
        casework: Casework,
    ) -> None:
        self.access, self.chats, self.cards = access, chats, cards
        self.cases, self.reports, self.flows, self.routing, self.casework = cases, reports, flows, routing, casework

    async def _queues_here(self, user_id: int, chat_id: int, args: list[str]) -> list[str]:
        bindings = await self.cases.bindings()
        if chat_id < 0:
            return [b.key for b in bindings.values() if b.chat_id == chat_id]
        if self.access.is_admin(user_id):
            return [a.lower() for a in args if a.lower() in self.routing.queues] or sorted(self.routing.queues)
        return await self.cases.officer_queues(user_id)

    async def on_queue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        lang = await self.chats.lang(chat.id)
        queues = await self._queues_here(user.id, chat.id, list(context.args or []))
        if not queues and chat.id < 0:
            return  # not a queue group: stay silent
        if not queues:
            await self._not_an_officer(context.bot, chat.id, lang)
            return
        if chat.id < 0 and not await self.access.may_act(context.bot, user.id, queues[0]):
            await self.casework.refused(actor_of(user), "queue", None, "not a member of the queue")
            return
        cases = await self.cases.open_cases(queues, limit=30)
        total = await self.cases.count_open(queues)
        _, live = await self.flows.live()
        names = (
            "، ".join(card.province_name(live, q, lang) for q in queues)
            if lang == "ur"
            else ", ".join(card.province_name(live, q, lang) for q in queues)
        )
        if not cases:
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.QUEUE_EMPTY, queues=names), quote=False))
            return
        lines = ["<b>" + escape(t(lang, texts.QUEUE_HEADER, queues=names, count=total), quote=False) + "</b>", ""]
        for report in cases:
            flow = await self.flows.pinned(report.revision_id)
            status = card.officer_status(report, lang)
            lines.append(card.digest_line(report, flow, lang) + " · " + escape(status, quote=False))
        buttons = [InlineKeyboardButton(r.reference, callback_data=CasePress("open", r.id).data) for r in cases]
        markup = InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
        await self.chats.say(context.bot, chat.id, "\n".join(lines), markup)

    async def on_case(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.id < 0 and not await self.access.is_queue_chat(chat.id):
            return
        lang = await self.chats.lang(chat.id)
        if chat.id > 0 and not self.access.is_admin(user.id) and not await self.cases.officer_queues(user.id):
            await self._not_an_officer(context.bot, chat.id, lang)
            return
        reference = normalise_reference(" ".join(context.args or []))
        if not reference:
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.CASE_USAGE), quote=False))
            return
        report = await self.reports.report_by_reference(reference)
        # In a group, only that group's own cases: a card shown there reaches every member, whoever
        # asked (an admin, or an officer of another queue who is also in this group).
        elsewhere = report is not None and chat.id < 0 and not await self.access.is_queue_chat_of(chat.id, report.queue)
        if report is None or elsewhere or not await self.access.may_act(context.bot, user.id, report.queue):
            why = "another queue's case in this group" if elsewhere else "unknown or not in the user's queues"
            await self.casework.refused(actor_of(user), "case", report, why)
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.CASE_NOT_FOUND), quote=False), refusal=True)
            return
        await self.casework.record(actor_of(user), "open", report)
        await self.cards.show(context.bot, chat.id, report)

    async def _not_an_officer(self, bot: Bot, chat_id: int, lang: str) -> None:
        """A citizen typed an officers' command in a private chat: show the citizen's help instead."""
        await self.chats.say(bot, chat_id, escape(t(lang, citizen_texts.HELP), quote=False), refusal=True)

    async def on_group_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        # In a group that is not a queue the bot says nothing: it must not advertise what it is for.
        if chat is not None and await self.access.is_queue_chat(chat.id):
            lang = await self.chats.lang(chat.id)
            help_text = t(lang, texts.OFFICER_HELP) + "\n" + t(lang, desk_texts.DESK_HELP)
            await self.chats.say(context.bot, chat.id, escape(help_text, quote=False))
