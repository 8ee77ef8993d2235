"""Queues: which group each queue's cases go to, which officers belong to a queue, and where a new case goes.

Bound at start-up from FOCAL_QUEUES; an admin changes a binding with /bindqueue (sent in the group)
and registers officers with /focal (in a private chat).
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.flows import FlowRegistry
from bot.cases.routing import RoutingTable
from bot.config import Settings
from bot.i18n import t
from bot.store.ports import Cases
from bot.store.records import QueueBinding

from .. import card
from ..callback_data import record_id
from ..courier import Courier
from . import texts
from .access import Access, actor_of
from .chats import OfficerChats

log = logging.getLogger(__name__)


class Queues:
    def __init__(
        self,
        settings: Settings,
        routing: RoutingTable,
        cases: Cases,
        flows: FlowRegistry,
        access: Access,
        chats: OfficerChats,
        casework: Casework,
        courier: Courier,
    ) -> None:
        self.settings, self.routing, self.cases, self.flows = settings, routing, cases, flows
        self.access, self.chats, self.casework, self.courier = access, chats, casework, courier
        self.bound: frozenset[str] = frozenset()

    def route(self, province: str) -> str:
        return self.routing.route(province, None, self.bound)

    async def load_bindings(self) -> dict[str, QueueBinding]:
        bindings = await self.cases.bindings()
        self.bound = frozenset(bindings)
        return bindings

    async def bind_configured(self) -> None:
        """Bind the queues named in FOCAL_QUEUES (start-up); /bindqueue can change them later."""
        for key, chat_id in self.settings.focal_queues.items():
            lang = self.settings.queue_languages.get(key, "en")
            await self.cases.bind(key, chat_id, lang, None)
        bindings = await self.load_bindings()
        if self.routing.fallback not in bindings:
            log.warning(
                "the fallback queue %r has no group: unrouted cases wait until one is bound", self.routing.fallback
            )

    # ---- commands --------------------------------------------------------------------------------

    async def on_bindqueue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        lang = await self.chats.lang(chat.id)
        args = [a.lower() for a in context.args or []]
        if not self.access.is_admin(user.id):
            await self.casework.refused(actor_of(user), "bind_queue", None, f"chat {chat.id}")
            if chat.id < 0 and not await self.access.is_queue_chat(chat.id):
                return  # a group that is not a queue hears nothing: the bot does not say what it is for
            await self.chats.say(
                context.bot, chat.id, escape(t(lang, texts.BIND_ADMINS_ONLY), quote=False), refusal=True
            )
            return
        if chat.id > 0:
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.BIND_IN_GROUP), quote=False))
            return
        queues = ", ".join(sorted(self.routing.queues))
        if not args or args[0] not in self.routing.queues or (len(args) > 1 and args[1] not in ("ur", "en")):
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.BIND_USAGE, queues=queues), quote=False))
            return
        new_lang = args[1] if len(args) > 1 else "en"
        await self.cases.bind(args[0], chat.id, new_lang, user.id)
        await self.load_bindings()
        language = t(new_lang, texts.LANGUAGE_NAMES[new_lang])
        _, live = await self.flows.live()
        name = card.province_name(live, args[0], new_lang)
        await self.chats.say(
            context.bot, chat.id, escape(t(new_lang, texts.BIND_DONE, queue=name, language=language), quote=False)
        )
        self.courier.wake()

    async def on_focal(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.id < 0:
            return
        lang = await self.chats.lang(chat.id)
        if not self.access.is_admin(user.id):
            await self.casework.refused(actor_of(user), "focal", None, "not an admin")
            await self.chats.say(
                context.bot, chat.id, escape(t(lang, texts.BIND_ADMINS_ONLY), quote=False), refusal=True
            )
            return
        args = [a.lower() for a in context.args or []]
        if not args:
            officers = await self.cases.officers()
            if not officers:
                text = t(lang, texts.FOCAL_NONE)
            else:
                text = t(lang, texts.FOCAL_LIST) + "\n" + "\n".join(f"{q}: {u}" for q, u in officers)
            await self.chats.say(context.bot, chat.id, escape(text + "\n\n" + t(lang, texts.FOCAL_USAGE), quote=False))
            return
        ok = (
            len(args) == 3
            and args[0] in ("add", "remove")
            and args[1] in self.routing.queues
            and record_id(args[2]) is not None
        )
        if not ok:
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.FOCAL_USAGE), quote=False))
            return
        if args[0] == "add":
            await self.cases.add_officer(args[1], int(args[2]), user.id)
        else:
            await self.cases.remove_officer(args[1], int(args[2]), user.id)
        await self.chats.say(context.bot, chat.id, escape(t(lang, texts.FOCAL_DONE), quote=False))
