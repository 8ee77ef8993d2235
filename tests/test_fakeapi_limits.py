"""The offline Bot API refuses what Telegram refuses: the 21st group message in a minute, with retry_after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from telegram import ChatMember

from testing.fakeapi.server import FakeBotApi


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def call(api: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


async def test_the_21st_group_message_in_a_minute_is_refused_with_retry_after_and_not_stored(api: FakeBotApi) -> None:
    api.group(-100)
    for n in range(20):
        status, _ = await call(api, "sendMessage", chat_id=-100, text=f"case {n}")
        assert status == 200
    status, body = await call(api, "sendMessage", chat_id=-100, text="one too many")
    assert status == 429 and 55 <= body["parameters"]["retry_after"] <= 60
    assert len(api.bot_messages(-100)) == 20 and api.limit_violations == 1
    assert api.max_in_window(-100, 60.0) == 20


async def test_private_chats_are_not_limited_unless_asked(api: FakeBotApi) -> None:
    api.user(7).send("hi")
    for n in range(25):
        status, _ = await call(api, "sendMessage", chat_id=7, text=f"reply {n}")
        assert status == 200


async def test_membership_is_answered_as_telegram_does(api: FakeBotApi) -> None:
    group = api.group(-100)
    for user_id, status in ((1, "creator"), (2, "administrator"), (3, "member"), (4, "kicked")):
        group.add_member(api.user(user_id), status)
    for user_id, expected in ((1, "creator"), (2, "administrator"), (3, "member"), (4, "kicked"), (5, "left")):
        code, body = await call(api, "getChatMember", chat_id=-100, user_id=user_id)
        assert code == 200
        member = ChatMember.de_json(body["result"], bot=None)
        assert member is not None and member.status == expected
    code, _ = await call(api, "getChatMember", chat_id=-999, user_id=1)
    assert code == 400


async def test_replies_carry_the_replied_message(api: FakeBotApi) -> None:
    api.group(-100)
    _, sent = await call(api, "sendMessage", chat_id=-100, text="card")
    card_id = sent["result"]["message_id"]
    _, reply = await call(api, "sendMessage", chat_id=-100, text="answer", reply_parameters={"message_id": card_id})
    assert reply["result"]["reply_to_message"]["text"] == "card"
    code, _ = await call(api, "sendMessage", chat_id=-100, text="x", reply_parameters={"message_id": 999})
    assert code == 400
    api.user(5).send_in_group(-100, "question", reply_to=card_id)
    update = api.updates[-1]["message"]
    assert update["chat"]["type"] == "supergroup" and update["reply_to_message"]["from"]["is_bot"] is True
