"""Per-chat ordering and per-user flood control (every role: citizens, officers, admins).

PTB runs updates concurrently; one chat's updates must still run in order, or a fast double tap
could answer two questions with one press. ``ChatLocks`` hands out one lock per chat and forgets
it when nobody holds or waits for it, so the map stays as small as the number of busy chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class FloodControl:
    """A sliding one-minute window per user; ``allow`` is False past the limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._pruned = clock()

    def allow(self, user_id: int) -> bool:
        now = self.clock()
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        self._warned.discard(user_id)
        if now - self._pruned > 60:  # forget users idle for a minute: the map holds only recent senders
            self._pruned = now
            for uid in [u for u, w in self._seen.items() if not w or now - w[-1] > 60]:
                del self._seen[uid]
                self._warned.discard(uid)
        return True

    def first_warning(self, user_id: int) -> bool:
        """True once per flood, so the slow-down note is not itself a flood."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def limited(flood: FloodControl, handler: Handler) -> Handler:
    """``handler`` behind the per-user flood limit (officers' and admins' commands and buttons).

    Past the limit the update is dropped in silence: a refusal would itself be a message waiting for
    the chat's sending window. A pressed button still gets its spinner stopped, which costs no
    message. Citizens' handlers apply the same limit inside their chat's turn (``CitizenBot.turn``).
    """

    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None or flood.allow(user.id):
            await handler(update, context)
            return
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()

    return guarded
