"""/desk in a private chat: an officer or admin gets a one-time sign-in link to the officers' desk.

The link works once and for a few minutes (desk/passes.py); it is sent without a preview, and the
desk's sign-in page asks for a press before spending it, so nothing that opens links on its own
(a preview, a scanner) signs anyone in. Anyone else is told the desk is for officers.
"""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import urlencode

from telegram import Update
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.desk.passes import Passes
from bot.i18n import t
from bot.store.ports import Cases

from ...desk import texts as desk_texts
from .access import Access, actor_of
from .chats import OfficerChats

log = logging.getLogger(__name__)


class DeskCommand:
    def __init__(self, settings: Settings, access: Access, chats: OfficerChats, cases: Cases, passes: Passes) -> None:
        self.settings, self.access, self.chats, self.cases, self.passes = settings, access, chats, cases, passes

    async def on_desk(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        lang = await self.chats.lang(chat.id)
        if not await self._officer(context, user.id):
            await self.chats.say(context.bot, chat.id, escape(t(lang, desk_texts.DESK_ONLY_OFFICERS)), refusal=True)
            return
        if not self.settings.desk_port:
            await self.chats.say(context.bot, chat.id, escape(t(lang, desk_texts.DESK_OFF)))
            return
        actor = actor_of(user)
        token = await self.passes.issue(actor.user_id, actor.name)
        desk_lang = "ur" if lang == "ur" else "en"
        link = f"{self.settings.desk_url}/signin?{urlencode({'t': token, 'lang': desk_lang})}"
        minutes = self.passes.pass_seconds // 60
        text = t(lang, desk_texts.DESK_LINK, minutes=minutes, link=link)
        await self.chats.say(context.bot, chat.id, escape(text, quote=False))
        log.info("desk: sign-in link sent to user %d", user.id)

    async def _officer(self, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
        if self.access.is_admin(user_id):
            return True
        queues = set(await self.cases.bindings()) | set(await self.cases.officer_queues(user_id))
        for queue in sorted(queues):
            if await self.access.may_act(context.bot, user_id, queue):
                return True
        return False
