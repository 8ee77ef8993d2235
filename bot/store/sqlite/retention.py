"""Retention and erasure (SQLite): unfinished drafts expire, closed cases are anonymised, and a citizen
can detach their Telegram account from what they reported (/forget).

What stays after anonymisation is what statistics need (category, province, whether a child, dates,
status, outcome) and the audit trail; the account, links, files, contact, questions (with their answers),
what the citizen added, the chat and the match keys of connected cases go. /forget deletes her files too,
and leaves the match keys: they are about the abuser, not the citizen.
"""

from __future__ import annotations

import sqlite3

from bot.clock import now_iso
from bot.store.records import AuditEntry, Forgotten

from .audit import audit_row
from .database import placeholders
from .store import SqliteStore

BATCH = 500

__all__ = ["BATCH", "Forgotten", "Retention"]


class Retention:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.database = store.database

    async def expire_drafts(self, before_iso: str) -> int:
        """Delete unfinished reports untouched since ``before_iso``, on any revision."""
        return await self.database.write(
            lambda conn: conn.execute("DELETE FROM sessions WHERE updated_at < ?", (before_iso,)).rowcount
        )

    async def anonymise_closed(self, before_iso: str) -> int:
        """Anonymise cases closed before ``before_iso``, a batch per transaction. Returns how many."""
        empty = self.store.keyring.seal("{}", "reports.answers")
        total = 0
        while True:
            rows = await self.database.fetchall(
                "SELECT id FROM reports WHERE closed_at IS NOT NULL AND anonymised_at IS NULL AND closed_at < ? "
                "LIMIT ?",
                (before_iso, BATCH),
            )
            ids = [int(row[0]) for row in rows]
            if not ids:
                return total

            def anonymise(conn: sqlite3.Connection, ids: list[int] = ids) -> None:
                marks = placeholders(ids)
                for table in ("evidence", "evidence_files", "questions", "additions", "outbox", "asks", "case_keys"):
                    conn.execute(f"DELETE FROM {table} WHERE report_id IN ({marks})", ids)
                conn.execute(
                    f"UPDATE reports SET answers = ?, chat_key = NULL, anonymised_at = ? WHERE id IN ({marks})",
                    (empty, now_iso(), *ids),
                )
                detail = f"{len(ids)} closed cases"
                audit_row(conn, AuditEntry(now_iso(), None, "system", "anonymise", None, None, True, detail))

            await self.database.write(anonymise)
            total += len(ids)

    async def forget(self, chat_key: str, target: str) -> Forgotten:
        """The citizen's /forget: the draft goes, submitted reports lose the link to this chat, and
        nothing more is sent to ``target``. The reports stay with the agency (reachable by reference and PIN)."""

        def forget(conn: sqlite3.Connection) -> Forgotten:
            draft = conn.execute("DELETE FROM sessions WHERE chat_key = ?", (chat_key,)).rowcount > 0
            # Her files go with the link to her chat: she asked for what she sent to be forgotten.
            conn.execute(
                "DELETE FROM evidence_files WHERE report_id IN (SELECT id FROM reports WHERE chat_key = ?)", (chat_key,)
            )
            reports = conn.execute("UPDATE reports SET chat_key = NULL WHERE chat_key = ?", (chat_key,)).rowcount
            conn.execute("DELETE FROM outbox WHERE target = ?", (target,))
            conn.execute("DELETE FROM chat_messages WHERE chat_key = ?", (chat_key,))
            conn.execute("DELETE FROM chats WHERE chat_key = ?", (chat_key,))
            # A block or spam marks stay: erasing them would let a flooder start again with one command.
            conn.execute("DELETE FROM senders WHERE chat_key = ? AND blocked = 0 AND spam_marks = 0", (chat_key,))
            # The audit says that it happened, not whose chat it was.
            detail = f"draft={int(draft)} reports={reports}"
            audit_row(conn, AuditEntry(now_iso(), None, "citizen", "forget", None, None, True, detail))
            return Forgotten(draft, reports)

        return await self.database.write(forget)
