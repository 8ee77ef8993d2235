"""Retention and erasure: unfinished drafts expire, closed cases are anonymised, and a citizen can
detach their Telegram account from what they reported (/forget).

What stays after anonymisation is what statistics need (category, province, whether a child, dates,
status, outcome) and the audit trail; the account, links, contact, questions and the chat go.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.records import AuditEntry
from bot.store.sqlite.cases import audit_row
from bot.store.sqlite.database import SqliteStore, now_iso

BATCH = 500


@dataclass(frozen=True)
class Forgotten:
    draft: bool
    reports: int


class Retention:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def expire_drafts(self, before_iso: str) -> int:
        """Delete unfinished reports untouched since ``before_iso``, on any revision."""
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM sessions WHERE updated_at < ?", (before_iso,))
            return cur.rowcount

    async def anonymise_closed(self, before_iso: str) -> int:
        """Anonymise cases closed before ``before_iso``, a batch per transaction. Returns how many."""
        empty = self.store.keyring.seal("{}", "reports.answers")
        total = 0
        while True:
            async with self.store.db.execute(
                "SELECT id FROM reports WHERE closed_at IS NOT NULL AND anonymised_at IS NULL AND closed_at < ? "
                "LIMIT ?",
                (before_iso, BATCH),
            ) as cur:
                ids = [int(row[0]) for row in await cur.fetchall()]
            if not ids:
                return total
            marks = ",".join("?" * len(ids))
            async with self.store.transaction() as db:
                for table in ("evidence", "questions", "outbox", "asks"):
                    await db.execute(f"DELETE FROM {table} WHERE report_id IN ({marks})", ids)
                await db.execute(
                    f"UPDATE reports SET answers = ?, chat_key = NULL, anonymised_at = ? WHERE id IN ({marks})",
                    (empty, now_iso(), *ids),
                )
                detail = f"{len(ids)} closed cases"
                await audit_row(db, AuditEntry(now_iso(), None, "system", "anonymise", None, None, True, detail))
            total += len(ids)

    async def forget(self, chat_key: str) -> Forgotten:
        """The citizen's /forget: the draft goes, submitted reports lose the link to this chat, and
        nothing more is sent here. The reports stay with the agency (reachable by reference and PIN)."""
        target = "chat:" + chat_key.removeprefix("tg:")
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM sessions WHERE chat_key = ?", (chat_key,))
            draft = cur.rowcount > 0
            cur = await db.execute("UPDATE reports SET chat_key = NULL WHERE chat_key = ?", (chat_key,))
            reports = cur.rowcount
            await db.execute("DELETE FROM outbox WHERE target = ?", (target,))
            await db.execute("DELETE FROM chat_messages WHERE chat_key = ?", (chat_key,))
            await db.execute("DELETE FROM chats WHERE chat_key = ?", (chat_key,))
            # A block or spam marks stay: erasing them would let a flooder start again with one command.
            await db.execute("DELETE FROM senders WHERE chat_key = ? AND blocked = 0 AND spam_marks = 0", (chat_key,))
            # The audit says that it happened, not whose chat it was.
            detail = f"draft={int(draft)} reports={reports}"
            await audit_row(db, AuditEntry(now_iso(), None, "citizen", "forget", None, None, True, detail))
        return Forgotten(draft, reports)
