"""Danger at any step, end to end: a danger phrase typed mid-flow brings the safety text and the same
question again; the citizen taps on to the end; the officer's card shows the danger flag first."""

from __future__ import annotations

from bot.store.records import StoredReport
from bot.store.sqlite.store import SqliteStore
from testing.citizens import Citizen, last_question
from testing.harness import Running
from tests.e2e.conftest import PUNJAB
from tests.e2e.test_focal_e2e import card_in

MINOR_QUESTION = "Are you under 18 years old?"  # the self lane's wording


async def stored(running: Running, reference: str) -> StoredReport:
    store = SqliteStore(running.db)
    await store.open()
    try:
        found = await store.report_by_reference(reference)
        assert found is not None
        return found
    finally:
        await store.close()


async def test_a_danger_phrase_mid_flow_gets_the_safety_text_and_the_same_question_then_a_flagged_card(
    queues_bot: Running,
) -> None:
    api = queues_bot.api
    c = Citizen(api, 1301, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For myself")
    assert MINOR_QUESTION in (last_question(api, c.id).text or "")
    before = c.count()

    await c.says("he is outside my house, I am scared")
    replies = c.texts()[before:]
    assert len(replies) == 2, replies
    safety, again = replies
    assert "call 15" in safety and "0311-7786264" in safety and "Please choose" not in safety
    assert MINOR_QUESTION in again and last_question(api, c.id).text == again

    # Nothing was lost or consumed: the same question takes its tap, and the report goes on to the end.
    await c.taps("No")
    await c.says("He sends threats from a fake account.")
    await c.taps("Threatening")
    await c.taps("Facebook")
    await c.taps("Done")
    await c.taps("Punjab")
    await c.says("March 2025")
    await c.taps("Yes")
    await c.says("/skip")
    await c.says("/skip")
    await c.taps("Only through this chat")
    await c.taps("Send to NCCIA")
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]

    card = await card_in(api, PUNJAB, reference)
    first_line = (card.text or "").splitlines()[0]
    assert first_line == "⚠️ Danger mentioned"
    report = await stored(queues_bot, reference)
    assert report.priority and report.answers["danger_mentioned"] == "yes"
    assert report.answers["minor"] == "no"
