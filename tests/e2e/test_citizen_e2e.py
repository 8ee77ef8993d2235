"""End to end over HTTP: the real PTB Application, the offline Bot API, a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.store.sqlite.store import SqliteStore
from bot.telegram.callback_data import StepPress
from testing.citizens import Citizen, button_data, last_question, walk_english
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_bot(api, tmp_path / "bot.sqlite3") as running:
        yield running


async def stored_reports(db: Path) -> list[tuple[str | None, str | None, str]]:
    store = SqliteStore(db)
    await store.open()
    try:
        count = await store.count_reports()
        rows = []
        for i in range(1, count + 1):
            row = await store.database.fetchone("SELECT category, province, language FROM reports WHERE id = ?", (i,))
            assert row is not None
            rows.append((row[0], row[1], row[2]))
        return rows
    finally:
        await store.close()


async def test_citizen_completes_the_flow_in_english(bot: Running) -> None:
    c = Citizen(bot.api, 1001, "en")
    await walk_english(c)
    final = c.texts()[-1]
    assert "Your report has been sent to the NCCIA." in final and "PIN: " in final
    assert await stored_reports(bot.db) == [("harassment", "punjab", "en")]
    review = [t for t in c.texts() if t.startswith("Here is your report")][-1]
    assert "He posts <b>lies</b> about me & my family </a> every day." in review  # arrived escaped, shown as typed
    answered = [m for m in bot.api.bot_messages(1001) if m.edits and "✅" in (m.text or "")]
    assert answered, "answered questions are edited to show the choice"


async def test_citizen_completes_the_flow_in_urdu(bot: Running) -> None:
    c = Citizen(bot.api, 1002, "ur")
    await c.says("السلام علیکم، مجھے مدد چاہیے")
    # Urdu script is unmistakable: no language question, the safety text and the first question in Urdu,
    # with a one-tap switch to the other languages on that first question only.
    assert c.texts()[0].startswith("جو کچھ ہوا، اس میں آپ کا کوئی قصور نہیں")
    first = last_question(bot.api, c.id)
    assert first.text == "یہ رپورٹ کس کے لیے ہے؟" and first.reply_markup is not None
    assert {"English", "Roman Urdu"} <= {b["text"] for row in first.reply_markup["inline_keyboard"] for b in row}
    await c.taps("کسی بچے کے لیے")
    await c.says("کوئی میرے بیٹے کو ڈرا دھمکا رہا ہے۔")
    await c.taps("دھمکیاں، گالیاں")
    await c.taps("مکمل")
    await c.taps("سندھ")
    await c.says("پچھلے مہینے")
    await c.taps("جی ہاں")
    await c.taps("مکمل")
    await c.says("/skip")
    await c.taps("رابطہ نہ کریں")
    await c.taps("کو بھیجیں")
    await bot.api.wait_for(lambda: "سائبر کرائم ایجنسی (NCCIA) تک پہنچ گئی ہے" in c.texts()[-1], within=10)
    # As sent: the Latin and the numbers inside Urdu lines are isolated, so they display as typed.
    raw = bot.api.bot_messages(c.id)[-1].text or ""
    assert "\u2066NCCIA\u2069" in raw and "\u20660800-39393\u2069" in raw
    assert await stored_reports(bot.db) == [("harassment", "sindh", "ur")]


async def test_roman_urdu_first_message_gets_a_roman_urdu_reply_and_a_one_tap_switch(bot: Running) -> None:
    c = Citizen(bot.api, 1003, "en")  # Telegram says "en", as most Pakistani phones do
    await c.says("mujhe madad chahiye, koi mujhe tang kar raha hai")
    assert c.texts()[0].startswith("Jo kuch hua, us mein aap ka koi qasoor nahi")
    assert c.texts()[-1] == "Yeh report kis ke liye hai?"
    await c.taps("اردو")  # the switch: the same question again, in Urdu script
    assert c.texts()[-1] == "یہ رپورٹ کس کے لیے ہے؟"
    await c.taps("اپنے لیے")
    assert c.texts()[-1].startswith("کیا آپ کی عمر")


async def test_a_lone_greeting_asks_the_language_with_roman_urdu_first(bot: Running) -> None:
    c = Citizen(bot.api, 1021, "en")
    await c.says("salam")
    question = last_question(bot.api, c.id)
    assert "Zabaan chunein" in (question.text or "") and question.reply_markup is not None
    labels = [b["text"] for row in question.reply_markup["inline_keyboard"] for b in row]
    assert labels[0] == "Roman Urdu" and {"اردو", "English"} <= set(labels)


async def test_stale_and_forged_presses_change_nothing(bot: Running) -> None:
    c = Citizen(bot.api, 1004, "en")
    await c.says("/start")
    first = last_question(bot.api, 1004)
    stale = button_data(first, "English")
    await c.taps("English")
    await c.taps("For myself")
    store_before = [m.text for m in bot.api.bot_messages(1004)]
    for data in (stale, StepPress.of("ffffff", "minor", "yes").data, "junk", "x" * 64):
        calls = len(bot.api.calls)
        c.user.press(first.message_id, data)

        def answered(since: int = calls) -> bool:
            return any(n == "answerCallbackQuery" for n, _ in bot.api.calls[since:])

        await bot.api.wait_for(answered)
        answer = next(p for n, p in bot.api.calls[calls:] if n == "answerCallbackQuery")
        assert answer.get("text") == "This question has moved on. Please use the newest message."
    assert [m.text for m in bot.api.bot_messages(1004)] == store_before
    await c.taps("No")  # the real question still works
    assert c.texts()[-1].startswith("In your own words")


async def test_blocked_user_429_and_5xx_are_survived(bot: Running) -> None:
    c = Citizen(bot.api, 1005, "en")
    await c.says("/start")
    bot.api.fail_next("sendMessage", "429", retry_after=1)
    bot.api.fail_next("sendMessage", "500")
    calls = len(bot.api.calls)
    await c.taps("English")
    await bot.api.wait_for(lambda: "Who is this report for?" in c.texts()[-1], within=15)
    sends = [n for n, _ in bot.api.calls[calls:] if n == "sendMessage"]
    assert len(sends) >= 4  # safety text refused twice (429, then 500), then both messages delivered
    c.user.block()
    c.user.press(last_question(bot.api, 1005).message_id, button_data(last_question(bot.api, 1005), "For myself"))
    await bot.api.wait_for(
        lambda: any(n == "sendMessage" and p.get("chat_id") in (1005, "1005") for n, p in bot.api.calls[-3:])
    )
    c.user.unblock()
    other = Citizen(bot.api, 1006, "en")
    await other.says("/start")  # the bot is still serving everyone
    assert other.texts()[0].startswith("Welcome")


async def test_exit_deletes_the_conversation_and_leaves_one_neutral_line(bot: Running) -> None:
    c = Citizen(bot.api, 1007, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For myself")
    await c.says("/status")  # replies outside the flow must go too
    c.user.send("/exit")
    await bot.api.wait_for(lambda: [m.text for m in bot.api.bot_messages(1007)] == ["OK."], within=10)
    visible = [m for m in bot.api.chat(1007) if not m.deleted]
    assert [m.text for m in visible] == ["OK."]


async def test_photo_in_a_child_abuse_report_is_deleted_and_never_forwarded(bot: Running) -> None:
    c = Citizen(bot.api, 1008, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For a child")
    await c.says("/skip")
    await c.taps("Sexual abuse")
    photo_id = c.user.send_photo()
    await bot.api.wait_for(lambda: "I have deleted the picture" in c.texts()[-1])
    assert [m.deleted for m in bot.api.chat(1008) if m.message_id == photo_id] == [True]
    forbidden = {"forwardMessage", "copyMessage", "sendPhoto", "getFile", "forwardMessages", "copyMessages"}
    assert [n for n, _ in bot.api.calls if n in forbidden] == []


async def test_restart_mid_conversation_continues_where_the_citizen_was(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with running_bot(api, db):
        c = Citizen(api, 1009, "en")
        await c.says("/start")
        await c.taps("English")
        await c.taps("someone else")
    async with running_bot(api, db):
        await c.taps("Not sure")
        assert c.texts()[-1].startswith("In your own words")


@pytest.mark.parametrize("payload", ["punjab"])
async def test_start_link_with_a_province_skips_that_question(bot: Running, payload: str) -> None:
    c = Citizen(bot.api, 1010, "en")
    await c.says(f"/start {payload}")
    await c.taps("English")
    await c.taps("For myself")
    await c.taps("No")
    await c.says("/skip")
    await c.taps("Something else")
    await c.taps("Done")
    assert c.texts()[-1].startswith("When did it start?")


async def test_status_with_reference_and_pin_from_another_account(bot: Running) -> None:
    c = Citizen(bot.api, 1011, "en")
    await walk_english(c)
    final = c.texts()[-1]
    reference = final.split("Reference number: ")[1].split()[0]
    pin = final.split("PIN: ")[1].split()[0]
    await c.says("/status")
    assert c.texts()[-1].startswith(f"{reference}: received, waiting for an officer (sent 20")
    other = Citizen(bot.api, 1012, "ur")
    await other.says(f"/status {reference.lower().replace('-', ' ')} {pin}")
    assert other.texts()[-1].startswith(f"رپورٹ {reference}: پہنچ گئی ہے")
    await other.says(f"/status {reference} 000000")
    assert other.texts()[-1].startswith("اس حوالہ نمبر اور پن کوڈ سے کوئی رپورٹ نہیں ملی")


async def test_phone_is_taken_only_from_the_citizens_own_contact(bot: Running) -> None:
    c = Citizen(bot.api, 1013, "en")
    for action in ("/start", "English", "For myself", "No"):
        await (c.says(action) if action.startswith("/") else c.taps(action))
    for _ in range(8):  # skip to the contact question
        await c.says("/skip")
    await c.taps("By phone")
    assert any("Share my phone number" in str(m.reply_markup) for m in bot.api.bot_messages(1013)[-2:])
    before = len(bot.api.calls)
    c.user.send_contact("+923001234567", contact_user_id=999)
    await c.settle(before)
    assert c.texts()[-1] == "Please share your own number with the button, or type the number."
    before = len(bot.api.calls)
    c.user.send_contact("+923001234567")
    await c.settle(before)
    assert c.texts()[-1].startswith("Here is your report") and "May we send this report" in c.texts()[-1]


async def test_commands_are_registered_in_both_languages(bot: Running) -> None:
    # The menu is set in the background after start-up, so the first replies need not wait for it.
    await bot.api.wait_for(lambda: ("all_private_chats", "ur") in bot.api.commands, within=10)
    english = bot.api.commands[("all_private_chats", None)]
    urdu = bot.api.commands[("all_private_chats", "ur")]
    assert [c["command"] for c in english] == [c["command"] for c in urdu]
    assert {"start", "help", "back", "skip", "cancel", "status", "add", "language", "privacy", "forget", "exit"} == {
        c["command"] for c in english
    }
    assert dict((c["command"], c["description"]) for c in urdu)["exit"] == "یہ چیٹ جلدی صاف کریں"


async def test_language_command_switches_and_reasks_in_urdu(bot: Running) -> None:
    c = Citizen(bot.api, 1014, "en")
    await c.says("/start")
    await c.taps("English")
    await c.says("/language")
    await c.taps("اردو")
    assert c.texts()[-2] == "ٹھیک ہے، اب سے اردو میں بات ہو گی۔"
    assert c.texts()[-1] == "یہ رپورٹ کس کے لیے ہے؟"


async def test_a_voice_note_not_kept_stickers_and_locations_get_a_plain_answer_and_change_nothing(bot: Running) -> None:
    c = Citizen(bot.api, 1023, "ur")
    for action in ("/start", "اردو", "اپنے لیے", "نہیں"):
        await (c.says(action) if action.startswith("/") else c.taps(action))
    assert c.texts()[-1].startswith("اپنے الفاظ میں بتائیں")
    voice = {"file_id": "voice1", "file_unique_id": "uv1", "duration": 12, "mime_type": "audio/ogg"}
    sticker = {"file_id": "st1", "file_unique_id": "us1", "type": "regular", "width": 512, "height": 512}
    sticker |= {"is_animated": False, "is_video": False}
    # A voice message may be evidence: she is asked, and "no" keeps nothing.
    before = len(bot.api.calls)
    c.user.send_other("voice", **voice)
    await c.settle(before)
    assert c.texts()[-1].startswith("کیا یہ وائس میسج ثبوت ہے")
    await c.taps("نہیں، یہ ثبوت نہیں ہے")
    assert c.texts()[-1] == "ٹھیک ہے، اسے نہیں رکھا گیا۔ اپنا جواب لکھ کر بھیجیں یا کوئی بٹن دبائیں۔"
    for kind, fields in (("sticker", sticker), ("location", {"latitude": 31.5, "longitude": 74.3})):
        before = len(bot.api.calls)
        c.user.send_other(kind, **fields)
        await c.settle(before)
        assert c.texts()[-1] == (
            "ہم یہاں وائس میسج، اسٹیکر یا لوکیشن نہیں سمجھ سکتے۔ اپنا جواب لکھ کر بھیجیں یا کوئی بٹن دبائیں۔"
            " اس طرح بھیجی گئی کوئی چیز ہم نہیں رکھتے۔"
        ), kind
    # Still at the same question: the answer to it moves the report on.
    await c.says("وہ مجھے رات کو بار بار فون کرتا ہے۔")
    assert c.texts()[-1].startswith("جو ہوا، وہ ان میں سے کس سے")
    store = SqliteStore(bot.db)
    await store.open()
    try:
        session = await store.load_session("tg:1023")
    finally:
        await store.close()
    assert session is not None and "attachments" not in session.vars


async def test_screenshot_outside_child_cases_is_described_in_the_report_and_waits_to_be_fetched(bot: Running) -> None:
    c = Citizen(bot.api, 1015, "en")
    for action in ("/start", "English", "For myself", "No", "/skip", "Threatening"):
        await (c.says(action) if action.startswith("/") else c.taps(action))
    before = len(bot.api.calls)
    c.user.send_photo(file_size=123_456)
    await c.settle(before)
    assert c.texts()[-1].startswith("Thank you. I will keep this file with your report")
    assert not [n for n, _ in bot.api.calls if n in {"getFile", "getFileContent"}]  # not before the report is sent
    for _ in range(9):
        await c.says("/skip")
    await c.taps("Send to NCCIA")
    store = SqliteStore(bot.db)
    await store.open()
    try:
        report = (await store.reports_for_chat("tg:1015"))[0]
        [entry] = await store.books().files.files(report.id)
    finally:
        await store.close()
    [described] = report.answers["attachments"]
    # Telegram's reference to the file is not in the report: only the files' table holds it, until fetched.
    assert (described["kind"], described["size"], "file_id" in described) == ("photo", 123_456, False)
    assert (entry.kind, entry.position, entry.received_at) == ("photo", 1, described["received_at"])
    assert not [n for n, _ in bot.api.calls if n in {"forwardMessage", "copyMessage"}]


async def test_the_bot_stays_silent_in_groups(bot: Running) -> None:
    member = bot.api.user(1016, language_code="en")
    for text in ("/start", "hello", "/help", "/status"):
        member.send_in_group(-1001234, text)
    other = Citizen(bot.api, 1017, "en")
    await other.says("/start")  # updates after the group's have been handled
    assert bot.api.bot_messages(-1001234) == []


async def test_daily_report_cap_is_polite(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path / "bot.sqlite3", DAILY_REPORT_CAP="1"):
        c = Citizen(api, 1018, "en")
        await walk_english(c)
        await c.says("/start")
        assert c.texts()[-1].startswith("Today's report limit for this chat (1) has been reached.")


async def test_a_failing_handler_apologises_and_the_session_survives(bot: Running) -> None:
    c = Citizen(bot.api, 1019, "en")
    await c.says("/start")
    await c.taps("English")
    bot.api.fail_next("sendMessage", "400")
    before = len(bot.api.calls)
    c.user.press(last_question(bot.api, 1019).message_id, button_data(last_question(bot.api, 1019), "For myself"))
    await c.settle(before)
    assert (
        c.texts()[-1] == "Sorry, something went wrong on our side. Your answers are safe; please try again in a moment."
    )
    await c.says("/start")
    assert c.texts()[-2] == "Welcome back. Your report is where you left it. Send /cancel to start over."
    assert c.texts()[-1].startswith("Are you under 18")


async def test_a_redelivered_update_is_not_applied_twice(bot: Running) -> None:
    c = Citizen(bot.api, 1020, "en")
    for action in ("/start", "English", "For myself", "No"):
        await (c.says(action) if action.startswith("/") else c.taps(action))
    await c.says("He keeps calling me at night.")
    assert c.texts()[-1].startswith("Which of these is closest")
    answer_update = bot.api.delivered[-1]["update_id"]
    before = len(bot.api.calls)
    bot.api.redeliver(answer_update)
    await asyncio.sleep(0.5)
    # Nothing for this chat (the command menu, set a little after start-up, may arrive meanwhile).
    assert [n for n, _ in bot.api.calls[before:] if n not in ("getUpdates", "setMyCommands")] == []
    await c.taps("Stalking")
    assert c.texts()[-1].startswith("Where did it happen?")


async def test_flooding_gets_one_polite_note_and_is_not_processed(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, tmp_path / "bot.sqlite3", FLOOD_MESSAGES_PER_MINUTE="3"):
        c = Citizen(api, 1021, "en")
        await c.says("/start")
        before = len(api.calls)
        for n in range(6):
            c.user.send(f"message {n}")
        await c.settle(before)
        notes = [t for t in c.texts() if t.startswith("Please slow down a little.")]
        assert len(notes) == 1
        # /start plus two more were allowed in the minute; the other four were dropped.
        assert sum(1 for t in c.texts() if t.startswith("Welcome.")) == 1


async def test_a_send_that_times_out_is_retried(bot: Running) -> None:
    c = Citizen(bot.api, 1022, "en")
    await c.says("/start")
    bot.api.timeout_delay = 7.0  # longer than PTB's 5 s read timeout
    bot.api.fail_next("sendMessage", "timeout")
    c.user.press(last_question(bot.api, 1022).message_id, button_data(last_question(bot.api, 1022), "English"))
    await bot.api.wait_for(lambda: any("Who is this report for?" in t for t in c.texts()), within=20)
