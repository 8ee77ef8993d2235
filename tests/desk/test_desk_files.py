"""The desk's case page shows the custody log of the files the citizen sent: each one's type, size, time
received, whether it was kept (and when) and its SHA-256, and how the claiming officer gets the files (from
the bot, /files). A case without files has no such section."""

from __future__ import annotations

import hashlib

from bot.store.records import AuditEntry, NewFile
from tests.desk.conftest import ADMIN, Desk

SHOT = NewFile("photo", "photo-file-id", 120_000, "image/jpeg", "2026-11-28T10:00:00+00:00")
PAPER = NewFile("document", "doc-file-id", 30_000, "application/pdf", "2026-11-28T10:01:00+00:00")
CONTENT = b"pretend screenshot"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


async def test_the_case_page_shows_each_files_custody_line_with_its_hash(desk: Desk) -> None:
    report_id = await desk.submit("FILE-2345", files=(SHOT, PAPER))
    files = desk.store.books().files
    first, second = await files.to_fetch(1_800_000_000.0)
    audit = AuditEntry("2026-11-28T12:00:00+00:00", None, "system", "file_kept", report_id, "punjab", True)
    assert await files.keep(first.id, CONTENT, DIGEST, audit)
    await files.fail(second.id, "Telegram refused it", None, final=True)
    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{report_id}")).text
    await client.aclose()
    assert 'id="files"' in page and "/files FILE-2345" in page
    assert DIGEST in page and "kept " in page and "1 KB" in page  # 18 bytes, shown as the smallest unit
    assert "not kept: Telegram refused it" in page and "2026-11-28 15:01 PKT" in page
    assert "a file was fetched once and kept" in page  # the timeline names the audit entry
    assert "photo-file-id" not in page and "doc-file-id" not in page  # Telegram's references never shown


async def test_a_case_without_files_has_no_such_section(desk: Desk) -> None:
    report_id = await desk.submit("NONE-2345")
    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{report_id}")).text
    await client.aclose()
    assert 'id="files"' not in page
