"""The officers' desk in a real browser: Debian's Chromium, the real bot, the offline Bot API.

A citizen reports over the Bot API; the officer sends /desk to the bot, opens the link it sent in
Chromium, finds the case, claims it, asks a question, sees the citizen's answer arrive, resolves
it. The citizen gets each notice and the card in the queue's group follows every step, as if the
officer had pressed its buttons. Once in English (Punjab), once in Urdu (Sindh, whose cards are
Urdu). With DESK_SCREENSHOTS set to a folder, the list and the case page are saved there (the
pictures in docs/ come from ``DESK_SCREENSHOTS=docs/desk``).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from testing.browser import Browser
from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot
from testing.instances import free_port
from tests.e2e.conftest import ADMIN, PUNJAB, QUEUES, SINDH
from tests.e2e.test_focal_e2e import card_in, report_in_urdu

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signin\?\S+)")


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    for chat_id, title in ((PUNJAB, "Punjab queue"), (SINDH, "Sindh queue")):
        api.group(chat_id, title)
    env = {"FOCAL_QUEUES": QUEUES, "ADMIN_IDS": str(ADMIN), "DESK_PORT": str(free_port())}
    async with running_bot(api, tmp_path / "bot.sqlite3", **env) as running:
        yield running


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    opened = Browser()
    try:
        yield opened
    finally:
        print(f"\nbrowser steps: {opened.steps}")
        opened.close()


def shots(tmp_path: Path) -> Path:
    chosen = os.environ.get("DESK_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path / "screenshots"


async def desk_link(api: FakeBotApi, user_id: int) -> str:
    """Send /desk as the officer, in their private chat with the bot; the link the bot answers with."""
    api.user(user_id).send("/desk")

    def found() -> list[str]:
        return [m.group(1) for msg in api.bot_messages(user_id) if (m := LINK.search(msg.text or ""))]

    await api.wait_for(lambda: bool(found()), within=10)
    return found()[-1]


def card_text(api: FakeBotApi, chat_id: int, message_id: int) -> str:
    return api.find(chat_id, message_id).text or ""


async def test_an_officer_signs_in_with_the_bots_link_and_works_a_case_in_english(
    bot: Running, browser: Browser, tmp_path: Path
) -> None:
    api = bot.api
    officer = api.user(501, "Ayesha")
    api.group(PUNJAB).add_member(officer)
    amna = Citizen(api, 1101, "en")
    reference = await report(amna, "Punjab")
    card = await card_in(api, PUNJAB, reference)

    link = await desk_link(api, 501)
    await browser.open(link)
    await browser.click("#sign-in")
    await browser.wait_for_text("#cases", reference)
    assert "Ayesha" in await browser.text("header")
    await browser.screenshot(shots(tmp_path) / "case-list-en.png")
    # The link was spent: opened again (forwarded, or from the chat's history), it signs nobody in.
    await browser.click_link(reference)
    await browser.wait_for_text("#case-title", reference)
    await browser.screenshot(shots(tmp_path) / "case-page-en.png")

    await browser.click("#claim")
    await browser.wait_for_text("#done", "You have claimed this case.")
    await api.wait_for(lambda: any("An officer is now looking into your report" in t for t in amna.texts()))
    await api.wait_for(lambda: "claimed by Ayesha" in card_text(api, PUNJAB, card.message_id))

    await browser.type("#question", "Do you still have the first message & its date?")
    await browser.click("#ask")
    await browser.wait_for_text("#done", "Your question was sent to the citizen.")
    await api.wait_for(lambda: any("asks:" in t for t in amna.texts()), within=10)
    question = [m for m in api.bot_messages(amna.id) if m.text and "asks:" in m.text][-1]
    assert reference in (question.text or "") and "Do you still have the first message & its date?" in (
        question.text or ""
    )
    assert "Ayesha" not in (question.text or "")
    await api.wait_for(lambda: "waiting for the citizen's answer" in card_text(api, PUNJAB, card.message_id))

    amna.user.send("Yes, from 3 March. <b>not bold</b>", reply_to=question.message_id)
    await browser.wait_for_text("#thread", "Yes, from 3 March. <b>not bold</b>", reload=True)

    await browser.choose("#outcome", "advice")
    await browser.click("#resolve")
    await browser.wait_for_text("#done", "The case is resolved; the citizen has been told.")
    await api.wait_for(lambda: any("has been closed" in t for t in amna.texts()), within=10)
    await api.wait_for(lambda: "resolved by Ayesha" in card_text(api, PUNJAB, card.message_id))
    timeline = await browser.text("#timeline")
    for step in ("claimed", "asked the citizen a question", "the citizen answered", "resolved"):
        assert step in timeline

    # The SLA board counts the case as it stands now; the stats, which cover every queue, are an admin's.
    await browser.click_link("SLA board")
    await browser.wait_for_text("#board", "Punjab")
    assert "Stats" not in await browser.text("#sections")

    # Spent link: a second sign-in with it is refused.
    await browser.click("#sign-out")
    await browser.wait_for_text("#message", "You have signed out.")
    await browser.open(link)
    await browser.click("#sign-in")
    await browser.wait_for_text("#message", "already used or has expired")


async def test_an_officer_works_a_case_on_the_desk_in_urdu(bot: Running, browser: Browser, tmp_path: Path) -> None:
    api = bot.api
    officer = api.user(502, "Bilal")
    api.group(SINDH).add_member(officer)
    sana = Citizen(api, 1102, "ur")
    reference = await report_in_urdu(sana, "سندھ")
    card = await card_in(api, SINDH, reference)

    link = await desk_link(api, 502)
    await browser.open(link)
    await browser.click("#sign-in")
    await browser.wait_for_text("#cases", reference)
    await browser.click("#switch-language")
    await browser.wait_for_text("#cases", reference)
    assert await browser.attribute("html", "dir") == "rtl"
    assert "کیس" in await browser.text("h1")
    await browser.screenshot(shots(tmp_path) / "case-list-ur.png")
    await browser.click_link(reference)
    await browser.wait_for_text("#case-title", reference)
    assert "مجھے ایک جعلی اکاؤنٹ سے دھمکیاں مل رہی ہیں" in await browser.text("#account")
    await browser.screenshot(shots(tmp_path) / "case-page-ur.png")

    await browser.click("#claim")
    await browser.wait_for_text("#done", "یہ کیس اب آپ کے پاس ہے۔")
    await api.wait_for(lambda: len(sana.texts()) > 0 and "افسر" in sana.texts()[-1], within=10)
    await api.wait_for(lambda: "Bilal" in card_text(api, SINDH, card.message_id))

    await browser.type("#question", "پہلا پیغام کب آیا تھا؟")
    await browser.click("#ask")
    await browser.wait_for_text("#done", "آپ کا سوال شہری کو بھیج دیا گیا۔")
    await api.wait_for(lambda: any("پہلا پیغام کب آیا تھا؟" in t for t in sana.texts()), within=10)
    question = [m for m in api.bot_messages(sana.id) if m.text and "پہلا پیغام کب آیا تھا؟" in m.text][-1]
    assert reference in (question.text or "")

    sana.user.send("تین مارچ کو", reply_to=question.message_id)
    await browser.wait_for_text("#thread", "تین مارچ کو", reload=True)

    await browser.choose("#outcome", "removed")
    await browser.click("#resolve")
    await browser.wait_for_text("#done", "کیس حل ہو گیا؛ شہری کو بتا دیا گیا ہے۔")
    await api.wait_for(lambda: reference in sana.texts()[-1] and "بند" in sana.texts()[-1], within=10)
    assert "Bilal" in card_text(api, SINDH, card.message_id)
