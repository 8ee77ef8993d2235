"""Two stores on one schema, as two instances of the bot would be: what SQLite's single writer made
atomic stays atomic when the same calls arrive at once through different pools (``pair``: conftest.py)."""

from __future__ import annotations

import asyncio

from bot.engine.session import COMPLETED, Session
from bot.store.postgres.pins import PinGuard
from bot.store.postgres.store import PostgresStore
from bot.store.records import LOCKED, NO_OPEN_ASK, PASSED, WRONG, AuditEntry, NewReport, Outgoing
from tests.store.contract.helpers import CITIZEN, FLOW, FLOW_SOURCE, submit

OFFICER = 11


def entry(action: str, report_id: int, actor: int = OFFICER) -> AuditEntry:
    return AuditEntry("2026-11-28T10:05:00+00:00", actor, f"officer {actor}", action, report_id, "punjab", True)


async def test_of_many_claims_at_once_through_two_instances_one_wins(pair: tuple[PostgresStore, PostgresStore]) -> None:
    one, two = pair
    report_id = await submit(one, "AAAA-2345")
    books = [one.books(), two.books()]

    async def claim(officer: int) -> bool:
        changes = {"status": "claimed", "claimed_by": officer, "claimed_at": "2026-11-28T10:05:00+00:00"}
        notice = Outgoing("notify", "chat:1001", f"notify:{report_id}:{officer}", report_id)
        cases = books[officer % 2].cases
        return (
            await cases.transition(report_id, ["new"], changes, entry("claim", report_id, officer), [notice])
            is not None
        )

    won = await asyncio.gather(*(claim(officer) for officer in range(100, 110)))
    assert won.count(True) == 1
    winner = 100 + won.index(True)
    case = await two.books().cases.case(report_id)
    assert case is not None and case.claimed_by == winner
    trail = await one.books().audit.trail(report_id)
    assert sorted(e.allowed for e in trail) == [False] * 9 + [True]
    assert [d.dedupe_key for d in await one.books().outbox.due()] == [f"notify:{report_id}:{winner}"]


async def test_a_burst_of_guesses_through_two_instances_checks_only_as_many_as_the_limit(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    guards = [PinGuard(store) for store in pair]
    checked = 0

    async def slow_wrong() -> bool:
        nonlocal checked
        checked += 1
        await asyncio.sleep(0.05)  # the hashing: the other guesses arrive meanwhile
        return False

    verdicts = await asyncio.gather(*(guards[n % 2].check("ABCD-2345", f"tg:{n}", 7, slow_wrong) for n in range(12)))
    assert checked == 5  # the default policy: five wrong PINs lock the reference
    # Four wrong, the fifth wrong PIN locks, and the seven that came meanwhile are refused unchecked.
    assert sorted(verdicts) == sorted([WRONG] * 4 + [LOCKED] * 8)
    locks = [e for e in await pair[0].books().audit.trail() if e.action == "status_pin_lock"]
    assert len(locks) == 1


async def test_two_answers_at_once_put_the_case_back_once_both_are_answered(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = pair
    report_id = await submit(one, "AAAA-2345")
    cases = [one.books().cases, two.books().cases]
    claim = {"status": "claimed", "claimed_by": OFFICER}
    assert await cases[0].transition(report_id, ["new"], claim, entry("claim", report_id)) is not None
    questions = []
    for n, officer in enumerate((OFFICER, OFFICER + 1)):
        await cases[n].open_ask(report_id, officer, -100, None)
        relay = Outgoing("question", "chat:1001", f"question:{report_id}:{officer}", report_id)
        asked = await cases[n].ask(report_id, officer, f"Question {n}?", entry("ask", report_id, officer), relay)
        assert asked not in (None, NO_OPEN_ASK)
        questions.append(asked)

    await asyncio.gather(
        *(
            cases[n].answer(
                question_id,
                report_id,
                entry("answer", report_id, 0),
                Outgoing("answer", "queue:punjab", f"answer:{question_id}", report_id),
            )
            for n, question_id in enumerate(questions)
            if question_id is not None
        )
    )
    case = await one.books().cases.case(report_id)
    assert case is not None and case.status == "claimed"


async def test_spam_marks_at_once_are_all_counted_and_block_once(pair: tuple[PostgresStore, PostgresStore]) -> None:
    senders = [store.books().senders for store in pair]
    report_id = await submit(pair[0], "AAAA-2345")
    blocks = await asyncio.gather(*(senders[n % 2].mark_spam("tg:9", report_id, threshold=3) for n in range(8)))
    assert blocks.count(True) == 1
    assert await senders[0].spam_marks("tg:9") == 8
    reloaded = pair[1].books().senders
    await reloaded.load()
    assert reloaded.is_blocked("tg:9")


async def test_the_same_delivery_added_at_once_by_both_is_stored_once(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    outboxes = [store.books().outbox for store in pair]
    card = Outgoing("case", "queue:punjab", "case:AAAA-2345")
    await asyncio.gather(*(outboxes[n % 2].add([card]) for n in range(10)))
    assert [d.dedupe_key for d in await outboxes[0].due()] == ["case:AAAA-2345"]


async def test_one_reference_submitted_at_once_through_both_is_taken_once(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    one, _ = pair
    revision = await one.publish(FLOW, FLOW_SOURCE, "admin")
    done = Session(flow_id=FLOW, revision=revision.id, lang="en", step="", status=COMPLETED)

    async def commit(store: PostgresStore, chat: str) -> int | None:
        report = NewReport(
            reference="SAME-2345",
            pin="x",
            flow_id=FLOW,
            revision_id=revision.id,
            chat_key=chat,
            language="en",
            category=None,
            province=None,
            minor=False,
            answers={},
        )
        return await store.commit_step(chat, done, report)

    results = await asyncio.gather(*(commit(store, f"tg:{n}") for n, store in enumerate(pair)), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ReferenceTaken", "int"]
    assert await one.count_reports() == 1


async def test_a_right_pin_through_the_other_instance_is_not_counted(pair: tuple[PostgresStore, PostgresStore]) -> None:
    guards = [PinGuard(store) for store in pair]

    async def right() -> bool:
        return True

    for n in range(6):
        assert await guards[n % 2].check("ABCD-2345", CITIZEN, None, right) == PASSED
