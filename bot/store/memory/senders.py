"""The memory backend's senders: spam marks, blocks and their audit entries, as the SQLite book keeps them.

Like SQLite's book, the blocked set that ``is_blocked`` reads is this book's own, filled by ``load()``
and written through by its changes, so a book sees another book's blocks after ``load()`` in both.
"""

from __future__ import annotations

from bot.clock import now_iso
from bot.store.records import AuditEntry

from .store import MemoryStore, SenderRow

WHY_LENGTH = 200  # SQLite keeps why[:200]


class MemorySenders:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._blocked: set[str] = set()

    async def load(self) -> None:
        self._blocked = {key for key, row in self.store.tables.senders.items() if row.blocked}

    def is_blocked(self, chat_key: str) -> bool:
        return chat_key in self._blocked

    async def spam_marks(self, chat_key: str) -> int:
        row = self.store.tables.senders.get(chat_key)
        return row.spam_marks if row is not None else 0

    async def mark_spam(self, chat_key: str, report_id: int, threshold: int) -> bool:
        """Count one spam mark; True when this mark blocks the sender."""
        t = self.store.tables
        row = t.senders.setdefault(chat_key, SenderRow())
        row.spam_marks += 1
        if row.blocked or row.spam_marks < threshold:
            return False
        row.blocked, row.blocked_by, row.blocked_at, row.why = True, None, now_iso(), "spam"
        detail = f"{row.spam_marks} spam marks"
        t.audit.append(AuditEntry(now_iso(), None, "system", "block", report_id, None, True, detail))
        self._blocked.add(chat_key)
        return True

    async def block(self, chat_key: str, actor: int, actor_name: str, report_id: int | None, why: str) -> bool:
        """False when the sender was blocked already (the first block's actor and reason are kept)."""
        t = self.store.tables
        why = why[:WHY_LENGTH]
        row = t.senders.setdefault(chat_key, SenderRow())
        changed = not row.blocked
        if changed:
            row.blocked, row.blocked_by, row.blocked_at, row.why = True, actor, now_iso(), why
        t.audit.append(AuditEntry(now_iso(), actor, actor_name, "block", report_id, None, changed, why))
        self._blocked.add(chat_key)
        return changed

    async def unblock(self, chat_key: str, actor: int, actor_name: str, report_id: int | None) -> bool:
        """Lifts the block and clears the spam marks (a fresh start). False when not blocked."""
        t = self.store.tables
        row = t.senders.get(chat_key)
        changed = row is not None and row.blocked
        if row is not None and changed:
            row.blocked, row.spam_marks, row.blocked_by, row.blocked_at, row.why = False, 0, None, None, ""
        t.audit.append(AuditEntry(now_iso(), actor, actor_name, "unblock", report_id, None, changed))
        self._blocked.discard(chat_key)
        return changed
