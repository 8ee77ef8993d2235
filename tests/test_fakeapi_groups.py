"""The offline Bot API's groups, replies and sending limits, driven over real HTTP as PTB drives them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    Update,
)

from testing.fakeapi.limits import max_in_window, wait_for_slot
from testing.fakeapi.server import ApiError, FakeBotApi

GROUP = -1001234
BUTTONS = {"inline_keyboard": [[{"text": "Claim", "callback_data": "f.claim.1"}]]}


class Clock:
    """A monotonic clock the test moves by hand, so windows do not depend on how fast the machine is."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def clock(api: FakeBotApi) -> Clock:
    api.monotonic = clock = Clock()
    return clock


async def call(api: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


async def call_form(api: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """As PTB sends: form fields, with nested objects as JSON strings."""
    form = {k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


async def send(api: FakeBotApi, chat_id: int, text: str = "hello", **params: Any) -> tuple[int, dict[str, Any]]:
    return await call(api, "sendMessage", chat_id=chat_id, text=text, **params)


# ---- limits ------------------------------------------------------------------------------------


async def test_the_21st_group_message_in_a_minute_gets_429_with_retry_after_and_is_not_stored(
    api: FakeBotApi, clock: Clock
) -> None:
    api.group(GROUP)
    for n in range(20):
        assert (await send(api, GROUP, f"case {n}"))[0] == 200
        clock.t += 1.0
    clock.t -= 0.5  # 19.5 s after the first
    status, body = await send(api, GROUP, "one too many")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 41",
        "parameters": {"retry_after": 41},
    }
    assert [m.text for m in api.bot_messages(GROUP)] == [f"case {n}" for n in range(20)]
    assert api.limit_violations == 1 and api.rate_limited == [("sendMessage", GROUP)]
    clock.t = 1000.0 + 59.9
    assert (await send(api, GROUP, "still too early"))[1]["parameters"] == {"retry_after": 1}
    clock.t = 1000.0 + 60.0  # the first message has left the window
    assert (await send(api, GROUP, "fits"))[0] == 200
    assert api.max_in_window(GROUP) == 20 and api.max_in_window(GROUP, 61.0) == 21
    assert len(api.sent_times[GROUP]) == 21 and api.limit_violations == 2


async def test_photos_copies_and_forwards_count_but_edits_deletes_and_answers_do_not(
    api: FakeBotApi, clock: Clock
) -> None:
    api.group(GROUP)
    api.group_limit = (3, 60.0)
    _, first = await send(api, GROUP, "card", reply_markup=BUTTONS)
    card = first["result"]["message_id"]
    assert (await call(api, "sendPhoto", chat_id=GROUP, photo="x"))[0] == 200
    assert (await call(api, "copyMessage", chat_id=GROUP, from_chat_id=GROUP, message_id=card))[0] == 200
    assert (await call(api, "forwardMessage", chat_id=GROUP, from_chat_id=GROUP, message_id=card))[0] == 429
    assert (await call(api, "sendDocument", chat_id=GROUP, document="x"))[0] == 429
    assert (await call(api, "editMessageText", chat_id=GROUP, message_id=card, text="claimed"))[0] == 200
    query = api.user(5).press(card, "f.claim.1", chat_id=GROUP)
    assert (await call(api, "answerCallbackQuery", callback_query_id=query))[0] == 200
    assert (await call(api, "deleteMessage", chat_id=GROUP, message_id=card))[0] == 200
    assert api.rate_limited == [("forwardMessage", GROUP), ("sendDocument", GROUP)]
    assert len(api.chat(GROUP)) == 3


async def test_private_chats_are_unlimited_by_default_and_limited_when_asked(api: FakeBotApi, clock: Clock) -> None:
    api.user(7).send("hi")
    for n in range(40):
        assert (await send(api, 7, f"reply {n}"))[0] == 200
        clock.t += 0.1  # 10 a second, under the overall limit
    api.private_limit = (1, 1.0)
    assert (await send(api, 7, "too soon after the last"))[0] == 429
    clock.t += 1.0
    assert (await send(api, 7, "first"))[0] == 200
    status, body = await send(api, 7, "second")
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    assert api.limit_violations == 2 and len(api.bot_messages(7)) == 41


async def test_the_overall_limit_spans_chats_and_none_switches_a_limit_off(api: FakeBotApi, clock: Clock) -> None:
    for user_id in range(1, 32):
        api.user(user_id).send("hi")
    for user_id in range(1, 31):
        assert (await send(api, user_id))[0] == 200
    status, body = await send(api, 31)
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    api.global_limit = None
    assert (await send(api, 31))[0] == 200
    api.group(GROUP)
    api.group_limit = None
    for _ in range(25):
        assert (await send(api, GROUP))[0] == 200
    assert api.max_in_window(GROUP) == 25 and api.limit_violations == 1


def test_window_arithmetic() -> None:
    assert wait_for_slot([], (1, 1.0), 5.0) == 0.0
    assert wait_for_slot([1.0, 2.0, 3.0], None, 3.0) == 0.0
    assert wait_for_slot([1.0, 2.0, 3.0], (3, 60.0), 3.0) == pytest.approx(58.0)
    assert wait_for_slot([1.0, 2.0, 3.0], (3, 60.0), 61.0) == 0.0  # 1.0 has just left the window
    assert max_in_window([0.0, 10.0, 59.9, 60.0, 61.0], 60.0) == 4  # [10, 70)
    assert max_in_window([0.0, 10.0, 59.9, 60.0, 61.0], 1.0) == 2  # [59.9, 60.9); 61 is not in [60, 61)
    assert max_in_window([], 60.0) == 0


# ---- members -----------------------------------------------------------------------------------


async def test_get_chat_member_answers_every_status_as_ptb_parses_it(api: FakeBotApi) -> None:
    group = api.group(GROUP)
    expected: dict[int, tuple[str, type[ChatMember]]] = {
        1: ("creator", ChatMemberOwner),
        2: ("administrator", ChatMemberAdministrator),
        3: ("member", ChatMemberMember),
        4: ("left", ChatMemberLeft),
        5: ("kicked", ChatMemberBanned),
    }
    for user_id, (status, _) in expected.items():
        group.add_member(api.user(user_id, f"User{user_id}"), status)
    expected[6] = ("left", ChatMemberLeft)  # never added
    expected[api.bot_id] = ("administrator", ChatMemberAdministrator)
    for user_id, (status, kind) in expected.items():
        code, body = await call(api, "getChatMember", chat_id=GROUP, user_id=user_id)
        assert code == 200
        member = ChatMember.de_json(body["result"], bot=None)
        assert type(member) is kind and member.status == status and member.user.id == user_id
    group.remove_member(api.user(3))
    assert (await call(api, "getChatMember", chat_id=GROUP, user_id=3))[1]["result"]["status"] == "left"
    assert (await call(api, "getChatMember", chat_id=-999, user_id=1))[1] == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    with pytest.raises(ValueError):
        group.add_member(api.user(1), "owner")


# ---- replies -----------------------------------------------------------------------------------


async def test_a_created_group_is_a_chat_and_its_messages_say_supergroup(api: FakeBotApi) -> None:
    assert (await send(api, GROUP))[0] == 400
    api.group(GROUP, "Punjab queue")
    _, body = await send(api, GROUP, "card")
    assert body["result"]["chat"] == {"id": GROUP, "type": "supergroup", "title": "Punjab queue"}
    assert body["result"]["from"]["is_bot"] is True


async def test_reply_parameters_are_recorded_and_the_replied_message_comes_back(api: FakeBotApi) -> None:
    api.group(GROUP)
    api.user(5).send_in_group(GROUP, "first")
    card_id = (await send(api, GROUP, "card"))[1]["result"]["message_id"]
    _, answer = await send(
        api, GROUP, "answer", reply_parameters={"message_id": card_id}, link_preview_options={"is_disabled": True}
    )
    replied = answer["result"]["reply_to_message"]
    assert (replied["message_id"], replied["text"], replied["from"]["is_bot"]) == (card_id, "card", True)
    answer_id = answer["result"]["message_id"]
    assert api.find(GROUP, answer_id).reply_to == card_id
    _, again = await call_form(
        api, "sendMessage", chat_id=GROUP, text="again", reply_parameters={"message_id": answer_id}
    )
    assert "reply_to_message" not in again["result"]["reply_to_message"]  # one level, as Telegram gives it
    _, old = await send(api, GROUP, "old style", reply_to_message_id=1, disable_web_page_preview=True)
    assert old["result"]["reply_to_message"]["from"]["id"] == 5


async def test_a_reply_to_a_missing_message_is_refused_unless_allowed(api: FakeBotApi) -> None:
    api.group(GROUP)
    code, body = await send(api, GROUP, "x", reply_parameters={"message_id": 99})
    assert (code, body["description"]) == (400, "Bad Request: message to be replied not found")
    assert (await send(api, GROUP, "x", reply_to_message_id=99))[0] == 400
    code, body = await send(api, GROUP, "x", reply_parameters={"message_id": 99, "allow_sending_without_reply": True})
    assert code == 200 and "reply_to_message" not in body["result"]
    assert api.find(GROUP, body["result"]["message_id"]).reply_to is None
    assert api.sent_times[GROUP] and len(api.sent_times[GROUP]) == 1  # refused sends are not counted


async def test_a_users_reply_in_a_group_carries_the_bots_message(api: FakeBotApi) -> None:
    api.group(GROUP, "Punjab queue")
    prompt = (await send(api, GROUP, "Reply to this message with your question"))[1]["result"]["message_id"]
    officer = api.user(501, "Ayesha")
    officer.send_in_group(GROUP, "/ask do you have the date?", reply_to=prompt)
    payload = api.updates[-1]["message"]
    assert payload["chat"] == {"id": GROUP, "type": "supergroup", "title": "Punjab queue"}
    assert payload["from"]["id"] == 501
    assert payload["entities"] == [{"type": "bot_command", "offset": 0, "length": 4}]
    replied = payload["reply_to_message"]
    assert replied["from"]["is_bot"] is True and replied["text"] == "Reply to this message with your question"
    update = Update.de_json(api.updates[-1], bot=None)
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == prompt
    with pytest.raises(ApiError):
        officer.send_in_group(GROUP, "to nothing", reply_to=404)


# ---- presses and helpers -----------------------------------------------------------------------


async def test_pressing_a_button_in_a_group_gives_the_group_message(api: FakeBotApi) -> None:
    api.group(GROUP, "Punjab queue")
    card = (await send(api, GROUP, "Case ABC", reply_markup=BUTTONS))[1]["result"]["message_id"]
    officer = api.user(501, "Ayesha")
    query = officer.press(card, "f.claim.1", chat_id=GROUP)
    callback = api.updates[-1]["callback_query"]
    assert callback["id"] == query and callback["from"]["id"] == 501 and callback["data"] == "f.claim.1"
    message = callback["message"]
    assert message["chat"] == {"id": GROUP, "type": "supergroup", "title": "Punjab queue"}
    assert (message["message_id"], message["text"], message["reply_markup"]) == (card, "Case ABC", BUTTONS)
    assert (await call(api, "answerCallbackQuery", callback_query_id=query, text="Claimed"))[0] == 200
    with pytest.raises(ApiError):
        officer.press(card, "f.claim.1")  # not a message of the private chat with the officer


async def test_pressing_in_the_private_chat_is_unchanged(api: FakeBotApi) -> None:
    user = api.user(7, "Amna")
    user.send("/start")
    message_id = (await send(api, 7, "Choose", reply_markup=BUTTONS))[1]["result"]["message_id"]
    user.press(message_id, "f.claim.1")
    message = api.updates[-1]["callback_query"]["message"]
    assert message["chat"] == {"id": 7, "type": "private", "first_name": "Amna"}
    assert message["from"]["is_bot"] is True


async def test_group_helpers_list_what_is_shown(api: FakeBotApi) -> None:
    group = api.group(GROUP)
    api.user(5).send_in_group(GROUP, "Case please")
    first = (await send(api, GROUP, "Case ABC is open"))[1]["result"]["message_id"]
    await send(api, GROUP, "Case XYZ is open")
    await call(api, "deleteMessage", chat_id=GROUP, message_id=first)
    assert [m.text for m in group.messages()] == ["Case please", "Case XYZ is open"]
    assert [m.text for m in group.bot_messages()] == ["Case XYZ is open"]
    assert [m.text for m in group.find_text("Case")] == ["Case XYZ is open"]
    assert [m.text for m in group.find_text("Case", include_users=True)] == ["Case please", "Case XYZ is open"]
    assert [m.text for m in api.chat(GROUP)] == ["Case please", "Case ABC is open", "Case XYZ is open"]
