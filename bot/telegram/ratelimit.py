"""The Bot API rate limiter: Telegram's overall limit for every call, and a 429 pauses only its chat.

PTB's ``AIORateLimiter`` honours a 429's ``retry_after`` for *every* request: one card refused with
"retry after 20" in one queue group held an unrelated citizen's /help for 20 s. Telegram's 429s are
per chat (or, for calls without a chat, per method), so that is the scope of the pause here. The
overall bucket (about 30 messages a second) stays for every call that names a chat, and the group
bucket (20 a minute) for messages sent into a group; edits and callback answers do not count
towards the group's 20 (``SendLimits`` paces the sends that matter before they reach here).

A short ``retry_after`` is waited out and the call retried; a long one is raised to the caller, who
knows better: the courier puts the delivery back in the outbox for later, a citizen's reply retries
in that chat's own turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]
# Calls that put a new message into a chat: what Telegram's 20-a-minute group limit counts.
SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendMediaGroup",
        "sendContact",
        "sendLocation",
        "copyMessage",
        "forwardMessage",
    }
)
RETRY_WITHIN = 5.0  # a 429 asking for longer than this goes back to the caller
MAX_PAUSED = 10_000


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        overall_max_rate: float = 30,
        group_max_rate: float = 20,
        group_period: float = 60,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate > 0 else None
        self.group_max_rate, self._group_period = group_max_rate, group_period
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._paused: dict[int | str, float] = {}  # chat id (or method) -> monotonic time it may go again
        self.max_retries = max_retries
        self.clock = clock
        self.pauses = 0  # 429s seen, for the logs and the benchmarks

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def paused_for(self, key: int | str) -> float:
        """Seconds before a call to ``key`` (a chat id, or a method without a chat) may go."""
        return max(0.0, self._paused.get(key, 0.0) - self.clock())

    def _group(self, chat: int | str) -> AsyncLimiter:
        limiter = self._groups.get(chat)
        if limiter is None:
            if len(self._groups) > 512:  # forget idle groups: the map holds only busy ones
                for key in [k for k, v in self._groups.items() if v.has_capacity(v.max_rate)]:
                    del self._groups[key]
            limiter = self._groups[chat] = AsyncLimiter(self.group_max_rate, self._group_period)
        return limiter

    def _pause(self, key: int | str, seconds: float) -> None:
        now = self.clock()
        if len(self._paused) > MAX_PAUSED:
            self._paused = {k: until for k, until in self._paused.items() if until > now}
        self._paused[key] = max(self._paused.get(key, 0.0), now + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat: int | str | None = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat = int(chat)  # type: ignore[arg-type]
        key: int | str = chat if chat is not None else endpoint
        grouped = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        tries = (rate_limit_args if rate_limit_args is not None else self.max_retries) + 1
        for attempt in range(tries):
            wait = self.paused_for(key)
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                async with contextlib.AsyncExitStack() as limits:
                    if grouped and endpoint in SENDING and self.group_max_rate > 0:
                        await limits.enter_async_context(self._group(chat))  # type: ignore[arg-type]
                    if chat is not None and self._overall is not None:
                        await limits.enter_async_context(self._overall)
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc.retry_after)
                self.pauses += 1
                self._pause(key, seconds + 0.1)
                log.warning(
                    "Telegram asked for a pause of %.1f s (%s, %s)", seconds, endpoint, "group" if grouped else "chat"
                )
                if attempt == tries - 1 or seconds > RETRY_WITHIN:
                    raise
        raise AssertionError("unreachable: the last try returns or raises")


def retry_seconds(value: object) -> float:
    """A 429's ``retry_after`` in seconds, a timedelta (PTB_TIMEDELTA) or a number alike."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
