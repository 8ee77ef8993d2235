"""What the officers' desk reads of cases, over every backend: the lists a ``CaseQuery`` selects (and their
counts), and a case's thread of questions and answers, kept sealed like the questions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.store.base import Store
from bot.store.memory.store import MemoryStore
from bot.store.ports import Books
from bot.store.postgres.store import PostgresStore
from bot.store.records import NO_OPEN_ASK, AuditEntry, CaseQuery, Exchange, Outgoing, StoredReport
from bot.store.sqlite.store import SqliteStore
from tests.store.contract.helpers import submit
from tests.store.postgres.server import fresh_keyring

OFFICER, OTHER_OFFICER = 11, 12
AT = "2026-11-28T10:05:00+00:00"


def entry(action: str, report_id: int, actor: int = OFFICER) -> AuditEntry:
    return AuditEntry(AT, actor, f"officer {actor}", action, report_id, "punjab", True)


def claim(officer: int) -> dict[str, object]:
    return {"status": "claimed", "claimed_by": officer, "claimed_name": f"officer {officer}", "claimed_at": AT}


def ids(found: Sequence[StoredReport]) -> list[int]:
    return [r.id for r in found]


@dataclass(frozen=True)
class Cases:
    """The cases of ``cases()``, by what sets each apart."""

    adult: int  # punjab, new, queued 10:00
    child: int  # punjab, new, priority and a minor, queued 11:00
    danger: int  # sindh, new, priority (ongoing danger), adult, queued 09:00
    claimed: int  # sindh, claimed by OFFICER, queued 08:00
    waiting: int  # punjab, waiting, claimed by OTHER_OFFICER, queued 12:00
    resolved: int  # punjab, resolved
    unrouted: int  # no queue, new, queued 13:00
    spam: int  # balochistan, spam, priority


async def cases(store: Store, books: Books) -> Cases:
    adult = await submit(store, "AAAA-2345", created_at="2026-11-28T10:00:00+00:00")
    child = await submit(store, "BBBB-2345", priority=True, minor=True, created_at="2026-11-28T11:00:00+00:00")
    danger = await submit(store, "CCCC-2345", queue="sindh", priority=True, created_at="2026-11-28T09:00:00+00:00")
    claimed = await submit(store, "DDDD-2345", queue="sindh", created_at="2026-11-28T08:00:00+00:00")
    waiting = await submit(store, "EEEE-2345", created_at="2026-11-28T12:00:00+00:00")
    resolved = await submit(store, "FFFF-2345", created_at="2026-11-28T07:00:00+00:00")
    unrouted = await submit(store, "GGGG-2345", queue=None, created_at="2026-11-28T13:00:00+00:00")
    spam = await submit(store, "HHHH-2345", queue="balochistan", priority=True, created_at="2026-11-28T06:00:00+00:00")
    await books.cases.transition(claimed, ["new"], claim(OFFICER), entry("claim", claimed))
    await books.cases.transition(waiting, ["new"], claim(OTHER_OFFICER), entry("claim", waiting, OTHER_OFFICER))
    await books.cases.transition(waiting, ["claimed"], {"status": "waiting"}, entry("ask", waiting, OTHER_OFFICER))
    await books.cases.transition(resolved, ["new"], {"status": "resolved", "closed_at": AT}, entry("resolve", resolved))
    await books.cases.transition(spam, ["new"], {"status": "spam", "closed_at": AT}, entry("spam", spam))
    return Cases(adult, child, danger, claimed, waiting, resolved, unrouted, spam)


async def found(books: Books, query: CaseQuery) -> list[int]:
    """The ids ``query`` finds, checking that count_cases agrees (limit and offset aside)."""
    listed = ids(await books.cases.find_cases(query))
    everything = ids(await books.cases.find_cases(replace(query, limit=1000, offset=0)))
    assert await books.cases.count_cases(query) == len(everything)
    return listed


async def test_the_queues_given_their_open_cases_priority_first(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(("punjab",))) == [c.child, c.adult, c.waiting]
    assert await found(books, CaseQuery(("sindh", "punjab"))) == [c.child, c.danger, c.adult, c.claimed, c.waiting]
    assert await found(books, CaseQuery(("kpk",))) == []


async def test_no_queues_finds_nothing_and_none_finds_every_queue_and_none(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(())) == []
    assert await found(books, CaseQuery(None)) == [c.child, c.danger, c.adult, c.claimed, c.waiting, c.unrouted]


async def test_statuses_choose_the_cases(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(None, statuses=("resolved", "spam"))) == [c.spam, c.resolved]
    assert await found(books, CaseQuery(("punjab",), statuses=("resolved",))) == [c.resolved]
    assert await found(books, CaseQuery(None, statuses=("waiting", "claimed"))) == [c.claimed, c.waiting]
    assert await found(books, CaseQuery(None, statuses=())) == []


async def test_minor_and_priority_narrow_the_list(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(None, minor=True)) == [c.child]
    assert await found(books, CaseQuery(None, minor=False)) == [c.danger, c.adult, c.claimed, c.waiting, c.unrouted]
    assert await found(books, CaseQuery(None, priority=True)) == [c.child, c.danger]
    assert await found(books, CaseQuery(None, priority=False)) == [c.adult, c.claimed, c.waiting, c.unrouted]
    assert await found(books, CaseQuery(None, priority=True, minor=False)) == [c.danger]
    everything = CaseQuery(None, statuses=("new", "claimed", "waiting", "resolved", "spam"), priority=True)
    assert await found(books, everything) == [c.child, c.danger, c.spam]


async def test_claimed_by_finds_an_officers_own_cases(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(None, claimed_by=OFFICER)) == [c.claimed]
    assert await found(books, CaseQuery(None, claimed_by=OTHER_OFFICER)) == [c.waiting]
    assert await found(books, CaseQuery(("punjab",), claimed_by=OFFICER)) == []
    assert await found(books, CaseQuery(None, claimed_by=99)) == []


async def test_a_reference_finds_its_case_exactly(store: Store, books: Books) -> None:
    c = await cases(store, books)
    assert await found(books, CaseQuery(None, reference="BBBB-2345")) == [c.child]
    assert await found(books, CaseQuery(("sindh",), reference="BBBB-2345")) == []  # not one of these queues
    assert await found(books, CaseQuery(None, reference="FFFF-2345")) == []  # closed: not an open status
    assert await found(books, CaseQuery(None, statuses=("resolved",), reference="FFFF-2345")) == [c.resolved]
    assert await found(books, CaseQuery(None, reference="bbbb-2345")) == []
    assert await found(books, CaseQuery(None, reference="BBBB")) == []


async def test_overdue_finds_new_cases_queued_at_or_before_their_threshold(store: Store, books: Books) -> None:
    c = await cases(store, books)
    both = CaseQuery(
        None, overdue_before="2026-11-28T10:00:00+00:00", overdue_before_priority="2026-11-28T11:00:00+00:00"
    )
    assert await found(books, both) == [c.child, c.danger, c.adult]  # each threshold inclusive; claimed is not new
    earlier = replace(both, overdue_before_priority="2026-11-28T10:59:59+00:00")
    assert await found(books, earlier) == [c.danger, c.adult]
    # A priority case is judged by the priority threshold only, an ordinary one by the other only.
    crossed = CaseQuery(
        None, overdue_before="2026-11-28T23:00:00+00:00", overdue_before_priority="2026-11-28T08:00:00+00:00"
    )
    assert await found(books, crossed) == [c.adult, c.unrouted]
    assert await found(books, replace(crossed, queues=("punjab",))) == [c.adult]
    # A threshold left None finds none of its kind.
    assert await found(books, CaseQuery(None, overdue_before="2026-11-28T23:00:00+00:00")) == [c.adult, c.unrouted]
    assert await found(books, CaseQuery(None, overdue_before_priority="2026-11-28T23:00:00+00:00")) == [
        c.child,
        c.danger,
    ]


async def test_overdue_counts_cases_already_reminded(store: Store, books: Books) -> None:
    c = await cases(store, books)
    await books.cases.raise_level([c.adult], 2, [])
    late = "2026-11-28T23:00:00+00:00"
    assert await found(books, CaseQuery(("punjab",), overdue_before=late, overdue_before_priority=late)) == [
        c.child,
        c.adult,
    ]
    # Where the reminders (unclaimed_since) leave a case out once raised to the level.
    assert ids(await books.cases.unclaimed_since(2, late, late)) == [c.child, c.danger, c.unrouted]


async def test_a_transfer_requeues_a_case_for_the_overdue_list(store: Store, books: Books) -> None:
    c = await cases(store, books)
    await books.cases.transition(
        c.adult, ["new"], {"queue": "sindh", "queued_at": "2026-11-28T14:00:00+00:00"}, entry("transfer", c.adult)
    )
    late = CaseQuery(None, overdue_before="2026-11-28T13:59:59+00:00", priority=False)
    assert await found(books, late) == [c.unrouted]
    assert await found(books, replace(late, overdue_before="2026-11-28T14:00:00+00:00")) == [c.adult, c.unrouted]


async def test_pages_follow_the_order_and_the_count_ignores_them(store: Store, books: Books) -> None:
    c = await cases(store, books)
    every = [c.child, c.danger, c.adult, c.claimed, c.waiting, c.unrouted]
    pages = [await found(books, CaseQuery(None, limit=2, offset=offset)) for offset in (0, 2, 4, 6)]
    assert pages == [every[0:2], every[2:4], every[4:6], []]
    assert await books.cases.count_cases(CaseQuery(None, limit=2, offset=4)) == 6
    assert await found(books, CaseQuery(None, limit=0)) == []
    assert await found(books, CaseQuery(None, offset=5)) == [c.unrouted]


async def test_a_priority_case_comes_first_however_new(store: Store, books: Books) -> None:
    first = await submit(store, "AAAA-2345")
    second = await submit(store, "BBBB-2345")
    child = await submit(store, "CCCC-2345", priority=True, minor=True)
    assert await found(books, CaseQuery(("punjab",), limit=1)) == [child]
    assert await found(books, CaseQuery(("punjab",), limit=2, offset=1)) == [first, second]


async def test_a_negative_limit_or_offset_is_refused(books: Books) -> None:
    for query in (CaseQuery(None, limit=-1), CaseQuery(None, offset=-1)):
        with pytest.raises(ValueError, match="not negative"):
            await books.cases.find_cases(query)
        with pytest.raises(ValueError, match="not negative"):
            await books.cases.count_cases(query)


async def test_found_cases_are_the_cases_themselves(store: Store, books: Books) -> None:
    c = await cases(store, books)
    for case in await books.cases.find_cases(CaseQuery(None, statuses=("new", "claimed", "waiting", "resolved"))):
        assert case == await books.cases.case(case.id)
    assert c.child in ids(await books.cases.find_cases(CaseQuery(None)))


# ---- the thread of questions and answers -----------------------------------------------------------------


async def asked(books: Books, report_id: int, officer: int, text: str, shown_as: int) -> int:
    await books.cases.open_ask(report_id, officer, -100, None)
    relay = Outgoing("question", "chat:1001", f"question:{report_id}", report_id, payload={"text": text})
    question_id = await books.cases.ask(report_id, officer, text, entry("ask", report_id, officer), relay)
    assert question_id is not None and question_id != NO_OPEN_ASK
    await books.cases.question_shown(question_id, shown_as)
    return question_id


async def answered(books: Books, question_id: int, report_id: int, text: str | None, message_id: int) -> None:
    """As Casework.answer relays it: the answer's text in the relay's payload."""
    payload: dict[str, object] = {"question_id": question_id}
    if text is not None:
        payload["text"] = text
    relay = Outgoing("answer", "queue:punjab", f"answer:{question_id}:{message_id}", report_id, payload=payload)
    await books.cases.answer(question_id, report_id, entry("answer", report_id, 0), relay)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The time every backend's cases book writes: the last item of the list (append to move it on)."""
    times = ["2026-11-28T10:00:00+00:00"]
    for module in ("memory", "sqlite", "postgres"):
        monkeypatch.setattr(f"bot.store.{module}.cases.now_iso", lambda: times[-1])
    yield times


