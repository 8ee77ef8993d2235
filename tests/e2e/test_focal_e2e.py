"""Focal queues end to end: routing to two provinces, claim, ask and answer, resolve, transfer, refusals.

The real Application against the offline Bot API with its group limits on, and a real SQLite file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest_asyncio

from bot.i18n import t
from bot.store.records import AuditEntry, StoredReport
from bot.store.sqlite.store import SqliteStore
from bot.telegram.focal import texts as focal_texts
from testing.citizens import HOSTILE, Citizen, button_data, report
from testing.fakeapi.server import FakeBotApi, FakeMessage
from testing.harness import Running, running_bot
from tests.e2e.conftest import ADMIN, FEDERAL, PUNJAB, QUEUES, SINDH


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    return queues_bot


async def report_in_urdu(c: Citizen, province: str) -> str:
    await c.says("/start")
    await c.taps("اردو")
    await c.taps("اپنے لیے")
    await c.taps("نہیں")
    await c.says("مجھے ایک جعلی اکاؤنٹ سے دھمکیاں مل رہی ہیں")
    await c.taps("دھمکی")
    await c.says("/skip")
    await c.taps(province)
    for _ in range(4):
        await c.says("/skip")
    await c.taps("صرف اسی چیٹ")
    await c.taps("کو بھیجیں")
    await c.api.wait_for(lambda: "حوالہ نمبر: " in c.texts()[-1], within=10)
    return c.texts()[-1].split("حوالہ نمبر: ")[1].split()[0]


def cards(api: FakeBotApi, chat_id: int, reference: str) -> list[FakeMessage]:
    """Open cards of the case (their buttons resolve it, their title names it), not digests, /queue lists or
    another case's card that names it as connected."""
    titles = {t(lang, focal_texts.CASE, reference=reference) for lang in ("en", "ur")}
    return [
        m
        for m in api.bot_messages(chat_id)
        if m.text and any(title in plain(m.text) for title in titles) and "f.resolve." in str(m.reply_markup)
    ]


def plain(text: str) -> str:
    """The text without the isolates that keep a reference in order inside Urdu (bot/bidi.py)."""
    return text.replace("\u2066", "").replace("\u2069", "")


async def card_in(api: FakeBotApi, chat_id: int, reference: str) -> FakeMessage:
    await api.wait_for(lambda: bool(cards(api, chat_id, reference)), within=10)
    return cards(api, chat_id, reference)[-1]


async def press(api: FakeBotApi, user_id: int, chat_id: int, message: FakeMessage, label: str) -> str:
    query = api.user(user_id).press(message.message_id, button_data(message, label), chat_id=chat_id)
    await api.wait_for(lambda: query in api.answered_callbacks, within=10)
    return str(api.answered_callbacks[query].get("text") or "")


async def case(db: Path, reference: str) -> tuple[StoredReport, list[AuditEntry]]:
    store = SqliteStore(db)
    await store.open()
    try:
        found = await store.report_by_reference(reference)
        assert found is not None
        return found, await store.books().audit.trail(found.id)
    finally:
        await store.close()


