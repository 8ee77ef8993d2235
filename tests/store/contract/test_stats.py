"""The /stats contract: totals by province, category and status, counts by creation time, and claims."""

from __future__ import annotations

from typing import Any

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import OPEN_STATUSES, AuditEntry, Claim
from tests.store.contract.helpers import submit

OFFICER = 501
DAY1, DAY2, DAY3 = "2026-11-01T10:00:00+00:00", "2026-11-02T10:00:00+00:00", "2026-11-03T10:00:00+00:00"


async def change(books: Books, report_id: int, expected: tuple[str, ...], **changes: Any) -> None:
    audit = AuditEntry(DAY3, OFFICER, "officer", "change", report_id, "punjab", True)
    assert await books.cases.transition(report_id, expected, changes, audit) is not None


async def claim(books: Books, report_id: int, at: str) -> None:
    await change(books, report_id, ("new",), status="claimed", claimed_by=OFFICER, claimed_at=at)


async def status(books: Books, report_id: int) -> str:
    case = await books.cases.case(report_id)
    assert case is not None
    return case.status


async def test_an_empty_store_has_no_figures(books: Books) -> None:
    assert await books.stats.totals() == []
    assert await books.stats.count_created("") == 0
    assert await books.stats.count_open_created_before("9999") == 0
    assert await books.stats.claims_since("") == []


async def test_totals_count_reports_by_province_category_and_status(store: Store, books: Books) -> None:
    await submit(store, "R-1", province="punjab", category="blackmail")
    await submit(store, "R-2", province="punjab", category="blackmail")
    await submit(store, "R-3", province="sindh", category="blackmail")
    await submit(store, "R-4", province="punjab", category="impersonation")

    assert sorted(await books.stats.totals()) == [
        ("punjab", "blackmail", "new", 2),
        ("punjab", "impersonation", "new", 1),
        ("sindh", "blackmail", "new", 1),
    ]


async def test_a_missing_province_or_category_is_counted_as_none(store: Store, books: Books) -> None:
    await submit(store, "R-1", province=None, category=None)
    await submit(store, "R-2", province=None, category="blackmail")
    await submit(store, "R-3", province="sindh", category=None)
    await submit(store, "R-4", province="none", category="none")  # the same key as a missing one

    assert sorted(await books.stats.totals()) == [
        ("none", "blackmail", "new", 1),
        ("none", "none", "new", 2),
        ("sindh", "none", "new", 1),
    ]


async def test_totals_follow_status_changes_and_leave_out_empty_groups(store: Store, books: Books) -> None:
    first = await submit(store, "R-1")
    second = await submit(store, "R-2")
    await claim(books, first, DAY1)
    await change(books, first, OPEN_STATUSES, status="resolved", outcome="advice", closed_at=DAY2)

    assert sorted(await books.stats.totals()) == [
        ("punjab", "blackmail", "new", 1),
        ("punjab", "blackmail", "resolved", 1),
    ]

    await claim(books, second, DAY2)
    assert sorted(await books.stats.totals()) == [
        ("punjab", "blackmail", "claimed", 1),
        ("punjab", "blackmail", "resolved", 1),
    ]


async def test_totals_are_not_changed_by_a_refused_transition_or_anonymisation(store: Store, books: Books) -> None:
    report_id = await submit(store, "R-1")
    await change(books, report_id, ("new",), status="spam", outcome="spam", closed_at=DAY1)
    audit = AuditEntry(DAY3, OFFICER, "officer", "claim", report_id, "punjab", True)
    assert await books.cases.transition(report_id, ("new",), {"status": "claimed"}, audit) is None
    assert await books.retention.anonymise_closed("9999") == 1

    assert await books.stats.totals() == [("punjab", "blackmail", "spam", 1)]


async def test_count_created_takes_since_inclusive_and_until_exclusive(store: Store, books: Books) -> None:
    for n, created_at in enumerate((DAY1, DAY2, DAY2, DAY3)):
        await submit(store, f"R-{n}", created_at=created_at)

    assert await books.stats.count_created(DAY2) == 3
    assert await books.stats.count_created(DAY2, None) == 3
    assert await books.stats.count_created(DAY2, DAY3) == 2
    assert await books.stats.count_created(DAY1, DAY2) == 1
    assert await books.stats.count_created(DAY3, DAY3) == 0
    assert await books.stats.count_created("2026-12-01T00:00:00+00:00") == 0


async def test_open_cases_created_before_count_only_open_ones(store: Store, books: Books) -> None:
    new, claimed, waiting, resolved, spam, later = [
        await submit(store, f"R-{n}", created_at=DAY1 if n < 5 else DAY2) for n in range(6)
    ]
    await claim(books, claimed, DAY1)
    await claim(books, waiting, DAY1)
    await change(books, waiting, ("claimed",), status="waiting")
    await change(books, resolved, ("new",), status="resolved", outcome="advice", closed_at=DAY2)
    await change(books, spam, ("new",), status="spam", outcome="spam", closed_at=DAY2)
    assert [await status(books, r) for r in (new, claimed, waiting, resolved, spam, later)] == [
        "new",
        "claimed",
        "waiting",
        "resolved",
        "spam",
        "new",
    ]

    assert await books.stats.count_open_created_before(DAY2) == 3
    assert await books.stats.count_open_created_before(DAY3) == 4
    assert await books.stats.count_open_created_before(DAY1) == 0  # strictly before


async def test_claims_since_lists_claimed_cases_in_id_order(store: Store, books: Books) -> None:
    first = await submit(store, "R-1", created_at=DAY1, priority=True)
    second = await submit(store, "R-2", created_at=DAY1)
    early = await submit(store, "R-3", created_at=DAY1)
    await submit(store, "R-4", created_at=DAY1)  # never claimed
    await claim(books, second, "2026-11-01T11:00:00+00:00")
    await claim(books, first, "2026-11-01T12:00:00+00:00")
    await claim(books, early, "2026-11-01T10:30:00+00:00")
    await change(books, second, ("claimed",), status="resolved", outcome="advice", closed_at=DAY2)

    assert await books.stats.claims_since("2026-11-01T11:00:00+00:00") == [
        Claim(DAY1, "2026-11-01T12:00:00+00:00", True),
        Claim(DAY1, "2026-11-01T11:00:00+00:00", False),
    ]
    assert [c.claimed_at for c in await books.stats.claims_since(DAY1)] == [
        "2026-11-01T12:00:00+00:00",
        "2026-11-01T11:00:00+00:00",
        "2026-11-01T10:30:00+00:00",
    ]
    assert await books.stats.claims_since("2026-11-01T12:00:01+00:00") == []
