"""A citizen driving a private chat with the bot over the offline Bot API, and a full English walk."""

from __future__ import annotations

import asyncio

from testing.fakeapi.server import FakeBotApi, FakeMessage


def last_question(api: FakeBotApi, chat_id: int) -> FakeMessage:
    with_buttons = [m for m in api.bot_messages(chat_id) if m.reply_markup and "inline_keyboard" in m.reply_markup]
    assert with_buttons, "no question with buttons"
    return with_buttons[-1]


def unmarked(text: str) -> str:
    return text.replace("\u2066", "").replace("\u2069", "")


def button_data(message: FakeMessage, label_part: str) -> str:
    assert message.reply_markup is not None
    for row in message.reply_markup["inline_keyboard"]:
        for button in row:
            if label_part in unmarked(button["text"]):
                return str(button["callback_data"])
    raise AssertionError(f"no button {label_part!r} in {message.reply_markup}")


class Citizen:
    """Drives one private chat: waits for the bot's answer after each action."""

    def __init__(self, api: FakeBotApi, user_id: int, language_code: str | None) -> None:
        self.api = api
        self.id = user_id
        self.user = api.user(user_id, first_name="Citizen", language_code=language_code)

    def count(self) -> int:
        return len(self.api.bot_messages(self.id))

    async def settle(self, before_calls: int) -> None:
        """Wait until the bot made a call after ``before_calls`` and then stayed quiet for 0.3 s.

        Generous on purpose: on a loaded CI machine a step (SQLite fsync) can pause
        between two calls; tests that need a particular reply also wait for it explicitly.
        """
        await self.api.wait_for(lambda: len(self.api.calls) > before_calls + 1, within=10)
        seen = -1
        while seen != len(self.api.calls):
            seen = len(self.api.calls)
            await asyncio.sleep(0.3)

    async def says(self, text: str) -> None:
        before = len(self.api.calls)
        self.user.send(text)
        await self.settle(before)

    async def taps(self, label_part: str) -> None:
        question = last_question(self.api, self.id)
        before = len(self.api.calls)
        self.user.press(question.message_id, button_data(question, label_part))
        await self.settle(before)

    def texts(self) -> list[str]:
        """The bot's messages as read: the invisible isolates around numbers and Latin words in Urdu
        lines (``bot.bidi``) are dropped, so tests compare wording; tests/test_bidi.py checks the marks."""
        return [unmarked(m.text or "") for m in self.api.bot_messages(self.id)]


async def walk_to_send(
    c: Citizen,
    province: str = "Punjab",
    account: str = "He posts <b>lies</b> about me & my family </a> every day.",
    links: str = "see https://www.facebook.com/liar.page?fbclid=x",
    contact: str = "Only through this chat",
    phone: str = "",
    suspects: str = "@liar_page",
) -> None:
    """The English report up to its last screen: the review with "Send to NCCIA"."""
    await c.says("/start")
    await c.taps("English")
    await c.taps("For myself")
    await c.taps("No")
    await c.says(account)
    await c.taps("Threatening")
    await c.taps("Facebook")
    await c.taps("Done")
    await c.taps(province)
    await c.says("March 2025")
    await c.taps("Yes")
    await c.says(links)
    await c.taps("Done")
    await c.says(suspects)
    await c.taps(contact)
    if phone:
        await c.says(phone)


async def walk_english(c: Citizen) -> None:
    await walk_to_send(c)
    await c.taps("Send to NCCIA")


HOSTILE = "He posts <b>lies</b> about me & my family </a> every day."


async def report(
    c: Citizen,
    province: str,
    account: str = HOSTILE,
    contact: str = "Only through this chat",
    phone: str = "",
    *,
    links: str = "see https://www.facebook.com/liar.page?fbclid=x and https://instagram.com/liar",
    suspects: str = "@liar_page",
) -> str:
    """Walk the English flow to the end; returns the reference."""
    await walk_to_send(c, province, account, links, contact, phone, suspects)
    await c.taps("Send to NCCIA")
    await c.api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    return c.texts()[-1].split("Reference number: ")[1].split()[0]