async def test_each_province_gets_only_its_cases_and_a_case_goes_claim_ask_answer_resolve(bot: Running) -> None:
    api = bot.api
    officer, sindh_officer = api.user(501, "Ayesha"), api.user(502, "Bilal")
    api.group(PUNJAB).add_member(officer)
    api.group(SINDH).add_member(sindh_officer)
    amna, sana = Citizen(api, 1101, "en"), Citizen(api, 1102, "ur")
    ref_punjab = await report(amna, "Punjab")
    ref_sindh = await report_in_urdu(sana, "سندھ")

    card = await card_in(api, PUNJAB, ref_punjab)
    sindh_card = await card_in(api, SINDH, ref_sindh)
    assert not cards(api, PUNJAB, ref_sindh) and not cards(api, SINDH, ref_punjab)
    assert not api.bot_messages(FEDERAL)
    # The citizen's words arrive as text, never as markup; labels follow each queue's language.
    assert HOSTILE in (card.text or "")
    assert "Category: Threatening or abusive messages" in (card.text or "")
    assert "facebook: https://www.facebook.com/liar.page" in (card.text or "")
    assert "قسم:" in (sindh_card.text or "") and "مجھے ایک جعلی اکاؤنٹ سے دھمکیاں مل رہی ہیں" in (sindh_card.text or "")
    sent = [p for name, p in api.calls if name == "sendMessage" and p.get("chat_id") in (PUNJAB, str(PUNJAB))]
    assert "&lt;b&gt;lies&lt;/b&gt; about me &amp; my family &lt;/a&gt;" in str(sent[0]["text"])

    assert await press(api, 501, PUNJAB, card, "Claim") == "You have claimed this case."
    await api.wait_for(lambda: any("An officer is now looking into your report" in t for t in amna.texts()))
    assert "claimed by Ayesha" in (api.find(PUNJAB, card.message_id).text or "")

    # Ask: press, then reply with the question; the citizen gets it with the reference, not the officer's name.
    await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "Ask the citizen")
    prompt = await_one(api, PUNJAB, "reply to this message")
    api.user(501).send_in_group(PUNJAB, "Do you still have the <first> message & its date?", reply_to=prompt.message_id)
    await api.wait_for(lambda: any("asks:" in t for t in amna.texts()), within=10)
    question = [m for m in api.bot_messages(amna.id) if m.text and "asks:" in m.text][-1]
    assert ref_punjab in (question.text or "") and "Do you still have the <first> message & its date?" in (
        question.text or ""
    )
    assert "Ayesha" not in (question.text or "")
    assert "waiting for the citizen's answer" in (api.find(PUNJAB, card.message_id).text or "")

    # The citizen answers by replying; it reaches the queue as a reply to the card, without her identity.
    amna.user.send("Yes, from 3 March. <script>", reply_to=question.message_id)
    await api.wait_for(lambda: bool(find_text(api, PUNJAB, "Answer from the citizen")), within=10)
    answer = find_text(api, PUNJAB, "Answer from the citizen")[-1]
    assert "Yes, from 3 March. <script>" in (answer.text or "") and answer.reply_to == card.message_id
    assert "Citizen" not in (answer.text or "") and "1101" not in (answer.text or "")
    assert any("Your answer has been sent to the officer" in t for t in amna.texts())

    fresh = api.find(PUNJAB, card.message_id)
    await press(api, 501, PUNJAB, fresh, "Resolve")
    assert await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "advice given") == "Resolved."
    closed = "has been closed: the officer has given advice"  # the citizen's wording of "advice given"
    await api.wait_for(lambda: any(closed in t for t in amna.texts()), within=10)
    assert "resolved by Ayesha: advice given" in (api.find(PUNJAB, card.message_id).text or "")
    assert api.find(PUNJAB, card.message_id).reply_markup in (None, {}, {"inline_keyboard": []})
    # The closed card is a stub: the citizen's account and links are in no message of the group now.
    stub = api.find(PUNJAB, card.message_id).text or ""
    assert f"/case {ref_punjab}" in stub and "no longer shown here" in stub
    in_group = [m.text or "" for m in api.bot_messages(PUNJAB)]
    assert not any(HOSTILE in text or "liar.page" in text or "instagram.com/liar" in text for text in in_group)

    # /status knows the outcome; the Sindh case is untouched.
    await amna.says("/status")
    assert "closed: the officer has given advice" in amna.texts()[-1]  # the citizen's wording, not the card's
    stored, trail = await case(bot.db, ref_punjab)
    assert (stored.status, stored.outcome, stored.claimed_by) == ("resolved", "advice", 501)
    assert [e.action for e in trail if e.allowed] == ["claim", "ask_opened", "ask", "answer", "resolve"]
    assert (await case(bot.db, ref_sindh))[0].status == "new"