async def test_a_thread_holds_the_questions_and_answers_oldest_first(
    store: Store, books: Books, clock: list[str]
) -> None:
    report_id = await submit(store, "AAAA-2345")
    other = await submit(store, "BBBB-2345")
    first = await asked(books, report_id, OFFICER, "Which account is it?", 70)
    clock.append("2026-11-28T10:01:00+00:00")
    second = await asked(books, report_id, OTHER_OFFICER, "کب سے؟", 71)
    await asked(books, other, OFFICER, "Not this case", 72)
    clock.append("2026-11-28T10:02:00+00:00")
    await answered(books, first, report_id, "@bilal.q on Facebook", 80)
    assert await books.cases.thread(report_id) == [
        Exchange(
            first,
            OFFICER,
            "Which account is it?",
            "2026-11-28T10:00:00+00:00",
            "@bilal.q on Facebook",
            "2026-11-28T10:02:00+00:00",
        ),
        Exchange(second, OTHER_OFFICER, "کب سے؟", "2026-11-28T10:01:00+00:00"),
    ]
    assert await books.cases.thread(other + 100) == []


async def test_a_second_answer_replaces_the_text_and_keeps_the_first_time(
    store: Store, books: Books, clock: list[str]
) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "Which account?", 70)
    clock.append("2026-11-28T10:02:00+00:00")
    await answered(books, question_id, report_id, "the first one", 80)
    clock.append("2026-11-28T10:03:00+00:00")
    await answered(books, question_id, report_id, "sorry: the second one", 81)
    (exchange,) = await books.cases.thread(report_id)
    assert (exchange.answer, exchange.answered_at) == ("sorry: the second one", "2026-11-28T10:02:00+00:00")
    await answered(books, question_id, report_id, None, 82)  # a relay without text (a photo) keeps the text
    (exchange,) = await books.cases.thread(report_id)
    assert (exchange.answer, exchange.answered_at) == ("sorry: the second one", "2026-11-28T10:02:00+00:00")


