"""An officers' chat: the language it reads, and sending into it within its limits."""

from __future__ import annotations

import logging

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message
from telegram.error import Forbidden, NetworkError

from bot.cases.ids import chat_key
from bot.store.ports import Cases, Sessions

from ..courier import Courier
from ..send import Sender

log = logging.getLogger(__name__)


class OfficerChats:
    def __init__(self, sessions: Sessions, cases: Cases, sender: Sender, courier: Courier) -> None:
        self.sessions, self.cases, self.sender, self.courier = sessions, cases, sender, courier

    async def lang(self, chat_id: int) -> str:
        """A queue group reads its binding's language; a private chat, the one its user chose."""
        if chat_id < 0:
            bindings = await self.cases.bindings()
            return next((b.lang for b in bindings.values() if b.chat_id == chat_id), "en")
        state = await self.sessions.chat_state(chat_key(chat_id))
        return state.lang if state else "en"

    async def say(
        self,
        bot: Bot,
        chat_id: int,
        html: str,
        markup: InlineKeyboardMarkup | ForceReply | None = None,
        reply_to: int | None = None,
        *,
        refusal: bool = False,
    ) -> Message | None:
        """Send now if the chat's window has room; never wait for it.

        Waiting would hold one of the application's update slots for up to a minute per message
        (a group takes 20 a minute): a few hundred commands from one account once stalled every
        citizen. A reply that cannot go now is queued in the outbox and the courier sends it in
        turn; a refusal that cannot go now is dropped (``refusal``): it answers nobody's need and
        queueing it would let a flood fill the outbox.
        """
        if not self.sender.has_room(chat_id):
            if refusal:
                log.info("refusal not sent: the chat's sending window is full")
                return None
            await self.courier.later(chat_id, html, markup, reply_to)
            return None
        try:
            return await self.sender.send(bot, chat_id, html, markup, reply_to=reply_to, preview=False)
        except (Forbidden, NetworkError) as exc:
            log.warning("officer reply not delivered: %s", type(exc).__name__)
            return None