async def test_a_press_by_someone_outside_the_queue_changes_nothing_and_is_audited(bot: Running) -> None:
    api = bot.api
    outsider = api.user(503, "Stranger")
    api.group(SINDH).add_member(outsider)  # an officer of another province
    c = Citizen(api, 1103, "en")
    reference = await report(c, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    before = api.find(PUNJAB, card.message_id).text
    answer = await press(api, 503, PUNJAB, card, "Claim")
    assert answer == "Only officers of this case's queue can do this."
    assert api.find(PUNJAB, card.message_id).text == before
    stored, trail = await case(bot.db, reference)
    assert stored.status == "new" and stored.claimed_by is None
    assert [(e.actor, e.action, e.allowed, e.detail) for e in trail] == [
        (503, "claim", False, "not a member of the queue")
    ]
    assert not any("looking into your report" in t for t in c.texts())


async def test_transfer_moves_the_case_to_the_other_queue(bot: Running) -> None:
    api = bot.api
    officer, sindh_officer = api.user(501, "Ayesha"), api.user(502, "Bilal")
    api.group(PUNJAB).add_member(officer)
    api.group(SINDH).add_member(sindh_officer)
    c = Citizen(api, 1104, "en")
    reference = await report(c, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    await press(api, 501, PUNJAB, card, "Transfer")
    assert await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "Sindh") == "Transferred to Sindh."
    moved = await card_in(api, SINDH, reference)
    left = api.find(PUNJAB, card.message_id).text or ""
    assert "transferred to Sindh by Ayesha" in left and reference in left
    assert HOSTILE not in left and "liar.page" not in left  # the Punjab group keeps a stub only
    # The Punjab officer can no longer act; the Sindh officer can.
    assert await press(api, 501, SINDH, moved, "کیس لیں") == "یہ کام صرف اس کیس کی قطار کے افسران کر سکتے ہیں۔"
    assert await press(api, 502, SINDH, moved, "کیس لیں") == "یہ کیس اب آپ کے پاس ہے۔"
    stored, _ = await case(bot.db, reference)
    assert (stored.queue, stored.status, stored.claimed_by) == ("sindh", "claimed", 502)


async def test_queue_and_case_commands_show_open_cases_to_officers_only(bot: Running) -> None:
    api = bot.api
    officer = api.user(501, "Ayesha")
    api.group(PUNJAB).add_member(officer)
    c = Citizen(api, 1105, "en")
    reference = await report(c, "Punjab", contact="Do not contact me")
    await card_in(api, PUNJAB, reference)
    officer.send_in_group(PUNJAB, "/queue")
    await api.wait_for(lambda: bool(find_text(api, PUNJAB, "Open cases in Punjab: 1")), within=10)
    officer.send_in_group(PUNJAB, f"/case {reference.lower()}")
    await api.wait_for(lambda: len(cards(api, PUNJAB, reference)) >= 2, within=10)
    card = cards(api, PUNJAB, reference)[-1]
    assert "anonymous: cannot be contacted" in (card.text or "")
    assert await press(api, 501, PUNJAB, card, "Ask the citizen") == (
        "This report is anonymous: the citizen cannot be asked anything."
    )
    # A citizen trying the officers' commands gets the citizen's help, nothing about cases.
    await c.says("/queue")
    assert c.texts()[-1].startswith("This bot lets you report")
    await c.says(f"/case {reference}")
    assert c.texts()[-1].startswith("This bot lets you report")
    # A group that is not a queue hears nothing.
    api.group(-1009, "Family chat")
    officer.send_in_group(-1009, "/queue")
    officer.send_in_group(-1009, f"/case {reference}")
    await asyncio.sleep(1.0)
    assert not api.bot_messages(-1009)


def find_text(api: FakeBotApi, chat_id: int, part: str) -> list[FakeMessage]:
    return [m for m in api.bot_messages(chat_id) if m.text and part in m.text]


def await_one(api: FakeBotApi, chat_id: int, part: str) -> FakeMessage:
    found = find_text(api, chat_id, part)
    assert found, f"no message containing {part!r} in {chat_id}"
    return found[-1]


async def test_an_unclaimed_case_is_raised_in_its_queue_and_then_to_the_admins(api: FakeBotApi, tmp_path: Path) -> None:
    for chat_id in (PUNJAB, SINDH, FEDERAL):
        api.group(chat_id)
    admin = Citizen(api, ADMIN, "en")
    db = tmp_path / "bot.sqlite3"
    env = {"FOCAL_QUEUES": QUEUES, "ADMIN_IDS": str(ADMIN), "SLA_CHECK_SECONDS": "1"}
    async with running_bot(api, db, **env):
        await admin.says("/help")  # an admin's private chat with the bot exists
        c = Citizen(api, 1106, "en")
        reference = await report(c, "Punjab")
        await card_in(api, PUNJAB, reference)
        # Nine hours pass without anyone claiming it.
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("UPDATE reports SET queued_at = '2026-01-01T00:00:00+00:00', created_at = queued_at")
        await api.wait_for(lambda: bool(find_text(api, PUNJAB, "Still not claimed:")), within=15)
        await api.wait_for(lambda: any("escalation time" in t for t in admin.texts()), within=15)
        reminder = find_text(api, PUNJAB, "Still not claimed:")[-1]
        assert reference in (reminder.text or "") and "f.open." in str(reminder.reply_markup)
        await asyncio.sleep(2.5)  # later rounds raise nothing again
        assert len(find_text(api, PUNJAB, "Still not claimed:")) == 1


async def test_the_phone_number_is_shown_only_to_the_officer_who_claimed_the_case(bot: Running) -> None:
    api = bot.api
    for user_id, name in ((501, "Ayesha"), (504, "Kamran")):
        api.group(PUNJAB).add_member(api.user(user_id, name))
    c = Citizen(api, 1107, "en")
    reference = await report(c, "Punjab", contact="By phone", phone="0300 1234567")
    card = await card_in(api, PUNJAB, reference)
    assert "+923001234567" not in (card.text or "") and "shown only to the officer who claims" in (card.text or "")
    await press(api, 501, PUNJAB, card, "Claim")
    fresh = api.find(PUNJAB, card.message_id)
    assert await press(api, 504, PUNJAB, fresh, "Phone number") == (
        "The number is shown only to the officer who claimed the case."
    )
    alert = await press(api, 501, PUNJAB, fresh, "Phone number")
    assert alert == f"Phone number for {reference}: +923001234567. It is shown only to you."
    assert not any("+923001234567" in (m.text or "") for m in api.chat(PUNJAB))
    _, trail = await case(bot.db, reference)
    assert [(e.actor, e.action, e.allowed) for e in trail if "phone" in e.action] == [
        (504, "view_phone", False),
        (501, "view_phone", True),
    ]


async def test_a_citizen_who_blocked_the_bot_is_recorded_and_not_retried(bot: Running) -> None:
    api = bot.api
    api.group(PUNJAB).add_member(api.user(501, "Ayesha"))
    c = Citizen(api, 1108, "en")
    reference = await report(c, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    c.user.block()
    await press(api, 501, PUNJAB, card, "Claim")
    await api.wait_for(
        lambda: any(n == "sendMessage" and p.get("chat_id") in (1108, "1108") for n, p in api.calls[-5:])
    )
    await asyncio.sleep(1.5)
    attempts = [p for n, p in api.calls if n == "sendMessage" and str(p.get("chat_id")) == "1108"]
    with closing(sqlite3.connect(bot.db)) as conn:
        active = conn.execute("SELECT active FROM chats WHERE chat_key = 'tg:1108'").fetchone()[0]
        states = conn.execute("SELECT state, last_error FROM outbox WHERE kind = 'notify'").fetchall()
    assert active == 0 and states == [("dead", "blocked")]
    await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "Resolve")
    await press(api, 501, PUNJAB, api.find(PUNJAB, card.message_id), "advice given")
    await asyncio.sleep(1.5)
    later = [p for n, p in api.calls if n == "sendMessage" and str(p.get("chat_id")) == "1108"]
    assert len(later) == len(attempts)  # the resolution is recorded, not sent into a blocked chat


async def test_an_admin_binds_a_queue_and_registers_an_officer_outside_the_group(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.group(PUNJAB)
    kp = api.group(-1004, "KP queue")
    admin, stranger, officer = api.user(ADMIN, "Admin"), api.user(505, "Stranger"), Citizen(api, 506, "en")
    async with running_bot(api, tmp_path / "bot.sqlite3", FOCAL_QUEUES=f"punjab={PUNJAB}", ADMIN_IDS=str(ADMIN)):
        # A stranger in a group that is not a queue hears nothing, not even a refusal.
        stranger.send_in_group(-1004, "/bindqueue kp")
        await asyncio.sleep(1.0)
        assert not api.bot_messages(-1004)
        admin.send_in_group(-1004, "/bindqueue kp ur")
        await api.wait_for(lambda: bool(kp.find_text("اب یہ گروپ خیبر پختونخوا قطار کے کیس وصول کرے گا")))
        c = Citizen(api, 1109, "en")
        reference = await report(c, "Khyber Pakhtunkhwa")
        card = await card_in(api, -1004, reference)
        assert "صوبہ: خیبر پختونخوا" in (card.text or "")
        # An officer who is not in the group, registered by the admin, acts from a private chat.
        admin_chat = Citizen(api, ADMIN, "en")
        await admin_chat.says("/focal add kp 506")
        assert admin_chat.texts()[-1] == "Done."
        await officer.says(f"/case {reference}")
        private_card = [m for m in api.bot_messages(506) if reference in (m.text or "")][-1]
        assert await press(api, 506, 506, private_card, "Claim") == "You have claimed this case."
        assert "صورتحال: \u2066Citizen\u2069 کے پاس" in (api.find(-1004, card.message_id).text or "")
