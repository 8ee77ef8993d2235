"""Retention and erasure (PostgreSQL): unfinished drafts expire, closed cases are anonymised, and a citizen
can detach their Telegram account from what they reported (/forget).

What stays after anonymisation is what statistics need (category, province, whether a child, dates,
status, outcome) and the audit trail; the account, links, files, contact, questions (with their answers), the
chat and the match keys of connected cases go. /forget deletes her files too, and leaves the match keys: they are
about the abuser, not the citizen.
"""

from __future__ import annotations

from bot.clock import now_iso
from bot.store.records import AuditEntry, Forgotten

from .audit import audit_row
from .database import Connection, affected
from .store import PostgresStore

BATCH = 500

__all__ = ["BATCH", "Forgotten", "Retention"]


class Retention:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.database = store.database

    async def expire_drafts(self, before_iso: str) -> int:
        """Delete unfinished reports untouched since ``before_iso``, on any revision."""

        async def expire(conn: Connection) -> int:
            return affected(await conn.execute("DELETE FROM sessions WHERE updated_at < $1", before_iso))

        return await self.database.write(expire)

    async def anonymise_closed(self, before_iso: str) -> int:
        """Anonymise cases closed before ``before_iso``, a batch per transaction. Returns how many."""
        empty = self.store.keyring.seal("{}", "reports.answers")

        async def anonymise(conn: Connection) -> int:
            # Chosen and changed in one transaction; SKIP LOCKED lets two instances share the work
            # without both taking (and both auditing) the same cases.
            rows = await conn.fetch(
                "SELECT id FROM reports WHERE closed_at IS NOT NULL AND anonymised_at IS NULL AND closed_at < $1 "
                "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                before_iso,
                BATCH,
            )
            ids = [int(row[0]) for row in rows]
            if not ids:
                return 0
            for table in ("evidence", "evidence_files", "questions", "additions", "outbox", "asks", "case_keys"):
                await conn.execute(f"DELETE FROM {table} WHERE report_id = ANY($1::bigint[])", ids)
            await conn.execute(
                "UPDATE reports SET answers = $1, chat_key = NULL, anonymised_at = $2 WHERE id = ANY($3::bigint[])",
                empty,
                now_iso(),
                ids,
            )
            detail = f"{len(ids)} closed cases"
            await audit_row(conn, AuditEntry(now_iso(), None, "system", "anonymise", None, None, True, detail))
            return len(ids)

        total = 0
        while done := await self.database.write(anonymise):
            total += done
        return total

    async def forget(self, chat_key: str, target: str) -> Forgotten:
        """The citizen's /forget: the draft goes, submitted reports lose the link to this chat, and
        nothing more is sent to ``target``. The reports stay with the agency (reachable by reference and PIN)."""

        async def forget(conn: Connection) -> Forgotten:
            draft = affected(await conn.execute("DELETE FROM sessions WHERE chat_key = $1", chat_key)) > 0
            # Her files go with the link to her chat (before it goes): she asked for what she sent to be forgotten.
            await conn.execute(
                "DELETE FROM evidence_files WHERE report_id IN (SELECT id FROM reports WHERE chat_key = $1)", chat_key
            )
            reports = affected(await conn.execute("UPDATE reports SET chat_key = NULL WHERE chat_key = $1", chat_key))
            await conn.execute("DELETE FROM outbox WHERE target = $1", target)
            await conn.execute("DELETE FROM chat_messages WHERE chat_key = $1", chat_key)
            await conn.execute("DELETE FROM chats WHERE chat_key = $1", chat_key)
            # A block or spam marks stay: erasing them would let a flooder start again with one command.
            await conn.execute("DELETE FROM senders WHERE chat_key = $1 AND NOT blocked AND spam_marks = 0", chat_key)
            # The audit says that it happened, not whose chat it was.
            detail = f"draft={int(draft)} reports={reports}"
            await audit_row(conn, AuditEntry(now_iso(), None, "citizen", "forget", None, None, True, detail))
            return Forgotten(draft, reports)

        return await self.database.write(forget)
