"""The evidence files contract: a report's files are written waiting with it, leased to one fetcher at a
time, kept once with their hash (Telegram's reference forgotten), failed for good after a last attempt,
and deleted with the case's other contents by anonymisation and /forget. The rows are the custody log."""

from __future__ import annotations

import hashlib

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import (
    FILE_FAILED,
    FILE_KEPT,
    FILE_WAITING,
    RESOLVED,
    AuditEntry,
    EvidenceLink,
    NewFile,
    Outgoing,
)
from tests.store.contract.helpers import CITIZEN, submit

AT = "2026-11-28T12:00:00+00:00"
NOW = 1_800_000_000.0
SHOT = NewFile("photo", "photo-file-id-1", 120_000, "image/jpeg", "2026-11-28T10:00:00+00:00")
PAPER = NewFile("document", "doc-file-id-2", 30_000, "application/pdf", "2026-11-28T10:01:00+00:00")
CONTENT = b"\x89PNG\r\n\x1a\n pretend picture of a threatening chat"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


def kept(report_id: int) -> AuditEntry:
    return AuditEntry(AT, None, "system", "file_kept", report_id, "punjab", True, f"photo sha256 {DIGEST}")


async def reported(store: Store, files: tuple[NewFile, ...] = (SHOT, PAPER), reference: str = "FILE-2345") -> int:
    return await submit(store, reference, files=files)


async def test_a_reports_files_wait_in_the_order_received(store: Store, books: Books) -> None:
    report_id = await reported(store)
    files = await books.files.files(report_id)
    assert [(f.position, f.kind, f.mime_type, f.size, f.status) for f in files] == [
        (1, "photo", "image/jpeg", 120_000, FILE_WAITING),
        (2, "document", "application/pdf", 30_000, FILE_WAITING),
    ]
    assert files[0].received_at == SHOT.received_at and files[0].sha256 is None and files[0].kept_at is None
    assert await books.files.files(report_id + 1000) == []


async def test_a_fetcher_leases_waiting_files_with_their_reference_and_queue(store: Store, books: Books) -> None:
    report_id = await reported(store)
    taken = await books.files.to_fetch(NOW, limit=10, lease=60)
    assert [(f.report_id, f.queue, f.kind, f.source, f.size, f.attempts) for f in taken] == [
        (report_id, "punjab", "photo", "photo-file-id-1", 120_000, 1),
        (report_id, "punjab", "document", "doc-file-id-2", 30_000, 1),
    ]
    assert await books.files.to_fetch(NOW + 59, lease=60) == []  # held by the first fetcher
    again = await books.files.to_fetch(NOW + 61, limit=1, lease=60)  # its lease ran out: another takes over
    assert [(f.id, f.attempts) for f in again] == [(taken[0].id, 2)]


async def test_a_kept_file_has_its_content_hash_and_size_and_forgets_telegrams_reference(
    store: Store, books: Books
) -> None:
    report_id = await reported(store)
    first, _ = await books.files.to_fetch(NOW)
    assert await books.files.keep(first.id, CONTENT, DIGEST, kept(report_id))
    found = await books.files.content(first.id)
    assert found is not None
    entry, content = found
    assert content == CONTENT and entry.sha256 == DIGEST and entry.size == len(CONTENT)
    assert entry.status == FILE_KEPT and entry.kept_at is not None and entry.kept_at >= "2026"
    assert (await books.audit.trail(report_id))[-1] == kept(report_id)
    assert not await books.files.keep(first.id, b"other", "0" * 64, kept(report_id))  # kept once
    assert (await books.files.content(first.id)) == (entry, CONTENT)
    assert [f.id for f in await books.files.to_fetch(NOW + 10_000)] != [first.id]  # never fetched again
    second = (await books.files.files(report_id))[1]
    assert await books.files.content(second.id) is None  # not kept yet


async def test_a_failed_fetch_is_tried_again_until_the_last_attempt_marks_it_failed(store: Store, books: Books) -> None:
    report_id = await reported(store, files=(SHOT,))
    [first] = await books.files.to_fetch(NOW, lease=300)
    await books.files.fail(first.id, "network", final=False)
    [again] = await books.files.to_fetch(NOW + 1, lease=300)  # released: no wait for the lease
    assert again.attempts == 2
    refused = AuditEntry(AT, None, "system", "file_failed", report_id, "punjab", False, "too big")
    await books.files.fail(again.id, "too big", refused, final=True)
    [entry] = await books.files.files(report_id)
    assert (entry.status, entry.note, entry.sha256) == (FILE_FAILED, "too big", None)
    assert await books.files.to_fetch(NOW + 10_000) == []
    assert (await books.audit.trail(report_id))[-1] == refused
    assert not await books.files.keep(again.id, CONTENT, DIGEST, kept(report_id))