async def test_an_answer_without_text_is_answered_with_no_text(store: Store, books: Books, clock: list[str]) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "Which account?", 70)
    await answered(books, question_id, report_id, None, 80)
    assert await books.cases.thread(report_id) == [
        Exchange(question_id, OFFICER, "Which account?", clock[-1], None, clock[-1])
    ]


async def test_an_anonymised_case_has_no_thread(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    question_id = await asked(books, report_id, OFFICER, "Which account?", 70)
    await answered(books, question_id, report_id, "@bilal.q", 80)
    await books.cases.transition(
        report_id,
        ["new"],
        {"status": "resolved", "closed_at": "2026-11-28T11:00:00+00:00"},
        entry("resolve", report_id),
    )
    assert await books.retention.anonymise_closed("2026-12-28T00:00:00+00:00") == 1
    assert await books.cases.thread(report_id) == []


async def stored_answers(store: Store) -> list[str | None]:
    """The answer column as the backend keeps it."""
    if isinstance(store, MemoryStore):
        return [row.answer for _, row in sorted(store.tables.questions.items())]
    if isinstance(store, SqliteStore):
        return [row[0] for row in await store.database.fetchall("SELECT answer FROM questions ORDER BY id")]
    if isinstance(store, PostgresStore):
        return [row[0] for row in await store.database.fetch("SELECT answer FROM questions ORDER BY id")]
    raise TypeError(f"no such backend: {type(store).__name__}")


async def test_an_answer_is_sealed_where_it_is_written_to_disk(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    first = await asked(books, report_id, OFFICER, "Which account?", 70)
    await asked(books, report_id, OFFICER, "Since when?", 71)
    await answered(books, first, report_id, "@bilal.q", 80)
    kept = await stored_answers(store)
    if isinstance(store, MemoryStore):
        assert kept == ["@bilal.q", None]
    else:
        assert kept[1] is None and kept[0] is not None and kept[0].startswith("enc1:") and "bilal" not in kept[0]


SECRET_ANSWER = "Bilal Qureshi, +923001234567, lives on Mall Road"


async def test_the_sqlite_file_holds_no_answer_in_the_clear(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = SqliteStore(path, keyring=fresh_keyring())
    await store.open()
    try:
        books = store.books()
        report_id = await submit(store, "AAAA-2345")
        question_id = await asked(books, report_id, OFFICER, "Who is it?", 70)
        await answered(books, question_id, report_id, SECRET_ANSWER, 80)
        (exchange,) = await books.cases.thread(report_id)
        assert exchange.answer == SECRET_ANSWER
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for planted in (SECRET_ANSWER, "Bilal Qureshi", "+923001234567", "Mall Road"):
            assert planted.encode() not in raw, planted
    finally:
        await store.close()
