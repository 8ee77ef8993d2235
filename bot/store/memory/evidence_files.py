"""Evidence files held in memory, as ``bot/store/sqlite/evidence_files.py`` keeps them: fetched once,
kept with their hash; the rows are the custody log.

Nothing awaits in the middle of a change, so a lease, a keep or a fail is atomic on the event loop: two
fetchers in one process never take the same file, and of two keeps of one file the second finds it kept.
The content is kept as given (the memory backend seals nothing: it is never at rest).
"""

from __future__ import annotations

from dataclasses import replace

from bot.clock import now_iso
from bot.store.records import (
    FILE_FAILED,
    FILE_KEPT,
    FILE_LEASE_SECONDS,
    FILE_WAITING,
    AuditEntry,
    EvidenceFile,
    FileToFetch,
)

from .file_rows import FileRow
from .store import MemoryStore


class MemoryEvidenceFiles:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _waiting(self, file_id: int) -> FileRow | None:
        row = self.store.tables.evidence_files.get(file_id)
        return row if row is not None and row.entry.status == FILE_WAITING else None

    async def to_fetch(self, now: float, limit: int = 10, lease: float = FILE_LEASE_SECONDS) -> list[FileToFetch]:
        t = self.store.tables
        free = [
            row
            for _, row in sorted(t.evidence_files.items())
            if row.entry.status == FILE_WAITING and (row.lease_until is None or row.lease_until <= now)
        ]
        taken: list[FileToFetch] = []
        for row in free[: max(limit, 0)]:
            row.lease_until = now + lease
            row.attempts += 1
            entry = row.entry
            queue = t.reports[entry.report_id].queue
            # A waiting row always has its reference: it is cleared only when the file is kept or failed.
            source = row.source or ""
            taken.append(FileToFetch(entry.id, entry.report_id, queue, entry.kind, source, entry.size, row.attempts))
        return taken

    async def keep(self, file_id: int, content: bytes, sha256: str, audit: AuditEntry) -> bool:
        row = self._waiting(file_id)
        if row is None:
            return False  # kept already, failed, or deleted with its case
        row.entry = replace(row.entry, status=FILE_KEPT, sha256=sha256, size=len(content), kept_at=now_iso())
        row.content, row.source, row.lease_until = bytes(content), None, None
        self.store.tables.audit.append(audit)
        return True

    async def fail(self, file_id: int, note: str, audit: AuditEntry | None = None, *, final: bool) -> None:
        row = self._waiting(file_id)
        if row is None:
            return
        row.lease_until = None  # released: the next fetch tries again without waiting for the lease
        if not final:
            row.entry = replace(row.entry, note=note)
            return
        row.entry = replace(row.entry, status=FILE_FAILED, note=note)
        row.source = None
        if audit is not None:
            self.store.tables.audit.append(audit)

    async def files(self, report_id: int) -> list[EvidenceFile]:
        entries = [row.entry for row in self.store.tables.evidence_files.values() if row.entry.report_id == report_id]
        return sorted(entries, key=lambda e: e.position)

    async def content(self, file_id: int) -> tuple[EvidenceFile, bytes] | None:
        row = self.store.tables.evidence_files.get(file_id)
        if row is None or row.entry.status != FILE_KEPT or row.content is None:
            return None
        return row.entry, row.content

    async def received_since(self, chat_key: str, since_iso: str) -> int:
        t = self.store.tables
        return sum(
            1
            for row in t.evidence_files.values()
            if row.entry.received_at >= since_iso and t.reports[row.entry.report_id].chat_key == chat_key
        )
