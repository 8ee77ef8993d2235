"""Telegram's sending limits as sliding windows, shared by the outbox worker and interactive replies.

Telegram allows a bot about 20 messages a minute into one group, about one a second into one
private chat and about 30 a second overall; past them it answers 429 and may slow the bot down
further. Every Bot API call goes through these windows (``ratelimit.ChatRateLimiter``, the bot's
only rate limiter), and the courier plans its deliveries by them, so a burst of cases and an
officer's /queue never add up to more than the group allows. The windows are a little wider than
Telegram's (``margin``) because our clock starts before the request reaches Telegram's.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    seconds: float


GROUP = Limit(20, 60.0)
PRIVATE = Limit(1, 1.0)
GLOBAL = Limit(30, 1.0)


class Window:
    def __init__(self, limit: Limit, margin: float) -> None:
        self.limit = limit
        self.span = limit.seconds + margin
        self.times: deque[float] = deque()
        self.paused_until = 0.0

    def _trim(self, now: float) -> None:
        while self.times and now - self.times[0] >= self.span:
            self.times.popleft()

    def free(self, now: float) -> int:
        if now < self.paused_until:
            return 0
        self._trim(now)
        return self.limit.count - len(self.times)

    def wait(self, now: float, slots: int = 1) -> float:
        """Seconds until ``slots`` more messages may go."""
        if now < self.paused_until:
            return self.paused_until - now
        self._trim(now)
        busy = len(self.times) - (self.limit.count - slots)
        if busy <= 0:
            return 0.0
        return self.times[busy - 1] + self.span - now


class SendLimits:
    def __init__(
        self,
        group: Limit = GROUP,
        private: Limit = PRIVATE,
        overall: Limit = GLOBAL,
        margin: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.group, self.private, self.margin, self.clock = group, private, margin, clock
        self.overall = Window(overall, min(margin, 0.2))
        self._chats: dict[int, Window] = {}

    def _window(self, chat_id: int) -> Window:
        window = self._chats.get(chat_id)
        if window is None:
            window = Window(self.group if chat_id < 0 else self.private, self.margin)
            self._chats[chat_id] = window
            if len(self._chats) > 20_000:
                self._forget_idle()
        return window

    def _forget_idle(self) -> None:
        now = self.clock()
        for chat_id in [c for c, w in self._chats.items() if w.free(now) == w.limit.count]:
            del self._chats[chat_id]

    def free(self, chat_id: int) -> int:
        """How many messages may go into ``chat_id`` now (the overall limit included)."""
        now = self.clock()
        return max(0, min(self._window(chat_id).free(now), self.overall.free(now)))

    def room_now(self, chat_id: int) -> bool:
        """A message may go into ``chat_id`` now without waiting: a group needs a free slot of its window;
        a private chat only the overall rate and no 429 pause (the rate limiter lets a private chat's
        messages go at once and counts them, see ratelimit.py)."""
        if chat_id < 0:
            return self.free(chat_id) > 0
        return self.overall.free(self.clock()) > 0 and self.paused_for(chat_id) == 0

    def chat_free(self, chat_id: int) -> int:
        """The chat's own window only: what the next minute can hold, whatever the overall rate."""
        return max(0, self._window(chat_id).free(self.clock()))

    def wait(self, chat_id: int, slots: int = 1) -> float:
        """Seconds until ``slots`` messages may go into ``chat_id`` (the overall limit: one)."""
        now = self.clock()
        return max(self._window(chat_id).wait(now, slots), self.overall.wait(now))

    def take(self, chat_id: int) -> None:
        """Count one message into ``chat_id`` as sent now. Call only when ``free`` said so."""
        now = self.clock()
        self._window(chat_id).times.append(now)
        self.overall.times.append(now)

    async def acquire(self, chat_id: int) -> None:
        """Wait for a slot in ``chat_id`` (and the overall rate) and take it."""
        await _wait_for(lambda: self.wait(chat_id))
        self.take(chat_id)

    async def acquire_overall(self, chat_id: int | None = None) -> None:
        """Wait for the overall rate only and take a slot of it; with ``chat_id``, the message is also
        counted in that chat's window without waiting for it (a citizen's two or three replies to
        her own message go at once, which Telegram allows in a private chat)."""
        await _wait_for(lambda: max(self.overall.wait(self.clock()), self.paused_for(chat_id)))
        now = self.clock()
        self.overall.times.append(now)
        if chat_id is not None:
            self._window(chat_id).times.append(now)

    def paused_for(self, chat_id: int | None) -> float:
        """Seconds left of a 429's pause for ``chat_id`` (0 when none)."""
        window = self._chats.get(chat_id) if chat_id is not None else None
        return max(0.0, window.paused_until - self.clock()) if window is not None else 0.0

    def sent_before(self, chat_id: int, at: float) -> None:
        """Count a message sent into ``chat_id`` at ``at`` (this clock) by someone else: a courier taking
        over from another instance counts what that one sent within the window."""
        window = self._window(chat_id)
        window.times = deque(sorted([*window.times, at]))

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 with ``retry_after``: send nothing more into that chat until then."""
        window = self._window(chat_id)
        window.paused_until = max(window.paused_until, self.clock() + seconds)


async def _wait_for(delay: Callable[[], float]) -> None:
    # Polling, not an Event: slots free up by the clock, not by anything another task does.
    seconds = delay()
    while seconds > 0:
        await asyncio.sleep(seconds)
        seconds = delay()
