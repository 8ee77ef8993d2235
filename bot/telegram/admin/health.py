"""``/health`` for admins: what /healthz and /metrics tell an operator, in the admin's chat and language,
for an NGO without a dashboard."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.i18n import t
from bot.store.base import Store
from bot.store.ports import Admins, Stats

from .. import metrics, status
from . import texts
from .chats import AdminChats


class HealthCommand:
    def __init__(self, chats: AdminChats, admins: Admins, store: Store, stats: Stats, settings: Settings) -> None:
        self.chats, self.admins, self.store, self.stats, self.settings = chats, admins, store, stats, settings

    async def on_health(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat.id, "health")
            return
        lang = await self.chats.lang(chat.id)
        await self.chats.say(context.bot, chat.id, await self.text(lang))

    async def text(self, lang: str) -> str:
        health = await status.check(self.store, self.settings)
        lines = [t(lang, texts.HEALTH_OK if health.ok else texts.HEALTH_FAILING)]
        if health.database == "ok":
            lines.append(t(lang, texts.HEALTH_DATABASE_OK))
        else:
            lines.append(t(lang, texts.HEALTH_DATABASE_FAILED, kind=health.database))
        if health.api_seconds is None:
            lines.append(t(lang, texts.HEALTH_API_NEVER))
        else:
            lines.append(t(lang, texts.HEALTH_API, seconds=round(health.api_seconds)))
        figures = await status.figures(self.stats, self.settings) if health.database == "ok" else None
        if figures is not None:
            states: dict[str, int] = {}
            for (_destination, state), count in figures.deliveries.items():
                states[state] = states.get(state, 0) + count
            lines.append(
                t(
                    lang,
                    texts.HEALTH_DELIVERIES,
                    waiting=states.get("pending", 0) + states.get("sending", 0),
                    failed=metrics.failures(),
                    dead=states.get("dead", 0),
                )
            )
            lines.append(t(lang, texts.HEALTH_OVERDUE, count=sum(figures.overdue.values())))
            lines.append(t(lang, texts.HEALTH_SESSIONS, count=figures.sessions_open))
        return "\n".join(lines)
