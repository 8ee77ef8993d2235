"""Privacy end to end: planted personal data reaches no log and no byte of the database file; /forget
unlinks a citizen; Spam marks count against the sender until a block, which an admin can lift.

The real Application against the offline Bot API, with a real SQLite file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
import pytest_asyncio

from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot
from tests.e2e.test_focal_e2e import await_one, card_in, press

PUNJAB = -1001
ADMIN = 9000
OFFICER = 501

NAME = "Zarmeena Khattak"
SENTENCE = "He waits outside the Government College gate every Tuesday"
LINK = "https://www.facebook.com/zk.private.page"
HANDLE = "@zk_stalker99"
PHONE_DIGITS = "3337654321"
ANSWER = "Zarmeena has the first message from 3 March"


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    api.group(PUNJAB, "Punjab queue").add_member(api.user(OFFICER, "Ayesha"))
    async with running_bot(
        api,
        tmp_path / "bot.sqlite3",
        FOCAL_QUEUES=f"punjab={PUNJAB}",
        ADMIN_IDS=str(ADMIN),
        FLOOD_MESSAGES_PER_MINUTE="1000",
        SPAM_BLOCK_THRESHOLD="2",
    ) as running:
        yield running


def database_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists())


async def test_planted_personal_data_is_in_no_log_line_and_nowhere_in_the_database_file(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # everything at INFO and above, from every logger, the libraries' included
    api = bot.api
    c = Citizen(api, 1201, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For myself")
    await c.taps("No")
    await c.says(f"My name is {NAME}. {SENTENCE}.")
    await c.taps("Threatening")
    await c.taps("Facebook")
    await c.taps("Done")
    await c.taps("Punjab")
    await c.says("March 2025")
    await c.taps("Yes")
    await c.says(LINK)
    await c.taps("Done")
    await c.says(HANDLE)
    await c.taps("By phone")
    await c.says(f"0{PHONE_DIGITS}")
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]

    # The officer's side too: claim, a question naming her, her answer, the phone number, resolve.
    card = await card_in(api, PUNJAB, reference)
    assert NAME in (card.text or "") and LINK in (card.text or "")
    await press(api, OFFICER, PUNJAB, card, "Claim")
    await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "Ask the citizen")
    prompt = await_one(api, PUNJAB, "reply to this message")
    api.user(OFFICER).send_in_group(PUNJAB, f"Is {NAME} safe today?", reply_to=prompt.message_id)
    await api.wait_for(lambda: any(NAME in t and "asks:" in t for t in c.texts()), within=10)
    question = [m for m in api.bot_messages(c.id) if m.text and "asks:" in m.text][-1]
    c.user.send(ANSWER, reply_to=question.message_id)
    await api.wait_for(lambda: any(ANSWER in (m.text or "") for m in api.bot_messages(PUNJAB)), within=10)
    alert = await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "Phone number")
    assert PHONE_DIGITS in alert
    await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "Resolve")
    await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "advice given")
    await api.wait_for(lambda: any("has been closed" in t for t in c.texts()), within=10)

    planted = [NAME, "Zarmeena", SENTENCE, LINK, "zk.private.page", HANDLE, PHONE_DIGITS, ANSWER]
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    for record in caplog.records:
        line = f"{record.getMessage()} {record.__dict__}"
        for secret in planted:
            assert secret not in line, f"{secret!r} logged by {record.name}: {record.getMessage()}"
    raw = database_bytes(bot.db)
    assert reference.encode() in raw  # the file is the right one, and readable as bytes
    for secret in planted:
        assert secret.encode() not in raw, f"{secret!r} is in the database file"
        assert secret.encode("utf-16-le") not in raw


async def test_forget_unlinks_the_reports_and_nothing_more_reaches_the_chat(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1202, "en")
    reference = await report(c, "Punjab")
    pin = c.texts()[-1].split("PIN: ")[1].split()[0]
    await c.says("/start")  # an unfinished second report, which /forget deletes
    await c.says("/forget")
    assert "removes the link between this Telegram account and the reports you sent" in c.texts()[-1]
    await c.taps("Yes, forget this account")
    assert c.texts()[-1] == (
        "Your unfinished report was deleted.\nReports no longer linked to this account: 1. Nothing more about them "
        "will be sent here. To check one, send /status REFERENCE PIN."
    )
    with closing(sqlite3.connect(bot.db)) as conn:
        assert conn.execute("SELECT chat_key FROM reports WHERE reference = ?", (reference,)).fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM sessions WHERE chat_key = 'tg:1202'").fetchone() == (0,)
        assert conn.execute("SELECT action, actor, detail FROM audit WHERE action = 'forget'").fetchall() == [
            ("forget", None, "draft=1 reports=1")
        ]

    # The officer claims: the citizen is not told here any more, and /status no longer lists it...
    card = await card_in(api, PUNJAB, reference)
    sent_before = c.count()
    await press(api, OFFICER, PUNJAB, card, "Claim")
    await c.says("/status")
    assert c.texts()[-1].startswith("There are no reports from this chat.")
    assert c.count() == sent_before + 1
    # ...but the reference and PIN still find it.
    await c.says(f"/status {reference} {pin}")
    assert reference in c.texts()[-1] and "an officer is looking into it" in c.texts()[-1]


async def test_answering_no_to_forget_changes_nothing(bot: Running) -> None:
    c = Citizen(bot.api, 1203, "en")
    reference = await report(c, "Punjab")
    await c.says("/forget")
    await c.taps("No, keep things as they are")
    assert c.texts()[-1] == "Nothing was changed."
    with closing(sqlite3.connect(bot.db)) as conn:
        assert conn.execute("SELECT chat_key FROM reports WHERE reference = ?", (reference,)).fetchone() == ("tg:1203",)


async def test_spam_marks_block_the_sender_and_an_admin_lifts_the_block(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1204, "en")
    references = [await report(c, "Punjab") for _ in range(2)]  # SPAM_BLOCK_THRESHOLD=2
    for reference in references:
        card = await card_in(api, PUNJAB, reference)
        await press(api, OFFICER, PUNJAB, card, "Spam")
        assert await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "Yes, it is spam") != ""
    with closing(sqlite3.connect(bot.db)) as conn:
        assert conn.execute("SELECT spam_marks, blocked, why FROM senders").fetchall() == [(2, 1, "spam")]
    # Not told of the spam marks; blocked from now on, with one neutral line and no flow.
    assert not any("spam" in t.lower() for t in c.texts())
    await c.says("/start")
    blocked = "This service cannot take messages from this account at the moment. If you are in danger now, call 15."
    assert c.texts()[-1] == blocked
    sent = c.count()
    c.user.send("hello?")
    await c.says("/help")
    assert c.count() == sent + 1  # the line comes once in ten minutes, not once per message
    assert "/forget" in c.texts()[-1]  # help and privacy still answer

    admin = Citizen(api, ADMIN, "en")
    await admin.says(f"/unblock {references[0]}")
    assert admin.texts()[-1] == f"The sender of {references[0]} is no longer blocked; their spam marks are cleared."
    await c.says("/start")
    assert "Please choose a language" in c.texts()[-1]

    outsider = Citizen(api, 1299, "en")
    await outsider.says(f"/block {references[0]}")
    assert outsider.texts()[-1] == "Only admins can do this."
    await admin.says(f"/block {references[1]} threats to officers")
    assert admin.texts()[-1] == f"The sender of {references[1]} is blocked (0 spam marks so far)."
    with closing(sqlite3.connect(bot.db)) as conn:
        trail = conn.execute("SELECT actor, action, allowed FROM audit WHERE action LIKE '%block%' ORDER BY id")
        assert trail.fetchall() == [
            (None, "block", 1),
            (ADMIN, "unblock", 1),
            (1299, "block", 0),
            (ADMIN, "block", 1),
        ]
