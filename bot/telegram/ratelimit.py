"""The bot's one rate limiter: every Bot API call passes here, counted in the same windows
(``SendLimits``) by which the courier plans its deliveries and officers' replies find room.

- A message into a group waits for the group's window (about 20 a minute) and the overall rate.
- A message into a private chat waits for the overall rate only and is counted in the chat's window:
  a citizen's two or three replies to her own message go at once, which Telegram allows.
- Any other call naming a chat (edits, deletions) waits for the overall rate (about 30 a second).
- A 429 pauses only its chat (or, for a call without a chat, its method): PTB's ``AIORateLimiter``
  paused every request, so one card refused with "retry after 20" in one queue group held an
  unrelated citizen's /help for 20 s. A short pause is waited out and the call retried; a long one
  is raised to the caller, who knows better: the courier puts the delivery back in the outbox for
  later, a citizen's reply retries in that chat's own turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from . import metrics
from .limits import SendLimits

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]
# Calls that put a new message into a chat: what Telegram's per-chat limits count.
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
MAX_PAUSED = 1_000


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(self, limits: SendLimits, max_retries: int = 3, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.max_retries = max_retries
        self.clock = clock
        self._methods: dict[str, float] = {}  # a method without a chat -> monotonic time it may go again
        self.pauses = 0  # 429s seen, for the logs and the benchmarks

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def _admit(self, chat: int | str | None, endpoint: str) -> None:
        if not isinstance(chat, int):
            # A call without a chat (or naming a channel by @name): only a 429's pause holds it.
            wait = self._methods.get(endpoint, 0.0) - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            return
        if endpoint in SENDING and chat < 0:
            await self.limits.acquire(chat)
        elif endpoint in SENDING:
            await self.limits.acquire_overall(chat)
        else:
            await self.limits.acquire_overall()
            wait = self.limits.paused_for(chat)
            if wait > 0:
                await asyncio.sleep(wait)

    def _pause(self, chat: int | str | None, endpoint: str, seconds: float) -> None:
        if isinstance(chat, int):
            self.limits.pause(chat, seconds)
            return
        now = self.clock()
        if len(self._methods) > MAX_PAUSED:
            self._methods = {k: until for k, until in self._methods.items() if until > now}
        self._methods[endpoint] = max(self._methods.get(endpoint, 0.0), now + seconds)

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
        tries = (rate_limit_args if rate_limit_args is not None else self.max_retries) + 1
        for attempt in range(tries):
            await self._admit(chat, endpoint)
            try:
                result = await callback(*args, **kwargs)
            except Exception as exc:  # not a cancellation: that is no failure of Telegram's
                metrics.api_failed(exc)
                if not isinstance(exc, RetryAfter):
                    raise
                seconds = retry_seconds(exc.retry_after)
                self.pauses += 1
                self._pause(chat, endpoint, seconds + 0.1)
                kind = "group" if isinstance(chat, int) and chat < 0 else "chat" if chat is not None else "method"
                log.warning("Telegram asked for a pause of %.1f s (%s, %s)", seconds, endpoint, kind)
                if attempt == tries - 1 or seconds > RETRY_WITHIN:
                    raise
            else:
                metrics.api_succeeded()
                return result
        raise AssertionError("unreachable: the last try returns or raises")


def retry_seconds(value: object) -> float:
    """A 429's ``retry_after`` in seconds, a timedelta (PTB_TIMEDELTA) or a number alike."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
