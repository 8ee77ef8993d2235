"""The senders contract: spam marks that block at the threshold, admins' blocks and unblocks, and their audit."""

from __future__ import annotations

from dataclasses import replace

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import AuditEntry
from tests.store.contract.helpers import CITIZEN, submit

OTHER = "tg:2002"
ADMIN, ADMIN_NAME = 9000, "Ayesha"


async def trail(books: Books, report_id: int | None = None) -> list[AuditEntry]:
    """The audit entries without their times (each is checked to have one)."""
    entries = await books.audit.trail(report_id)
    assert all(entry.at for entry in entries)
    return [replace(entry, at="") for entry in entries]


async def test_an_unknown_sender_is_neither_marked_nor_blocked(books: Books) -> None:
    await books.senders.load()
    assert not books.senders.is_blocked(CITIZEN)
    assert await books.senders.spam_marks(CITIZEN) == 0


async def test_spam_marks_block_the_sender_at_the_threshold(store: Store, books: Books) -> None:
    first, second, third = [await submit(store, ref) for ref in ("AAAA-2222", "BBBB-3333", "CCCC-4444")]

    assert await books.senders.mark_spam(CITIZEN, first, threshold=2) is False
    assert await books.senders.spam_marks(CITIZEN) == 1
    assert not books.senders.is_blocked(CITIZEN)
    assert await trail(books) == []

    assert await books.senders.mark_spam(CITIZEN, second, threshold=2) is True
    assert books.senders.is_blocked(CITIZEN)
    assert await trail(books) == [AuditEntry("", None, "system", "block", second, None, True, "2 spam marks")]

    assert await books.senders.mark_spam(CITIZEN, third, threshold=2) is False  # blocked already: counted only
    assert await books.senders.spam_marks(CITIZEN) == 3
    assert len(await trail(books)) == 1
    assert await books.senders.spam_marks(OTHER) == 0
    assert not books.senders.is_blocked(OTHER)


async def test_a_threshold_of_one_blocks_at_the_first_mark(store: Store, books: Books) -> None:
    report_id = await submit(store)
    assert await books.senders.mark_spam(CITIZEN, report_id, threshold=1) is True
    assert books.senders.is_blocked(CITIZEN)
    assert await trail(books, report_id) == [
        AuditEntry("", None, "system", "block", report_id, None, True, "1 spam marks")
    ]


async def test_block_refuses_a_sender_already_blocked_and_audits_both(books: Books) -> None:
    assert await books.senders.block(CITIZEN, ADMIN, ADMIN_NAME, None, "abusive messages") is True
    assert books.senders.is_blocked(CITIZEN)
    assert await books.senders.block(CITIZEN, 9001, "Bilal", None, "again") is False
    assert books.senders.is_blocked(CITIZEN)
    assert await trail(books) == [
        AuditEntry("", ADMIN, ADMIN_NAME, "block", None, None, True, "abusive messages"),
        AuditEntry("", 9001, "Bilal", "block", None, None, False, "again"),
    ]


async def test_a_block_reason_is_cut_to_200_characters(store: Store, books: Books) -> None:
    report_id = await submit(store)
    assert await books.senders.block(CITIZEN, ADMIN, ADMIN_NAME, report_id, "x" * 250) is True
    [entry] = await trail(books, report_id)
    assert entry.detail == "x" * 200


async def test_an_admin_block_keeps_the_marks_and_later_marks_do_not_block_again(store: Store, books: Books) -> None:
    report_id = await submit(store)
    await books.senders.mark_spam(CITIZEN, report_id, threshold=5)
    assert await books.senders.block(CITIZEN, ADMIN, ADMIN_NAME, report_id, "spam") is True
    assert await books.senders.spam_marks(CITIZEN) == 1
    assert await books.senders.mark_spam(CITIZEN, report_id, threshold=2) is False
    assert await books.senders.spam_marks(CITIZEN) == 2
    assert [e.actor_name for e in await trail(books)] == [ADMIN_NAME]


async def test_unblock_lifts_the_block_and_clears_the_marks(store: Store, books: Books) -> None:
    report_id = await submit(store)
    await books.senders.mark_spam(CITIZEN, report_id, threshold=2)
    await books.senders.mark_spam(CITIZEN, report_id, threshold=2)

    assert await books.senders.unblock(CITIZEN, ADMIN, ADMIN_NAME, report_id) is True
    assert not books.senders.is_blocked(CITIZEN)
    assert await books.senders.spam_marks(CITIZEN) == 0
    assert await books.senders.unblock(CITIZEN, ADMIN, ADMIN_NAME, None) is False
    assert (await trail(books))[1:] == [
        AuditEntry("", ADMIN, ADMIN_NAME, "unblock", report_id, None, True),
        AuditEntry("", ADMIN, ADMIN_NAME, "unblock", None, None, False),
    ]
    # a fresh start: the threshold counts from nothing again
    assert await books.senders.mark_spam(CITIZEN, report_id, threshold=2) is False
    assert await books.senders.mark_spam(CITIZEN, report_id, threshold=2) is True


async def test_unblocking_a_sender_not_blocked_keeps_the_marks(store: Store, books: Books) -> None:
    report_id = await submit(store)
    await books.senders.mark_spam(CITIZEN, report_id, threshold=3)
    assert await books.senders.unblock(CITIZEN, ADMIN, ADMIN_NAME, report_id) is False
    assert await books.senders.unblock(OTHER, ADMIN, ADMIN_NAME, None) is False
    assert await books.senders.spam_marks(CITIZEN) == 1
    assert [e.allowed for e in await trail(books)] == [False, False]


async def test_load_reads_the_blocks_kept_by_the_store(store: Store, books: Books) -> None:
    await books.senders.block(CITIZEN, ADMIN, ADMIN_NAME, None, "threats")
    await books.senders.block(OTHER, ADMIN, ADMIN_NAME, None, "threats")
    await books.senders.unblock(OTHER, ADMIN, ADMIN_NAME, None)

    restarted = store.books(frozenset({ADMIN})).senders
    await restarted.load()
    assert restarted.is_blocked(CITIZEN)
    assert not restarted.is_blocked(OTHER)

    await books.senders.unblock(CITIZEN, ADMIN, ADMIN_NAME, None)
    await restarted.load()
    assert not restarted.is_blocked(CITIZEN)
