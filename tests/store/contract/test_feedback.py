"""The feedback contract: citizens' answers to "Did this help?", counted from the audit trail by each
case's first answer, the same on every backend."""

from __future__ import annotations

from bot.store.ports import Books
from bot.store.records import AuditEntry

AT = "2026-11-28T10:00:00+00:00"


def answer(report_id: int | None, detail: str, *, allowed: bool = True, action: str = "feedback") -> AuditEntry:
    return AuditEntry(AT, None, "citizen", action, report_id, "punjab", allowed, detail)


async def test_no_answer_yet_is_an_empty_count(books: Books) -> None:
    assert await books.stats.feedback() == {}
    await books.audit.record(answer(1, "done", action="resolve"))
    assert await books.stats.feedback() == {}


async def test_each_case_counts_once_by_its_first_answer(books: Books) -> None:
    for entry in (
        answer(1, "helped"),
        answer(2, "not"),
        answer(1, "not"),  # a second answer for case 1: its first stands
        answer(3, "partly"),
        answer(4, "helped"),
        answer(5, "helped", allowed=False),  # refused: not counted
        answer(None, "helped"),  # no case: not counted
        answer(6, "helped", action="resolve"),  # another action entirely
    ):
        await books.audit.record(entry)
    assert await books.stats.feedback() == {"helped": 2, "not": 1, "partly": 1}


async def test_a_refused_first_press_does_not_hide_the_answer_that_counted(books: Books) -> None:
    await books.audit.record(answer(7, "not", allowed=False))
    await books.audit.record(answer(7, "partly"))
    assert await books.stats.feedback() == {"partly": 1}
