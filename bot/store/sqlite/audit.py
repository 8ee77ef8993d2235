"""The audit trail (SQLite): who did what to which case, allowed or refused. Entries are never changed."""

from __future__ import annotations

import sqlite3

from bot.store.records import AuditEntry

from .store import SqliteStore


class SqliteAudit:
    def __init__(self, store: SqliteStore) -> None:
        self.database = store.database

    async def record(self, entry: AuditEntry) -> None:
        await self.database.write(lambda conn: audit_row(conn, entry))

    async def trail(self, report_id: int | None = None) -> list[AuditEntry]:
        where, args = ("WHERE report_id = ?", (report_id,)) if report_id is not None else ("", ())
        rows = await self.database.fetchall(
            f"SELECT at, actor, actor_name, action, report_id, queue, allowed, detail FROM audit {where} ORDER BY id",
            args,
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]

    async def recent(self, limit: int, offset: int = 0) -> list[AuditEntry]:
        # The primary key (the rowid) gives the order: a backwards walk of the table, no sort.
        rows = await self.database.fetchall(
            "SELECT at, actor, actor_name, action, report_id, queue, allowed, detail FROM audit "
            "ORDER BY id DESC LIMIT ? OFFSET ?",
            (max(limit, 0), max(offset, 0)),
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]


def audit_row(conn: sqlite3.Connection, entry: AuditEntry) -> None:
    """The entry, inside the caller's transaction: a change and its audit are stored together."""
    conn.execute(
        "INSERT INTO audit (at, actor, actor_name, action, report_id, queue, allowed, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.at,
            entry.actor,
            entry.actor_name,
            entry.action,
            entry.report_id,
            entry.queue,
            int(entry.allowed),
            entry.detail,
        ),
    )
