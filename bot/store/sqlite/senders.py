"""Who may send reports (SQLite): spam marks counted against a sender, and blocks set by admins or by the count.

The blocked set is small and read on every citizen update, so it is kept in memory and written through;
one process serves the bot, so memory and the table cannot disagree.
"""

from __future__ import annotations

import sqlite3

from bot.clock import now_iso
from bot.store.records import AuditEntry

from .audit import audit_row
from .store import SqliteStore


class SenderBook:
    def __init__(self, store: SqliteStore) -> None:
        self.database = store.database
        self._blocked: set[str] = set()

    async def load(self) -> None:
        rows = await self.database.fetchall("SELECT chat_key FROM senders WHERE blocked = 1")
        self._blocked = {str(row[0]) for row in rows}

    def is_blocked(self, chat_key: str) -> bool:
        return chat_key in self._blocked

    async def spam_marks(self, chat_key: str) -> int:
        row = await self.database.fetchone("SELECT spam_marks FROM senders WHERE chat_key = ?", (chat_key,))
        return int(row[0]) if row else 0

    async def mark_spam(self, chat_key: str, report_id: int, threshold: int) -> bool:
        """Count one spam mark; True when this mark blocks the sender."""

        def mark(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "INSERT INTO senders (chat_key, spam_marks) VALUES (?, 1) "
                "ON CONFLICT (chat_key) DO UPDATE SET spam_marks = spam_marks + 1 RETURNING spam_marks, blocked",
                (chat_key,),
            ).fetchone()
            assert row is not None
            marks, blocked = int(row[0]), bool(row[1])
            if blocked or marks < threshold:
                return False
            conn.execute(
                "UPDATE senders SET blocked = 1, blocked_by = NULL, blocked_at = ?, why = 'spam' WHERE chat_key = ?",
                (now_iso(), chat_key),
            )
            detail = f"{marks} spam marks"
            audit_row(conn, AuditEntry(now_iso(), None, "system", "block", report_id, None, True, detail))
            return True

        blocks = await self.database.write(mark)
        if blocks:
            self._blocked.add(chat_key)
        return blocks

    async def block(self, chat_key: str, actor: int, actor_name: str, report_id: int | None, why: str) -> bool:
        """False when the sender was blocked already."""

        def block(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT INTO senders (chat_key, blocked, blocked_by, blocked_at, why) VALUES (?, 1, ?, ?, ?) "
                "ON CONFLICT (chat_key) DO UPDATE SET blocked = 1, blocked_by = excluded.blocked_by, "
                "blocked_at = excluded.blocked_at, why = excluded.why WHERE blocked = 0",
                (chat_key, actor, now_iso(), why[:200]),
            )
            changed = cur.rowcount > 0
            audit_row(conn, AuditEntry(now_iso(), actor, actor_name, "block", report_id, None, changed, why[:200]))
            return changed

        changed = await self.database.write(block)
        self._blocked.add(chat_key)
        return changed

    async def unblock(self, chat_key: str, actor: int, actor_name: str, report_id: int | None) -> bool:
        """Lifts the block and clears the spam marks (a fresh start). False when not blocked."""

        def unblock(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE senders SET blocked = 0, spam_marks = 0, blocked_by = NULL, blocked_at = NULL, why = '' "
                "WHERE chat_key = ? AND blocked = 1",
                (chat_key,),
            )
            changed = cur.rowcount > 0
            audit_row(conn, AuditEntry(now_iso(), actor, actor_name, "unblock", report_id, None, changed))
            return changed

        changed = await self.database.write(unblock)
        self._blocked.discard(chat_key)
        return changed
