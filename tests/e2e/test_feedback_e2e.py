"""The question "Did this help?" end to end: the three buttons under the citizen's closing notice, her first answer
counted once in /stats, forged and repeated presses changing nothing, and no question after a spam mark.

The real Application against the offline Bot API and a real SQLite file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest_asyncio

from bot.cases.stats import FEEDBACK_ANSWERS
from bot.telegram.callback_data import FeedbackPress
from bot.telegram.courier import Courier
from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi, FakeMessage
from testing.harness import Running
from tests.e2e.conftest import ADMIN, PUNJAB
from tests.e2e.test_focal_e2e import card_in, case, press

OFFICER = 501
CLOSED = "has been closed"
BUTTONS = ["Yes, it helped", "A little", "No"]
THANKS = "Thank you for telling us."
NOTED = "Your answer was already noted. Thank you."
MOVED_ON = "This question has moved on. Please use the newest message."


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    queues_bot.api.group(PUNJAB).add_member(queues_bot.api.user(OFFICER, "Ayesha"))
    return queues_bot


async def resolve(api: FakeBotApi, reference: str) -> None:
    card = await card_in(api, PUNJAB, reference)
    await press(api, OFFICER, PUNJAB, card, "Resolve")
    assert await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "advice given") == "Resolved."


async def closing_notice(c: Citizen) -> FakeMessage:
    await c.api.wait_for(lambda: any(CLOSED in (m.text or "") for m in c.api.bot_messages(c.id)), within=10)
    return [m for m in c.api.bot_messages(c.id) if CLOSED in (m.text or "")][-1]


def labels(message: FakeMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(button["text"]) for row in rows for button in row]


def feedback_rows(bot: Running) -> list[tuple[int, str, int, str]]:
    with closing(sqlite3.connect(bot.db)) as conn:
        rows = conn.execute(
            "SELECT report_id, actor_name, allowed, detail FROM audit WHERE action = 'feedback' ORDER BY id"
        ).fetchall()
    return [(int(r), str(n), int(a), str(d)) for r, n, a, d in rows]


async def forged(api: FakeBotApi, user_id: int, message: FakeMessage, data: str) -> str:
    query = api.user(user_id).press(message.message_id, data)
    await api.wait_for(lambda: query in api.answered_callbacks, within=10)
    return str(api.answered_callbacks[query].get("text") or "")


async def stats(admin: Citizen) -> str:
    await admin.says("/stats")
    return admin.texts()[-1]


async def test_the_citizen_answers_once_and_the_admin_sees_it(bot: Running) -> None:
    api = bot.api
    amna, sana, admin = Citizen(api, 1101, "en"), Citizen(api, 1102, "en"), Citizen(api, ADMIN, "en")
    mine, hers = await report(amna, "Punjab"), await report(sana, "Punjab")
    assert "Did it help?" not in await stats(admin)  # nothing to show before the first answer

    await resolve(api, mine)
    notice = await closing_notice(amna)
    assert labels(notice) == BUTTONS
    assert await press(api, amna.id, amna.id, notice, "Yes, it helped") == THANKS
    assert api.find(amna.id, notice.message_id).reply_markup in (None, {}, {"inline_keyboard": []})
    report_id = (await case(bot.db, mine))[0].id
    assert feedback_rows(bot) == [(report_id, "citizen", 1, "helped")]
    assert "Did it help? yes 1, a little 0, no 0" in await stats(admin)

    # A second press (the same data, sent again) is noted as already given and changes nothing.
    again = FeedbackPress("not", report_id).data
    assert await forged(api, amna.id, notice, again) == NOTED
    assert feedback_rows(bot) == [(report_id, "citizen", 1, "helped")]

    # Sana's case, resolved too, named in data Amna forged from her own chat: nothing recorded.
    await resolve(api, hers)
    sana_notice = await closing_notice(sana)
    assert labels(sana_notice) == BUTTONS
    her_id = (await case(bot.db, hers))[0].id
    assert await forged(api, amna.id, notice, FeedbackPress("not", her_id).data) == MOVED_ON
    # Nor by a broken form, nor for a case that does not exist.
    assert await forged(api, amna.id, notice, f"rate.terrible.{report_id}") == MOVED_ON
    assert await forged(api, amna.id, notice, FeedbackPress("not", 99_999_999).data) == MOVED_ON
    assert feedback_rows(bot) == [(report_id, "citizen", 1, "helped")]
    assert labels(api.find(sana.id, sana_notice.message_id)) == BUTTONS  # still hers to answer

    assert await press(api, sana.id, sana.id, sana_notice, "A little") == THANKS
    assert "Did it help? yes 1, a little 1, no 0" in await stats(admin)


async def test_an_open_case_takes_no_answer(bot: Running) -> None:
    api = bot.api
    amna = Citizen(api, 1103, "en")
    reference = await report(amna, "Punjab")
    report_id = (await case(bot.db, reference))[0].id
    receipt = api.bot_messages(amna.id)[-1]
    assert await forged(api, amna.id, receipt, FeedbackPress("helped", report_id).data) == MOVED_ON
    assert feedback_rows(bot) == []


async def test_a_spam_marked_case_sends_no_question(bot: Running) -> None:
    api = bot.api
    sender = Citizen(api, 1104, "en")
    reference = await report(sender, "Punjab")
    seen = sender.count()
    card = await card_in(api, PUNJAB, reference)
    await press(api, OFFICER, PUNJAB, card, "Spam")
    assert await press(api, OFFICER, PUNJAB, api.find(PUNJAB, card.message_id), "Yes, it is spam") != ""
    courier: Courier = bot.app.bot_data["courier"]
    for _ in range(200):  # until the courier has nothing left to send
        if await courier.idle():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert sender.count() == seen  # not told of the spam mark, so not asked either
    assert not any("rate." in str(m.reply_markup) for m in api.bot_messages(sender.id))


def test_the_buttons_and_the_figures_use_the_same_answers() -> None:
    assert FeedbackPress.ANSWERS == FEEDBACK_ANSWERS
