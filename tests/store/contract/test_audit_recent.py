"""Audit.recent over every backend: the newest entries first, a page at a time, read by the primary key."""

from __future__ import annotations

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.postgres.store import PostgresStore
from bot.store.records import AuditEntry
from bot.store.sqlite.store import SqliteStore
from tests.store.contract.helpers import submit

RECENT = "SELECT at FROM audit ORDER BY id DESC LIMIT 100 OFFSET 200"


def entry(number: int, report_id: int | None = None) -> AuditEntry:
    # `at` goes backwards on purpose: the order is the order written, not the time an entry names.
    at = f"2026-11-28T{23 - number // 60:02d}:{59 - number % 60:02d}:00+00:00"
    return AuditEntry(at, 11, "Ayesha", "claim", report_id, "punjab", number % 3 != 0, f"entry {number}")


async def record(books: Books, count: int) -> list[AuditEntry]:
    written = [entry(n, report_id=n % 4 or None) for n in range(count)]
    for item in written:
        await books.audit.record(item)
    return written


async def test_nothing_recorded_gives_an_empty_page(books: Books) -> None:
    assert await books.audit.recent(100) == []
    assert await books.audit.recent(100, 100) == []


async def test_the_newest_entries_come_first(books: Books) -> None:
    written = await record(books, 7)
    assert await books.audit.recent(3) == written[::-1][:3]
    assert await books.audit.recent(100) == written[::-1]


async def test_pages_follow_each_other_without_a_gap_or_an_overlap(books: Books) -> None:
    written = await record(books, 25)
    pages = [await books.audit.recent(10, offset) for offset in (0, 10, 20, 30)]
    assert [len(p) for p in pages] == [10, 10, 5, 0]
    assert [e for p in pages for e in p] == written[::-1]


async def test_an_offset_past_the_end_or_a_limit_of_nothing_gives_nothing(books: Books) -> None:
    await record(books, 3)
    assert await books.audit.recent(10, 3) == []
    assert await books.audit.recent(10, 1000) == []
    assert await books.audit.recent(0) == []


async def test_entries_written_by_other_books_are_in_their_place(store: Store, books: Books) -> None:
    report_id = await submit(store, "AAAA-2345")
    await books.audit.record(entry(1, report_id))
    await books.admins.add(4242, 9000, "Admin")  # the admins' book writes its own entry
    await books.cases.transition(report_id, ["new"], {"status": "claimed", "claimed_by": 11}, entry(2, report_id))
    assert [e.action for e in await books.audit.recent(10)] == ["claim", "add_admin", "claim"]
    assert [e.detail for e in await books.audit.recent(1, 2)] == ["entry 1"]
    assert await books.audit.recent(10) == (await books.audit.trail())[::-1]


async def test_a_page_far_down_a_long_log_is_read_by_the_primary_key(store: Store, books: Books) -> None:
    """No sort of the whole table: the newest rows are read backwards along the primary key's index."""
    if isinstance(store, SqliteStore):
        plan = await store.database.fetchall("EXPLAIN QUERY PLAN " + RECENT)
        steps = " | ".join(str(row[-1]) for row in plan)
        assert "SCAN audit" in steps and "TEMP B-TREE" not in steps, steps
    elif isinstance(store, PostgresStore):
        async with store.database.pool.acquire() as conn, conn.transaction():
            # A few rows make a sequential scan cheaper; forbid it to see which index serves the order.
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = [row[0] for row in await conn.fetch("EXPLAIN " + RECENT)]
        assert any("Index Scan Backward using audit_pkey" in line for line in plan), plan
        assert not any("Sort" in line for line in plan), plan
    written = await record(books, 320)
    assert await books.audit.recent(100, 200) == written[::-1][200:300]
