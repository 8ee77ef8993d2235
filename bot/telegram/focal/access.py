"""Who may act on a case, and which groups are queue groups.

A member of the case's queue group (asked of Telegram, cached for a minute), an officer an admin
registered for that queue, or an admin.
"""

from __future__ import annotations

import time

from telegram import Bot, Update, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.cases.casework import Actor
from bot.store.ports import Admins, Cases

MEMBER_STATUSES = ("creator", "administrator", "member")
MEMBERSHIP_TTL = 60.0


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.full_name[:64])


class Access:
    def __init__(self, admins: Admins, cases: Cases) -> None:
        self.admins, self.cases = admins, cases
        self._members: dict[tuple[int, int], tuple[bool, float]] = {}

    def is_admin(self, user_id: int) -> bool:
        return self.admins.is_admin(user_id)

    async def may_act(self, bot: Bot, user_id: int, queue: str | None) -> bool:
        if self.is_admin(user_id):
            return True
        if queue is None:
            return False
        if queue in await self.cases.officer_queues(user_id):
            return True
        binding = (await self.cases.bindings()).get(queue)
        if binding is None:
            return False
        key = (binding.chat_id, user_id)
        cached = self._members.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            member = await bot.get_chat_member(binding.chat_id, user_id)
            allowed = member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))
        except TelegramError:  # Forbidden, NetworkError, RetryAfter (flood control), BadRequest
            return False  # not cached: a passing fault must not lock an officer out for a minute
        if len(self._members) > 10_000:
            self._members.clear()
        self._members[key] = (allowed, time.monotonic() + MEMBERSHIP_TTL)
        return allowed

    async def on_member_left(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone left (or was removed from) a group: their cached membership goes at once, not in a minute."""
        message = update.effective_message
        if message is not None and message.left_chat_member is not None:
            self._members.pop((message.chat.id, message.left_chat_member.id), None)

    async def is_queue_chat(self, chat_id: int) -> bool:
        return any(b.chat_id == chat_id for b in (await self.cases.bindings()).values())

    async def is_queue_chat_of(self, chat_id: int, queue: str | None) -> bool:
        binding = (await self.cases.bindings()).get(queue or "")
        return binding is not None and binding.chat_id == chat_id
