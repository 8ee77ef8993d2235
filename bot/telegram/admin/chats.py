"""An admin's private chat: its language, text sent in as many messages as it needs, and the refusal
anyone who is not an admin gets (audited)."""

from __future__ import annotations

from html import escape

from telegram import Bot, InlineKeyboardMarkup, User

from bot.cases.ids import chat_key
from bot.clock import now_iso
from bot.i18n import t
from bot.store.ports import Audit, Sessions
from bot.store.records import AuditEntry

from ..render import split
from ..send import Sender
from . import texts


def name_of(user: User) -> str:
    return user.full_name[:64]


class AdminChats:
    def __init__(self, sessions: Sessions, audit: Audit, sender: Sender) -> None:
        self.sessions, self.audit, self.sender = sessions, audit, sender

    async def lang(self, chat_id: int) -> str:
        state = await self.sessions.chat_state(chat_key(chat_id))
        return state.lang if state else "en"

    async def say(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        most: int | None = None,
    ) -> None:
        """Send ``text`` in as many messages as it needs, or ``most``: the last one then ends with "…"."""
        pieces = _html_pieces(text)
        if most is not None and len(pieces) > most:
            pieces = pieces[:most]
            pieces[-1] += "\n…"
        for i, piece in enumerate(pieces):
            await self.sender.send(bot, chat_id, piece, markup if i == len(pieces) - 1 else None)

    async def refuse(self, bot: Bot, user: User, chat_id: int, action: str) -> None:
        await self.audit.record(
            AuditEntry(now_iso(), user.id, name_of(user), action, None, None, False, "not an admin")
        )
        await self.say(bot, chat_id, t(await self.lang(chat_id), texts.ADMINS_ONLY))


def _html_pieces(text: str) -> list[str]:
    """``text`` escaped for parse_mode HTML, in pieces that each fit a message: escaping turns one
    character into as many as five (``&amp;``), so a piece that grows too much is cut smaller."""
    pieces: list[str] = []
    for piece in split(text, 3900):
        escaped = escape(piece, quote=False)
        if len(escaped) <= 4000:
            pieces.append(escaped)
        else:
            pieces += [escape(small, quote=False) for small in split(piece, 800)]
    return pieces
