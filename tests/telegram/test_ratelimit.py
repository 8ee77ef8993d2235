"""The one rate limiter: the windows it counts in are the courier's, and a 429 pauses only its chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.limits import Limit, SendLimits
from bot.telegram.ratelimit import ChatRateLimiter


@pytest.fixture(autouse=True)
def durations_as_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as bot.telegram.app sets it for the bot


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Api:
    """Records each call; ``refuse`` makes the next calls to a chat answer 429."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.refuse: dict[Any, int] = {}

    def call(self, endpoint: str, chat: Any, retry_after: float = 2.0) -> Any:
        async def callback() -> bool:
            if self.refuse.get(chat, 0) > 0:
                self.refuse[chat] -= 1
                raise RetryAfter(timedelta(seconds=retry_after))
            self.calls.append((endpoint, chat))
            return True

        return callback


async def send(limiter: ChatRateLimiter, api: Api, endpoint: str, chat: Any, **kwargs: Any) -> Any:
    data = {"chat_id": chat} if chat is not None else {}
    return await limiter.process_request(api.call(endpoint, chat, **kwargs), (), {}, endpoint, data, None)


async def test_messages_are_counted_in_the_windows_the_courier_plans_by() -> None:
    clock = Clock()
    limits = SendLimits(margin=0.0, clock=clock)
    limiter = ChatRateLimiter(limits, clock=clock)
    api = Api()
    await send(limiter, api, "sendMessage", -100)
    await send(limiter, api, "sendMessage", 42)
    assert limits.chat_free(-100) == 19  # one of the group's 20 a minute
    assert limits.chat_free(42) == 0  # the private chat's one a second: the courier waits for it
    await send(limiter, api, "editMessageText", -100)  # an edit counts towards the overall rate only
    assert limits.chat_free(-100) == 19 and limits.overall.free(clock()) == 27


async def test_a_citizens_replies_go_at_once_but_a_groups_window_is_waited_for() -> None:
    limits = SendLimits(group=Limit(2, 0.4), margin=0.0)  # two a 0.4 s window, on the real clock
    limiter = ChatRateLimiter(limits)
    api = Api()
    for _ in range(3):  # three replies to one message of hers, in the same instant
        await asyncio.wait_for(send(limiter, api, "sendMessage", 42), 0.5)
    await send(limiter, api, "sendMessage", -100)
    await send(limiter, api, "sendMessage", -100)
    third = asyncio.ensure_future(send(limiter, api, "sendMessage", -100))
    await asyncio.sleep(0.05)
    assert not third.done(), "the group's window is full: the third message waits"
    await asyncio.wait_for(third, 2.0)  # until the first leaves the window
    assert api.calls.count(("sendMessage", -100)) == 3


async def test_a_429_pauses_its_own_chat_and_no_other() -> None:
    clock = Clock()
    limits = SendLimits(margin=0.0, clock=clock)
    limiter = ChatRateLimiter(limits, clock=clock)
    api = Api()
    api.refuse[-100] = 1
    with pytest.raises(RetryAfter):
        await send(limiter, api, "sendMessage", -100, retry_after=20.0)  # longer than RETRY_WITHIN: raised
    assert limits.free(-100) == 0 and limits.wait(-100) == pytest.approx(20.1)
    await asyncio.wait_for(send(limiter, api, "sendMessage", 42), 0.5)  # a citizen's reply is not held
    assert ("sendMessage", 42) in api.calls and limiter.pauses == 1


async def test_a_short_429_is_waited_out_and_the_call_tried_again() -> None:
    limits = SendLimits(margin=0.0)
    limiter = ChatRateLimiter(limits)
    api = Api()
    api.refuse[42] = 1
    assert await asyncio.wait_for(send(limiter, api, "sendMessage", 42, retry_after=0.05), 2.0) is True
    assert api.calls == [("sendMessage", 42)] and limiter.pauses == 1


async def test_a_call_without_a_chat_is_paused_by_its_method_only() -> None:
    limits = SendLimits(margin=0.0)
    limiter = ChatRateLimiter(limits)
    api = Api()
    api.refuse[None] = 1
    assert await asyncio.wait_for(send(limiter, api, "setMyCommands", None, retry_after=0.05), 2.0) is True
    await asyncio.wait_for(send(limiter, api, "answerCallbackQuery", None), 0.05)  # another method: at once
    assert [c for c, _ in api.calls] == ["setMyCommands", "answerCallbackQuery"]


async def test_an_interactive_reply_finds_room_in_a_private_chat_that_was_just_answered() -> None:
    clock = Clock()
    limits = SendLimits(clock=clock)
    limiter = ChatRateLimiter(limits, clock=clock)
    api = Api()
    for _ in range(3):
        await send(limiter, api, "sendMessage", 42)  # her turn's replies
    assert limits.chat_free(42) == 0  # counted: the courier waits before its next delivery there ...
    assert limits.room_now(42)  # ... but an officer's or admin's answer to her command goes now
    for _ in range(20):
        await send(limiter, api, "sendMessage", -100)
    assert not limits.room_now(-100)  # a group's full window is waited for, so a reply is queued instead
    limits.pause(42, 5.0)
    assert not limits.room_now(42)
