"""The case book and outbox on a real SQLite file: atomic delivery with the report, dedupe, recovery,
guarded transitions, relayed questions and SLA levels."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.cases.casework import Actor, Casework
from bot.cases.deliveries import new_case_delivery
from bot.config import Settings
from bot.engine.session import COMPLETED, Session
from bot.store.base import ReferenceTaken
from bot.store.records import NewReport, Outgoing
from bot.store.sqlite.cases import NO_OPEN_ASK, CaseBook
from bot.store.sqlite.outbox import Outbox
from bot.store.sqlite.store import SqliteStore
from bot.telegram.sla import check_sla

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def finished(chat: str) -> Session:
    return Session(flow_id="report", revision=1, lang="en", status=COMPLETED, step=None, id="abc123")


def new_report(reference: str, chat: str | None = "tg:7", *, priority: bool = False, minutes_ago: int = 0) -> NewReport:
    created = (NOW - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    return NewReport(
        reference=reference,
        pin="x",
        flow_id="report",
        revision_id=1,
        chat_key=chat,
        language="en",
        category="harassment",
        province="punjab",
        minor=priority,
        answers={"account": "private words"},
        created_at=created,
        queue="punjab",
        priority=priority,
        deliveries=(new_case_delivery(None, reference, "punjab", priority),),
    )


async def submit(store: SqliteStore, report: NewReport) -> int:
    report_id = await store.commit_step(report.chat_key or "tg:0", finished("x"), report)
    assert report_id is not None
    return report_id


async def test_a_report_and_its_card_delivery_are_written_together(store: SqliteStore) -> None:
    await submit(store, new_report("AAAA-AAAA"))
    with pytest.raises(ReferenceTaken):
        await submit(store, new_report("AAAA-AAAA"))
    due = await Outbox(store).due()
    assert [(d.kind, d.target, d.dedupe_key) for d in due] == [("case", "queue:punjab", "case:AAAA-AAAA:punjab:0")]


async def test_the_same_dedupe_key_is_stored_once(store: SqliteStore) -> None:
    outbox = Outbox(store)
    item = Outgoing("notify", "chat:7", "notify:1:claimed:1")
    await outbox.add([item])
    await outbox.add([item])
    assert (await outbox.counts()) == {"pending": 1}


async def test_priority_cases_come_first_then_oldest(store: SqliteStore) -> None:
    await submit(store, new_report("AAAA-AAAA"))
    await submit(store, new_report("BBBB-BBBB", priority=True))
    await submit(store, new_report("CCCC-CCCC"))
    keys = [d.dedupe_key.split(":")[1] for d in await Outbox(store).due()]
    assert keys == ["BBBB-BBBB", "AAAA-AAAA", "CCCC-CCCC"]


async def test_deliveries_in_flight_at_a_crash_are_pending_again_after_recovery(store: SqliteStore) -> None:
    outbox = Outbox(store)
    for n in range(3):
        await submit(store, new_report(f"AAAA-AAA{n + 2}"))
    due = await outbox.due()
    await outbox.mark_sending([due[0].id, due[1].id])
    await outbox.mark_sent([due[0].id])
    assert await outbox.recover_in_flight() == 1
    assert (await outbox.counts()) == {"pending": 2, "sent": 1}
    assert [d.attempts for d in await outbox.due()] == [1, 0]


async def test_two_claims_at_once_give_one_claim_and_an_audited_refusal(store: SqliteStore) -> None:
    report_id = await submit(store, new_report("AAAA-AAAA"))
    book = CaseBook(store)
    work = Casework.over(store.books())
    case = await book.case(report_id)
    assert case is not None
    first = await work.claim(case, Actor(1, "Ayesha"))
    second = await work.claim(case, Actor(2, "Bilal"))  # pressed on the same, now stale, card
    assert first is not None and first.claimed_by == 1 and second is None
    trail = [(e.actor, e.action, e.allowed) for e in await store.books().audit.trail(report_id)]
    assert trail == [(1, "claim", True), (2, "claim", False)]
    notices = [d for d in await Outbox(store).due() if d.kind == "notify"]
    assert [(d.target, d.payload) for d in notices] == [("chat:7", {"event": "claimed"})]


async def test_a_question_and_its_answer_travel_through_the_outbox(store: SqliteStore) -> None:
    report_id = await submit(store, new_report("AAAA-AAAA"))
    book, work = CaseBook(store), Casework.over(store.books())
    case = await book.case(report_id)
    assert case is not None
    # Without an open Ask (the button), a reply asks nothing: another copy of it took the Ask.
    assert await work.ask(case, Actor(1, "Ayesha"), "When did it start?") == NO_OPEN_ASK
    await book.open_ask(report_id, 1, -1001, 99)
    question_id = await work.ask(case, Actor(1, "Ayesha"), "When did it start?")
    assert question_id not in (None, NO_OPEN_ASK)
    assert await work.ask(case, Actor(1, "Ayesha"), "When did it start?") == NO_OPEN_ASK  # the Ask was used
    assert (await book.case(report_id)).status == "waiting"  # type: ignore[union-attr]
    # Not shown to the citizen yet: nothing to answer.
    assert await work.answer("tg:7", None, "early", 50) is None
    assert question_id is not None
    await book.question_shown(question_id, 77)
    assert await work.answer("tg:7", 12, "not a reply to it", 51, exact=True) is None
    answered = await work.answer("tg:7", 77, "In March", 52, exact=True)
    assert answered is not None
    assert (await book.case(report_id)).status == "new"  # type: ignore[union-attr]
    kinds = [(d.kind, d.target) for d in await Outbox(store).due()]
    assert ("question", "chat:7") in kinds and ("answer", "queue:punjab") in kinds


async def test_an_anonymous_case_cannot_be_asked(store: SqliteStore) -> None:
    report_id = await submit(store, new_report("AAAA-AAAA", chat=None))
    case = await CaseBook(store).case(report_id)
    assert case is not None
    assert await Casework.over(store.books()).ask(case, Actor(1, "Ayesha"), "Hello?") is None


async def test_sla_raises_unclaimed_cases_once_per_level_with_shorter_times_for_children(store: SqliteStore) -> None:
    settings = Settings(
        bot_token="1:x",
        admin_ids=frozenset({9000}),
        sla_minutes=120,
        sla_child_minutes=30,
        escalate_minutes=480,
        escalate_child_minutes=120,
    )
    book = CaseBook(store)
    await submit(store, new_report("AAAA-AAAA", minutes_ago=60))  # adult, 1 h: not yet
    await submit(store, new_report("BBBB-BBBB", priority=True, minutes_ago=60))  # child, 1 h: level 1
    await submit(store, new_report("CCCC-CCCC", minutes_ago=500))  # adult, 8 h 20: levels 1 and 2
    assert await check_sla(book, settings, NOW) == 3
    assert await check_sla(book, settings, NOW) == 0  # each level once
    reminders = sorted(
        (d.target, d.dedupe_key.split(":")[1]) for d in await Outbox(store).due() if d.kind == "reminder"
    )
    assert reminders == [("chat:9000", "3"), ("queue:punjab", "2"), ("queue:punjab", "3")]


async def test_unfinished_sessions_on_a_retired_revision_expire_and_the_live_ones_stay(store: SqliteStore) -> None:
    old = Session(flow_id="report", revision=1, lang="en", step="account", id="a")
    await store.commit_step("tg:1", old)
    second = await store.publish("report", "spec_version: 1\nid: report\n# v2\n", "test")
    await store.commit_step("tg:2", Session(flow_id="report", revision=second.id, lang="en", step="account", id="b"))
    assert await store.expire_sessions("2000-01-01T00:00:00+00:00", second.id) == 0  # both too recent
    assert await store.expire_sessions("2999-01-01T00:00:00+00:00", second.id) == 1
    assert await store.load_session("tg:1") is None and await store.load_session("tg:2") is not None


async def test_attack_10_copies_of_one_reply_at_once_ask_the_citizen_once(store: SqliteStore) -> None:
    """Issue 20, finding 10: the officer's open Ask is taken in the question's own transaction."""
    report_id = await submit(store, new_report("AAAA-AAAA"))
    book, work = CaseBook(store), Casework.over(store.books())
    case = await book.case(report_id)
    assert case is not None
    await book.open_ask(report_id, 1, -1001, 99)
    results = await asyncio.gather(*(work.ask(case, Actor(1, "Ayesha"), "Which account?") for _ in range(5)))
    assert sorted(r != NO_OPEN_ASK for r in results) == [False] * 4 + [True]
    questions = [d for d in await Outbox(store).due() if d.kind == "question"]
    assert len(questions) == 1
