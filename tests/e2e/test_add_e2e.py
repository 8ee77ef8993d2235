"""/add end to end: a citizen adds to a report she sent; the queue group gets it as a reply to the case's card,
the card counts it, a closed case takes nothing and she is pointed to /start.

The real Application against the offline Bot API, a real SQLite file.
"""

from __future__ import annotations

import logging

import pytest
import pytest_asyncio

from bot.i18n import t, tn
from bot.store.sqlite.store import SqliteStore
from bot.telegram.citizen import texts
from bot.telegram.focal import texts as focal_texts
from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi, FakeMessage
from testing.harness import Running
from tests.e2e.conftest import PUNJAB, SINDH
from tests.e2e.test_focal_e2e import card_in, plain, press, report_in_urdu

NEW_ACCOUNT = "he made a new account today"
NEW_LINK = "https://instagram.com/new.bad.account"


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    return queues_bot


def additions_line(lang: str, count: int) -> str:
    return plain(tn(lang, focal_texts.ADDITIONS, count))


def relayed(api: FakeBotApi, chat_id: int, lang: str, reference: str) -> list[FakeMessage]:
    header = plain(t(lang, focal_texts.ADDITION_FROM_CITIZEN, reference=reference))
    return [m for m in api.bot_messages(chat_id) if m.text and header in plain(m.text)]


async def said(c: Citizen, expected: str) -> None:
    expected = plain(expected)  # an Urdu line keeps its reference in order with invisible marks (bot/bidi.py)
    await c.api.wait_for(lambda: any(expected in text for text in c.texts()), within=10)


async def additions_of(bot: Running, reference: str) -> tuple[list[str], list[str]]:
    """(texts added, evidence urls) of the case, read from the bot's database."""
    store = SqliteStore(bot.db)
    await store.open()
    try:
        found = await store.report_by_reference(reference)
        assert found is not None
        added = await store.books().cases.additions(found.id)
        return [text for _, text in added], [link.url for link in found.evidence]
    finally:
        await store.close()


async def test_a_citizen_adds_to_her_report_the_group_gets_it_on_the_card_and_a_closed_case_takes_nothing(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = bot.api
    officer = api.user(501, "Ayesha")
    api.group(PUNJAB).add_member(officer)
    amna = Citizen(api, 1101, "en")
    reference = await report(amna, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    assert additions_line("en", 1) not in (card.text or "")

    await amna.says(f"/add {NEW_ACCOUNT} {NEW_LINK}")
    await said(amna, t("en", texts.ADD_DONE, reference=reference))
    await api.wait_for(lambda: bool(relayed(api, PUNJAB, "en", reference)), within=10)
    [news] = relayed(api, PUNJAB, "en", reference)
    assert news.reply_to == card.message_id
    assert NEW_ACCOUNT in (news.text or "") and NEW_LINK in (news.text or "")
    assert "Citizen" not in (news.text or "") and "1101" not in (news.text or "")
    await api.wait_for(lambda: additions_line("en", 1) in (api.find(PUNJAB, card.message_id).text or ""), within=10)

    # A reply to her receipt (reference and PIN) adds too; what was sent is escaped for the group's HTML.
    receipt = [m for m in api.bot_messages(amna.id) if m.text and "Reference number: " in m.text][-1]
    amna.user.send("his number is 03001234567 <b>&</b>", reply_to=receipt.message_id)
    await api.wait_for(lambda: len(relayed(api, PUNJAB, "en", reference)) == 2, within=10)
    second = relayed(api, PUNJAB, "en", reference)[-1]
    assert "his number is 03001234567 <b>&</b>" in (second.text or "") and second.reply_to == card.message_id
    sent = [p for name, p in api.calls if name == "sendMessage" and "his number" in str(p.get("text"))]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in str(sent[-1]["text"])
    await api.wait_for(lambda: additions_line("en", 2) in (api.find(PUNJAB, card.message_id).text or ""), within=10)

    added, urls = await additions_of(bot, reference)
    assert added == [f"{NEW_ACCOUNT} {NEW_LINK}", "his number is 03001234567 <b>&</b>"]
    assert urls[-1] == NEW_LINK and urls.count(NEW_LINK) == 1

    # Closed by the officer: nothing more is taken, and she is told how to make a new report.
    await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "Resolve")
    assert await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "advice given") == "Resolved."
    await amna.says("/add something")
    refusal = t("en", texts.ADD_CLOSED, reference=reference)
    await said(amna, refusal)
    assert "/start" in refusal
    assert len(relayed(api, PUNJAB, "en", reference)) == 2
    assert (await additions_of(bot, reference))[0] == added

    # Nothing she wrote reaches the logs.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in (NEW_ACCOUNT, "new.bad.account", "03001234567", "something"):
        assert secret not in logged


async def test_add_alone_asks_and_her_reply_to_the_prompt_is_added_in_urdu(bot: Running) -> None:
    api = bot.api
    sana = Citizen(api, 1102, "ur")
    reference = await report_in_urdu(sana, "سندھ")
    card = await card_in(api, SINDH, reference)

    await sana.says("/add")
    prompt = [m for m in api.bot_messages(sana.id) if m.reply_markup and m.reply_markup.get("force_reply")][-1]
    assert reference in plain(prompt.text or "")
    assert prompt.text is not None and plain(prompt.text) == plain(t("ur", texts.ADD_PROMPT, reference=reference))
    assert prompt.reply_markup is not None
    assert reference in plain(str(prompt.reply_markup.get("input_field_placeholder")))

    sana.user.send(f"اس نے آج نیا اکاؤنٹ بنایا {NEW_LINK}", reply_to=prompt.message_id)
    await said(sana, t("ur", texts.ADD_DONE, reference=reference))
    await api.wait_for(lambda: bool(relayed(api, SINDH, "ur", reference)), within=10)
    [news] = relayed(api, SINDH, "ur", reference)
    assert news.reply_to == card.message_id and "اس نے آج نیا اکاؤنٹ بنایا" in plain(news.text or "")
    await api.wait_for(lambda: additions_line("ur", 1) in plain(api.find(SINDH, card.message_id).text or ""))
    added, urls = await additions_of(bot, reference)
    assert added == [f"اس نے آج نیا اکاؤنٹ بنایا {NEW_LINK}"] and urls == [NEW_LINK]


async def test_add_without_a_report_says_how_it_works_and_too_long_is_refused_with_the_limit(bot: Running) -> None:
    api = bot.api
    nida = Citizen(api, 1103, "en")
    await nida.says("/add he is back")
    await said(nida, t("en", texts.ADD_NONE))
    assert "/start" in t("en", texts.ADD_NONE) and "/add" in t("en", texts.ADD_NONE)

    reference = await report(nida, "Punjab")
    await nida.says("/add " + "x" * (texts.ADD_LIMIT + 1))
    await said(nida, t("en", texts.ADD_TOO_LONG, limit=texts.ADD_LIMIT))
    assert (await additions_of(bot, reference))[0] == []
    await nida.says("/add " + "y" * texts.ADD_LIMIT)
    await said(nida, t("en", texts.ADD_DONE, reference=reference))
