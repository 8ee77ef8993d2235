"""The Cases port over every backend: queue bindings, officers, guarded transitions, which message shows
which case, questions relayed to the citizen and back, and the SLA levels."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import NO_OPEN_ASK, AuditEntry, Outgoing, QueueBinding, StoredReport
from tests.store.contract.helpers import CITIZEN, submit

AT = "2026-11-28T10:00:00+00:00"
OFFICER, OTHER_OFFICER = 11, 12


def entry(action: str, report_id: int | None, actor: int = OFFICER, queue: str | None = "punjab") -> AuditEntry:
    return AuditEntry("2026-11-28T10:05:00+00:00", actor, f"officer {actor}", action, report_id, queue, True)


def claim(officer: int = OFFICER) -> dict[str, object]:
    return {"status": "claimed", "claimed_by": officer, "claimed_name": f"officer {officer}", "claimed_at": AT}


async def deliveries(books: Books, kind: str) -> list[tuple[str, str, int | None, dict[str, object]]]:
    """(target, dedupe key, report id, payload) of the pending deliveries of ``kind``."""
    return [(d.target, d.dedupe_key, d.report_id, d.payload) for d in await books.outbox.due() if d.kind == kind]


def ids(found: Sequence[StoredReport]) -> list[int]:
    return [r.id for r in found]


# ---- queues and officers ---------------------------------------------------------------------------


async def test_binding_a_queue_again_moves_it_and_bindings_come_in_key_order(books: Books) -> None:
    await books.cases.bind("sindh", -300, "ur", 1)
    await books.cases.bind("punjab", -100, "en", 1)
    await books.cases.bind("punjab", -200, "ur", 2)
    bound = await books.cases.bindings()
    assert list(bound) == ["punjab", "sindh"]
    assert bound == {"punjab": QueueBinding("punjab", -200, "ur"), "sindh": QueueBinding("sindh", -300, "ur")}
    trail = [(e.actor, e.action, e.report_id, e.queue, e.allowed, e.detail) for e in await books.audit.trail()]
    assert trail == [
        (1, "bind_queue", None, "sindh", True, "-300"),
        (1, "bind_queue", None, "punjab", True, "-100"),
        (2, "bind_queue", None, "punjab", True, "-200"),
    ]


async def test_no_bindings_at_first(books: Books) -> None:
    assert await books.cases.bindings() == {}


async def test_an_officer_is_added_once_per_queue_and_listed_in_order(books: Books) -> None:
    await books.cases.add_officer("sindh", OFFICER, 1)
    await books.cases.add_officer("punjab", OTHER_OFFICER, 1)
    await books.cases.add_officer("punjab", OFFICER, 1)
    await books.cases.add_officer("punjab", OFFICER, 2)  # again: still one membership, but audited
    assert await books.cases.officers() == [("punjab", OFFICER), ("punjab", OTHER_OFFICER), ("sindh", OFFICER)]
    assert await books.cases.officer_queues(OFFICER) == ["punjab", "sindh"]
    assert await books.cases.officer_queues(99) == []
    trail = [(e.actor, e.action, e.queue, e.detail) for e in await books.audit.trail()]
    assert trail == [
        (1, "add_officer", "sindh", str(OFFICER)),
        (1, "add_officer", "punjab", str(OTHER_OFFICER)),
        (1, "add_officer", "punjab", str(OFFICER)),
        (2, "add_officer", "punjab", str(OFFICER)),
    ]


async def test_removing_an_officer_says_whether_they_were_one_and_is_audited_either_way(books: Books) -> None:
    await books.cases.add_officer("punjab", OFFICER, 1)
    await books.cases.add_officer("sindh", OFFICER, 1)
    assert await books.cases.remove_officer("punjab", OFFICER, 2) is True
    assert await books.cases.remove_officer("punjab", OFFICER, 2) is False
    assert await books.cases.remove_officer("balochistan", OTHER_OFFICER, None) is False
    assert await books.cases.officers() == [("sindh", OFFICER)]
    assert await books.cases.officer_queues(OFFICER) == ["sindh"]
    removals = [(e.actor, e.queue, e.allowed, e.detail) for e in await books.audit.trail() if e.action != "add_officer"]
    assert removals == [(2, "punjab", True, "11"), (2, "punjab", True, "11"), (None, "balochistan", True, "12")]


# ---- reading cases -------------------------------------------------------------------------------


async def test_a_case_is_its_report_and_an_unknown_one_is_none(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345", priority=True)
    case = await books.cases.case(report_id)
    assert case is not None
    assert (case.id, case.reference, case.status, case.queue, case.priority) == (
        report_id,
        "AAAA-2345",
        "new",
        "punjab",
        True,
    )
    assert case == await store.report_by_id(report_id)
    assert await books.cases.case(report_id + 1) is None


async def test_a_case_read_is_a_copy_its_reader_cannot_change(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345", answers={"account": "@someone"})
    case = await books.cases.case(report_id)
    assert case is not None
    case.answers["account"] = "changed by the reader"
    again = await books.cases.case(report_id)
    assert again is not None and again.answers == {"account": "@someone"}


async def test_open_cases_are_those_of_the_queues_priority_first_then_oldest(store: Store, books: Books) -> None:
    first = await submit(store, "AAAA-2345")
    child = await submit(store, "BBBB-2345", priority=True)
    elsewhere = await submit(store, "CCCC-2345", queue="sindh")
    later = await submit(store, "DDDD-2345")
    closed = await submit(store, "EEEE-2345", priority=True)
    await submit(store, "FFFF-2345", queue=None)
    await books.cases.transition(closed, ["new"], {"status": "resolved"}, entry("resolve", closed))
    assert ids(await books.cases.open_cases(["punjab"])) == [child, first, later]
    assert ids(await books.cases.open_cases(["sindh", "punjab"])) == [child, first, elsewhere, later]
    assert ids(await books.cases.open_cases(["balochistan"])) == []
    assert await books.cases.open_cases([]) == []


async def test_claimed_and_waiting_cases_are_still_open(store: Store, books: Books) -> None:
    claimed = await submit(store, "AAAA-2345")
    waiting = await submit(store, "BBBB-2345")
    await books.cases.transition(claimed, ["new"], claim(), entry("claim", claimed))
    await books.cases.transition(waiting, ["new"], {"status": "waiting"}, entry("ask", waiting))
    assert ids(await books.cases.open_cases(["punjab"])) == [claimed, waiting]
    assert await books.cases.count_open(["punjab"]) == 2


async def test_a_priority_case_is_never_cut_off_by_the_limit(store: Store, books: Books) -> None:
    oldest = await submit(store, "AAAA-2345")
    older = await submit(store, "BBBB-2345")
    child = await submit(store, "CCCC-2345", priority=True)
    assert ids(await books.cases.open_cases(["punjab"], limit=2)) == [child, oldest]
    assert ids(await books.cases.open_cases(["punjab"], limit=3)) == [child, oldest, older]
    assert await books.cases.open_cases(["punjab"], limit=0) == []


async def test_count_open_counts_open_cases_of_the_queues(store: Store, books: Books) -> None:
    await submit(store, "AAAA-2345")
    spam = await submit(store, "BBBB-2345")
    await submit(store, "CCCC-2345", queue="sindh", priority=True)
    await books.cases.transition(spam, ["new"], {"status": "spam"}, entry("spam", spam))
    assert await books.cases.count_open(["punjab"]) == 1
    assert await books.cases.count_open(["punjab", "sindh"]) == 2
    assert await books.cases.count_open(["balochistan"]) == 0
    assert await books.cases.count_open([]) == 0


# ---- transitions ----------------------------------------------------------------------------------


async def test_a_transition_changes_the_case_audits_and_queues_its_deliveries(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    notice = Outgoing("notify", "chat:1001", f"notify:{report_id}:claimed", report_id, payload={"event": "claimed"})
    changed = await books.cases.transition(report_id, ["new"], claim(), entry("claim", report_id), [notice])
    assert changed is not None
    assert (changed.status, changed.claimed_by, changed.claimed_name, changed.claimed_at) == (
        "claimed",
        OFFICER,
        "officer 11",
        AT,
    )
    assert await books.cases.case(report_id) == changed
    assert await books.audit.trail(report_id) == [entry("claim", report_id)]
    assert await deliveries(books, "notify") == [
        ("chat:1001", f"notify:{report_id}:claimed", report_id, {"event": "claimed"})
    ]


async def test_a_transition_may_set_the_outcome_close_and_move_the_case(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    changes = {"status": "resolved", "outcome": "account removed", "closed_at": AT, "queue": "sindh", "reminded": 2}
    changed = await books.cases.transition(report_id, ["new", "claimed"], changes, entry("resolve", report_id))
    assert changed is not None
    assert (changed.status, changed.outcome, changed.closed_at, changed.queue, changed.reminded) == (
        "resolved",
        "account removed",
        AT,
        "sindh",
        2,
    )


async def test_a_case_that_moved_on_is_not_changed_and_the_refusal_is_audited(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.transition(report_id, ["new"], claim(OFFICER), entry("claim", report_id, OFFICER))
    late = Outgoing("notify", "chat:1001", "notify:late", report_id)
    second = await books.cases.transition(
        report_id, ["new"], claim(OTHER_OFFICER), entry("claim", report_id, OTHER_OFFICER), [late]
    )
    assert second is None
    case = await books.cases.case(report_id)
    assert case is not None and case.claimed_by == OFFICER
    refused = AuditEntry(
        "2026-11-28T10:05:00+00:00",
        OTHER_OFFICER,
        "officer 12",
        "claim",
        report_id,
        "punjab",
        False,
        "case had moved on",
    )
    assert await books.audit.trail(report_id) == [entry("claim", report_id, OFFICER), refused]
    assert await deliveries(books, "notify") == []


async def test_a_transition_expecting_no_status_is_refused(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    assert await books.cases.transition(report_id, [], {"status": "resolved"}, entry("resolve", report_id)) is None
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "new"
    assert [e.allowed for e in await books.audit.trail(report_id)] == [False]


async def test_a_transition_of_an_unknown_case_is_refused_and_audited(books: Books) -> None:
    assert await books.cases.transition(404, ["new"], {"status": "claimed"}, entry("claim", 404)) is None
    assert [(e.report_id, e.allowed, e.detail) for e in await books.audit.trail()] == [
        (404, False, "case had moved on")
    ]


@pytest.mark.parametrize("field", ["reference", "priority", "answers", "chat_key", "id"])
async def test_a_transition_may_not_change_other_fields(store: Store, books: Books, field: str) -> None:
    report_id = await submit(store, "AAAA-2345")
    before = await books.cases.case(report_id)
    with pytest.raises(ValueError, match=field):
        await books.cases.transition(report_id, ["new"], {"status": "claimed", field: 1}, entry("claim", report_id))
    assert await books.cases.case(report_id) == before
    assert await books.audit.trail() == []


async def test_requeueing_restarts_the_sla_clock_in_the_new_queue(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345", created_at=AT)
    assert ids(await books.cases.unclaimed_since(1, AT, AT)) == [report_id]
    moved = {"queue": "sindh", "queued_at": "2026-11-28T12:00:00+00:00"}
    changed = await books.cases.transition(report_id, ["new"], moved, entry("transfer", report_id))
    assert changed is not None and changed.queue == "sindh" and changed.created_at == AT
    assert await books.cases.unclaimed_since(1, "2026-11-28T11:59:59+00:00", "2026-11-28T11:59:59+00:00") == []
    assert ids(await books.cases.unclaimed_since(1, "2026-11-28T12:00:00+00:00", AT)) == [report_id]
    assert ids(await books.cases.open_cases(["sindh"])) == [report_id]
    assert await books.cases.open_cases(["punjab"]) == []


# ---- which message shows which case --------------------------------------------------------------


async def test_remembered_messages_say_which_case_they_show(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    other = await submit(store, "BBBB-2345")
    await books.cases.remember_message(-100, 9, report_id, "card")
    await asyncio.sleep(0.02)  # "oldest first" needs times a coarse clock tells apart
    await books.cases.remember_message(-200, 5, report_id, "card")
    await books.cases.remember_message(-100, 6, report_id, "digest")
    await books.cases.remember_message(-100, 7, other, "card")
    assert await books.cases.message_case(-200, 5) == (report_id, "card")
    assert await books.cases.message_case(-100, 6) == (report_id, "digest")
    assert await books.cases.message_case(-100, 8) is None
    assert await books.cases.message_case(-100, 5) is None
    assert await books.cases.case_messages(report_id) == [(-100, 9), (-200, 5)]  # oldest first, not by chat
    assert await books.cases.case_messages(report_id, "digest") == [(-100, 6)]
    assert await books.cases.case_messages(other) == [(-100, 7)]
    assert await books.cases.case_messages(report_id, "question") == []


async def test_a_message_remembered_again_shows_the_latest_case(store: Store, books: Books) -> None:
    first = await submit(store, "AAAA-2345")
    second = await submit(store, "BBBB-2345")
    await books.cases.remember_message(-100, 5, first, "card")
    await books.cases.remember_message(-100, 5, second, "question")
    assert await books.cases.message_case(-100, 5) == (second, "question")
    assert await books.cases.case_messages(first) == []
    assert await books.cases.case_messages(second, "question") == [(-100, 5)]


# ---- questions relayed to the citizen ------------------------------------------------------------


def relay(report_id: int, officer: int = OFFICER) -> Outgoing:
    return Outgoing("question", "chat:1001", f"question:{report_id}:{officer}", 0, True, {"lang": "ur"})


async def test_an_open_ask_is_pending_for_its_officer_within_the_time(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    assert await books.cases.pending_ask(report_id, OFFICER, 60) is None
    await books.cases.open_ask(report_id, OFFICER, -100, 99)
    assert await books.cases.pending_ask(report_id, OFFICER, 60) == 99
    assert await books.cases.pending_ask(report_id, OTHER_OFFICER, 60) is None
    assert await books.cases.pending_ask(report_id, OFFICER, -60) is None  # opened longer ago than allowed
    await books.cases.open_ask(report_id, OFFICER, -100, None)  # opened again, without a prompt message
    assert await books.cases.pending_ask(report_id, OFFICER, 60) == 0


async def test_asking_records_the_question_marks_waiting_and_queues_a_keyed_relay(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.transition(report_id, ["new"], claim(), entry("claim", report_id))
    await books.cases.open_ask(report_id, OFFICER, -100, 99)
    question_id = await books.cases.ask(
        report_id, OFFICER, "When did it start?", entry("ask", report_id), relay(report_id)
    )
    assert question_id is not None and question_id != NO_OPEN_ASK
    assert await books.cases.question(question_id) == (report_id, "When did it start?")
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "waiting"
    assert await books.cases.pending_ask(report_id, OFFICER, 60) is None  # the Ask is used
    assert [e.action for e in await books.audit.trail(report_id)] == ["claim", "ask"]
    assert await deliveries(books, "question") == [
        (
            "chat:1001",
            f"question:{report_id}:{OFFICER}:{question_id}",
            report_id,
            {"lang": "ur", "question_id": question_id},
        )
    ]
    assert [d.priority for d in await books.outbox.due() if d.kind == "question"] == [True]


async def test_without_an_open_ask_nothing_is_asked(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.open_ask(report_id, OTHER_OFFICER, -100, 99)  # another officer's Ask is not this one's
    asked = await books.cases.ask(report_id, OFFICER, "Hello?", entry("ask", report_id), relay(report_id))
    assert asked == NO_OPEN_ASK
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "new"
    assert await books.audit.trail() == []
    assert await deliveries(books, "question") == []
    assert await books.cases.pending_ask(report_id, OTHER_OFFICER, 60) == 99


async def test_one_ask_asks_once(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.open_ask(report_id, OFFICER, -100, 99)
    first = await books.cases.ask(report_id, OFFICER, "Which account?", entry("ask", report_id), relay(report_id))
    again = await books.cases.ask(report_id, OFFICER, "Which account?", entry("ask", report_id), relay(report_id))
    assert first not in (None, NO_OPEN_ASK) and again == NO_OPEN_ASK
    assert len(await deliveries(books, "question")) == 1


async def test_asking_on_a_closed_case_is_refused_audited_and_uses_the_ask(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.transition(report_id, ["new"], {"status": "resolved"}, entry("resolve", report_id))
    await books.cases.open_ask(report_id, OFFICER, -100, 99)
    assert await books.cases.ask(report_id, OFFICER, "Still there?", entry("ask", report_id), relay(report_id)) is None
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "resolved"
    assert [(e.action, e.allowed, e.detail) for e in await books.audit.trail(report_id)] == [
        ("resolve", True, ""),
        ("ask", False, "case is closed"),
    ]
    assert await deliveries(books, "question") == []
    assert await books.cases.pending_ask(report_id, OFFICER, 60) is None


async def test_two_officers_questions_get_their_own_ids_and_relays(store: Store, books: Books) -> None:
    """Both relays share a dedupe key; the question id added to it keeps the second from being dropped."""
    report_id = await submit(store, "AAAA-2345")
    for officer in (OFFICER, OTHER_OFFICER):
        await books.cases.open_ask(report_id, officer, -100, None)
    first = await books.cases.ask(report_id, OFFICER, "One?", entry("ask", report_id), relay(report_id))
    second = await books.cases.ask(report_id, OTHER_OFFICER, "Two?", entry("ask", report_id), relay(report_id))
    assert first is not None and second is not None and first != second
    assert await books.cases.question(first) == (report_id, "One?")
    assert await books.cases.question(second) == (report_id, "Two?")
    assert await books.cases.question(second + 100) is None
    keys = [key for _, key, _, _ in await deliveries(books, "question")]
    assert sorted(keys) == sorted(
        [f"question:{report_id}:{OFFICER}:{first}", f"question:{report_id}:{OFFICER}:{second}"]
    )


async def asked(books: Books, report_id: int, officer: int, text: str, shown_as: int | None) -> int:
    await books.cases.open_ask(report_id, officer, -100, None)
    question_id = await books.cases.ask(
        report_id, officer, text, entry("ask", report_id, officer), relay(report_id, officer)
    )
    assert question_id is not None and question_id != NO_OPEN_ASK
    if shown_as is not None:
        await books.cases.question_shown(question_id, shown_as)
    return question_id


async def test_a_question_is_answerable_once_shown_to_the_citizen(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "When?", None)
    assert await books.cases.open_question(CITIZEN, None) is None
    assert await books.cases.open_question(CITIZEN, 77) is None
    await books.cases.question_shown(question_id, 77)
    assert await books.cases.open_question(CITIZEN, 77, exact=True) == (question_id, report_id)
    assert await books.cases.open_question(CITIZEN, 12, exact=True) is None  # a reply to something else
    assert await books.cases.open_question(CITIZEN, 12) == (question_id, report_id)  # the newest unanswered
    assert await books.cases.open_question(CITIZEN, None) == (question_id, report_id)
    assert await books.cases.open_question("tg:2002", None) is None


async def test_a_reply_finds_its_question_and_otherwise_the_newest_unanswered(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    older = await asked(books, report_id, OFFICER, "Which account?", 70)
    newer = await asked(books, report_id, OTHER_OFFICER, "Since when?", 71)
    assert await books.cases.open_question(CITIZEN, None) == (newer, report_id)
    assert await books.cases.open_question(CITIZEN, 70) == (older, report_id)
    await books.cases.answer(newer, report_id, entry("answer", report_id, 0), answer_relay(report_id, 1))
    assert await books.cases.open_question(CITIZEN, None) == (older, report_id)
    assert await books.cases.open_question(CITIZEN, 71, exact=True) == (newer, report_id)  # answered, still found
    await books.cases.answer(older, report_id, entry("answer", report_id, 0), answer_relay(report_id, 2))
    assert await books.cases.open_question(CITIZEN, None) is None


async def test_no_question_is_open_on_a_closed_case(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "When?", 77)
    await books.cases.transition(report_id, ["waiting"], {"status": "resolved"}, entry("resolve", report_id))
    assert await books.cases.question(question_id) == (report_id, "When?")
    assert await books.cases.open_question(CITIZEN, 77) is None
    assert await books.cases.open_question(CITIZEN, None) is None


def answer_relay(report_id: int, n: int) -> Outgoing:
    return Outgoing("answer", "queue:punjab", f"answer:{report_id}:{n}", report_id, payload={"n": n})


async def test_an_answer_puts_a_claimed_case_back_once_every_question_is_answered(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.transition(report_id, ["new"], claim(), entry("claim", report_id))
    first = await asked(books, report_id, OFFICER, "One?", 70)
    second = await asked(books, report_id, OTHER_OFFICER, "Two?", 71)
    await books.cases.answer(first, report_id, entry("answer", report_id, 0), answer_relay(report_id, 1))
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "waiting"  # the second question still waits
    await books.cases.answer(second, report_id, entry("answer", report_id, 0), answer_relay(report_id, 2))
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "claimed" and case.claimed_by == OFFICER
    assert [e.action for e in await books.audit.trail(report_id)] == ["claim", "ask", "ask", "answer", "answer"]
    assert await deliveries(books, "answer") == [
        ("queue:punjab", f"answer:{report_id}:1", report_id, {"n": 1}),
        ("queue:punjab", f"answer:{report_id}:2", report_id, {"n": 2}),
    ]


async def test_an_answer_puts_an_unclaimed_case_back_to_new(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "One?", 70)
    await books.cases.answer(question_id, report_id, entry("answer", report_id, 0), answer_relay(report_id, 1))
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "new"


async def test_an_answer_after_the_case_closed_is_relayed_but_does_not_reopen_it(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "One?", 70)
    await books.cases.transition(report_id, ["waiting"], {"status": "resolved"}, entry("resolve", report_id))
    await books.cases.answer(question_id, report_id, entry("answer", report_id, 0), answer_relay(report_id, 1))
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "resolved"
    assert [e.action for e in await books.audit.trail(report_id)] == ["ask", "resolve", "answer"]
    assert len(await deliveries(books, "answer")) == 1


async def test_answering_the_same_question_twice_relays_each_distinct_delivery_once(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "One?", 70)
    for _ in range(2):
        await books.cases.answer(question_id, report_id, entry("answer", report_id, 0), answer_relay(report_id, 1))
    assert len(await deliveries(books, "answer")) == 1  # same dedupe key
    case = await books.cases.case(report_id)
    assert case is not None and case.status == "new"


# ---- service levels ------------------------------------------------------------------------------


async def test_unclaimed_since_finds_new_cases_past_their_threshold(store: Store, books: Books) -> None:
    adult = await submit(store, "AAAA-2345", created_at="2026-11-28T10:00:00+00:00")
    child = await submit(store, "BBBB-2345", priority=True, created_at="2026-11-28T11:00:00+00:00")
    claimed = await submit(store, "CCCC-2345", created_at="2026-11-28T09:00:00+00:00")
    await books.cases.transition(claimed, ["new"], claim(), entry("claim", claimed))
    both = await books.cases.unclaimed_since(1, "2026-11-28T10:00:00+00:00", "2026-11-28T11:00:00+00:00")
    assert ids(both) == [adult, child]  # each threshold is inclusive
    assert ids(await books.cases.unclaimed_since(1, "2026-11-28T10:00:00+00:00", "2026-11-28T10:59:59+00:00")) == [
        adult
    ]
    assert ids(await books.cases.unclaimed_since(1, "2026-11-28T09:59:59+00:00", "2026-11-28T11:00:00+00:00")) == [
        child
    ]
    # A priority case is judged by the priority threshold only, an ordinary one by the other only.
    assert await books.cases.unclaimed_since(1, "2026-11-28T12:00:00+00:00", "2026-11-28T09:00:00+00:00") == [
        await books.cases.case(adult)
    ]


async def test_raising_a_level_marks_the_cases_audits_and_queues_the_reminders(store: Store, books: Books) -> None:
    first = await submit(store, "AAAA-2345")
    second = await submit(store, "BBBB-2345")
    reminder = Outgoing("reminder", "queue:punjab", f"reminder:{first}:1", first)
    await books.cases.raise_level([first], 1, [reminder])
    after = "2026-11-28T23:00:00+00:00"
    assert ids(await books.cases.unclaimed_since(1, after, after)) == [second]
    assert ids(await books.cases.unclaimed_since(2, after, after)) == [first, second]
    raised = await books.cases.case(first)
    assert raised is not None and raised.reminded == 1
    trail = [(e.actor, e.actor_name, e.action, e.report_id, e.queue, e.allowed) for e in await books.audit.trail()]
    assert trail == [(None, "sla", "reminder_1", first, None, True)]
    assert await deliveries(books, "reminder") == [("queue:punjab", f"reminder:{first}:1", first, {})]


async def test_a_level_is_never_lowered(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.cases.raise_level([report_id], 2, [])
    await books.cases.raise_level([report_id], 1, [])
    case = await books.cases.case(report_id)
    assert case is not None and case.reminded == 2
    assert [e.action for e in await books.audit.trail(report_id)] == ["reminder_2", "reminder_1"]


async def test_raising_no_case_does_nothing_not_even_its_deliveries(books: Books) -> None:
    await books.cases.raise_level([], 1, [Outgoing("reminder", "chat:9000", "reminder:none:1")])
    assert await books.audit.trail() == []
    assert await deliveries(books, "reminder") == []