async def test_anonymising_a_closed_case_deletes_its_files(store: Store, books: Books) -> None:
    report_id = await reported(store)
    other = await reported(store, files=(SHOT,), reference="KEEP-2345")
    first, *_ = await books.files.to_fetch(NOW)
    assert await books.files.keep(first.id, CONTENT, DIGEST, kept(report_id))
    closing = AuditEntry(AT, 11, "officer", "resolve", report_id, "punjab", True)
    closed = {"status": RESOLVED, "closed_at": "2026-01-01T00:00:00+00:00", "outcome": "resolved"}
    assert await books.cases.transition(report_id, ["new"], closed, closing)
    assert await books.retention.anonymise_closed("2026-06-01T00:00:00+00:00") == 1
    assert await books.files.files(report_id) == []
    assert await books.files.content(first.id) is None
    assert len(await books.files.files(other)) == 1


async def test_forget_deletes_the_files_of_her_reports_only(store: Store, books: Books) -> None:
    mine = await reported(store)
    theirs = await submit(store, "THEM-2345", chat_key="tg:2002", files=(SHOT,))
    await books.retention.forget(CITIZEN, "chat:1001")
    assert await books.files.files(mine) == []
    assert len(await books.files.files(theirs)) == 1
    assert [f.report_id for f in await books.files.to_fetch(NOW)] == [theirs]


async def test_the_daily_count_is_of_this_chats_files_received_since(store: Store, books: Books) -> None:
    await reported(store)
    await submit(store, "THEM-2345", chat_key="tg:2002", files=(SHOT,))
    assert await books.files.received_since(CITIZEN, "2026-11-28T00:00:00+00:00") == 2
    assert await books.files.received_since(CITIZEN, "2026-11-28T10:00:30+00:00") == 1
    assert await books.files.received_since(CITIZEN, "2026-11-29T00:00:00+00:00") == 0
    assert await books.files.received_since("tg:2002", "2026-11-28T00:00:00+00:00") == 1


async def test_each_evidence_link_keeps_the_time_it_was_received(store: Store, books: Books) -> None:
    first = EvidenceLink("https://facebook.com/bad.account", "facebook", "2026-11-28T09:58:00+00:00")
    untimed = EvidenceLink("https://x.com/old", "x")  # as links stored before times were kept
    report_id = await submit(store, "TIME-2345", evidence=(first, untimed))
    added = EvidenceLink("https://instagram.com/new.bad.account", "instagram", "2026-11-29T08:00:00+00:00")
    entry = AuditEntry(AT, None, "citizen", "add_information", report_id, "punjab", True, "1 link")
    relay = Outgoing("addition", "queue:punjab", f"addition:{report_id}", report_id, False, {"text": "sealed"})
    assert await books.cases.add_information(report_id, "new account", [added], entry, relay)
    stored = await books.reports.report_by_id(report_id)
    assert stored is not None
    assert [(link.url, link.received_at) for link in stored.evidence] == [
        (first.url, "2026-11-28T09:58:00+00:00"),
        (untimed.url, ""),
        (added.url, "2026-11-29T08:00:00+00:00"),
    ]


async def test_files_added_to_an_open_case_wait_numbered_after_its_own(store: Store, books: Books) -> None:
    report_id = await reported(store)
    later = NewFile("photo", "photo-file-id-3", 90_000, "image/jpeg", "2026-11-29T09:00:00+00:00")
    entry = AuditEntry(AT, None, "citizen", "add_information", report_id, "punjab", True, "0 links, 1 file")
    relay = Outgoing("addition", "queue:punjab", f"addition:{report_id}", report_id, False, {"files": 1})
    assert await books.cases.add_information(report_id, "", [], entry, relay, (later,))
    files = await books.files.files(report_id)
    assert [(f.position, f.kind, f.status) for f in files] == [
        (1, "photo", FILE_WAITING),
        (2, "document", FILE_WAITING),
        (3, "photo", FILE_WAITING),
    ]
    assert [f.source for f in await books.files.to_fetch(NOW)][-1] == "photo-file-id-3"
