"""The audit trail held in memory: who did what to which case, allowed or refused, never changed."""

from __future__ import annotations

from bot.store.records import AuditEntry

from .store import MemoryStore


class MemoryAudit:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def record(self, entry: AuditEntry) -> None:
        self.store.tables.audit.append(entry)

    async def trail(self, report_id: int | None = None) -> list[AuditEntry]:
        """Entries of one case, or every entry, oldest first (the order they were written)."""
        entries = self.store.tables.audit
        return [e for e in entries if report_id is None or e.report_id == report_id]

    async def recent(self, limit: int, offset: int = 0) -> list[AuditEntry]:
        """Newest first: the list read backwards from ``offset`` entries before its end."""
        entries = self.store.tables.audit
        end = max(len(entries) - max(offset, 0), 0)
        return entries[max(end - max(limit, 0), 0) : end][::-1]
