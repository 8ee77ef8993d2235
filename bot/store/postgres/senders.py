"""Who may send reports (PostgreSQL): spam marks counted against a sender, and blocks set by admins or by the count.

The blocked set is small and read on every citizen update, so it is kept in memory and written through,
as SQLite's book does. With several instances, a block set by another one is seen here at the next load().
"""

from __future__ import annotations

from bot.clock import now_iso
from bot.store.records import AuditEntry

from .audit import audit_row
from .database import Connection, affected
from .store import PostgresStore


class SenderBook:
    def __init__(self, store: PostgresStore) -> None:
        self.database = store.database
        self._blocked: set[str] = set()

    async def load(self) -> None:
        rows = await self.database.fetch("SELECT chat_key FROM senders WHERE blocked")
        self._blocked = {str(row[0]) for row in rows}

    def is_blocked(self, chat_key: str) -> bool:
        return chat_key in self._blocked

    async def spam_marks(self, chat_key: str) -> int:
        marks = await self.database.fetchval("SELECT spam_marks FROM senders WHERE chat_key = $1", chat_key)
        return int(marks) if marks is not None else 0

    async def mark_spam(self, chat_key: str, report_id: int, threshold: int) -> bool:
        """Count one spam mark; True when this mark blocks the sender."""

        async def mark(conn: Connection) -> bool:
            # The upsert locks the sender's row until commit: two marks at once count two, and one blocks.
            row = await conn.fetchrow(
                "INSERT INTO senders (chat_key, spam_marks) VALUES ($1, 1) "
                "ON CONFLICT (chat_key) DO UPDATE SET spam_marks = senders.spam_marks + 1 "
                "RETURNING spam_marks, blocked",
                chat_key,
            )
            assert row is not None
            marks, blocked = int(row[0]), bool(row[1])
            if blocked or marks < threshold:
                return False
            await conn.execute(
                "UPDATE senders SET blocked = true, blocked_by = NULL, blocked_at = $1, why = 'spam' "
                "WHERE chat_key = $2",
                now_iso(),
                chat_key,
            )
            detail = f"{marks} spam marks"
            await audit_row(conn, AuditEntry(now_iso(), None, "system", "block", report_id, None, True, detail))
            return True

        blocks = await self.database.write(mark)
        if blocks:
            self._blocked.add(chat_key)
        return blocks

    async def block(self, chat_key: str, actor: int, actor_name: str, report_id: int | None, why: str) -> bool:
        """False when the sender was blocked already."""

        async def block(conn: Connection) -> bool:
            changed = (
                await conn.fetchval(
                    "INSERT INTO senders (chat_key, blocked, blocked_by, blocked_at, why) "
                    "VALUES ($1, true, $2, $3, $4) "
                    "ON CONFLICT (chat_key) DO UPDATE SET blocked = true, blocked_by = excluded.blocked_by, "
                    "blocked_at = excluded.blocked_at, why = excluded.why WHERE NOT senders.blocked RETURNING 1",
                    chat_key,
                    actor,
                    now_iso(),
                    why[:200],
                )
                is not None
            )
            await audit_row(
                conn, AuditEntry(now_iso(), actor, actor_name, "block", report_id, None, changed, why[:200])
            )
            return changed

        changed = await self.database.write(block)
        self._blocked.add(chat_key)
        return changed

    async def unblock(self, chat_key: str, actor: int, actor_name: str, report_id: int | None) -> bool:
        """Lifts the block and clears the spam marks (a fresh start). False when not blocked."""

        async def unblock(conn: Connection) -> bool:
            status = await conn.execute(
                "UPDATE senders SET blocked = false, spam_marks = 0, blocked_by = NULL, blocked_at = NULL, why = '' "
                "WHERE chat_key = $1 AND blocked",
                chat_key,
            )
            changed = affected(status) > 0
            await audit_row(conn, AuditEntry(now_iso(), actor, actor_name, "unblock", report_id, None, changed))
            return changed

        changed = await self.database.write(unblock)
        self._blocked.discard(chat_key)
        return changed
