"""The Audit port over every backend: entries kept as written, in the order written, per case or all."""

from __future__ import annotations

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import AuditEntry
from tests.store.contract.helpers import submit


def entry(at: str, action: str, report_id: int | None, allowed: bool = True, detail: str = "") -> AuditEntry:
    return AuditEntry(at, 11, "Ayesha", action, report_id, "punjab", allowed, detail)


async def test_an_empty_trail(books: Books) -> None:
    assert await books.audit.trail() == []
    assert await books.audit.trail(1) == []


async def test_entries_come_back_as_recorded_in_the_order_recorded(books: Books) -> None:
    written = [
        entry("2026-11-28T12:00:00+00:00", "claim", 1),
        entry("2026-11-28T11:00:00+00:00", "claim", 1, allowed=False, detail="case had moved on"),  # an earlier `at`
        AuditEntry("2026-11-28T11:30:00+00:00", None, "", "bind_queue", None, None, True, "-100"),
    ]
    for item in written:
        await books.audit.record(item)
    assert await books.audit.trail() == written


async def test_a_case_trail_holds_only_that_case(books: Books) -> None:
    one = [entry("2026-11-28T10:00:00+00:00", "claim", 1), entry("2026-11-28T10:02:00+00:00", "resolve", 1)]
    await books.audit.record(one[0])
    await books.audit.record(entry("2026-11-28T10:01:00+00:00", "claim", 2))
    await books.audit.record(entry("2026-11-28T10:01:30+00:00", "refused", None, allowed=False))
    await books.audit.record(one[1])
    assert await books.audit.trail(1) == one
    assert [e.report_id for e in await books.audit.trail(2)] == [2]
    assert await books.audit.trail(3) == []
    assert len(await books.audit.trail()) == 4


async def test_recording_the_same_entry_twice_keeps_both(books: Books) -> None:
    same = entry("2026-11-28T10:00:00+00:00", "claim", 1)
    await books.audit.record(same)
    await books.audit.record(same)
    assert await books.audit.trail(1) == [same, same]


async def test_the_trail_holds_what_the_case_book_wrote_among_what_was_recorded(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.audit.record(entry("2026-11-28T10:00:00+00:00", "press", report_id, allowed=False, detail="not member"))
    claimed = entry("2026-11-28T10:01:00+00:00", "claim", report_id)
    await books.cases.transition(report_id, ["new"], {"status": "claimed", "claimed_by": 11}, claimed)
    await books.audit.record(entry("2026-11-28T10:02:00+00:00", "note", report_id))
    assert [(e.action, e.allowed) for e in await books.audit.trail(report_id)] == [
        ("press", False),
        ("claim", True),
        ("note", True),
    ]
