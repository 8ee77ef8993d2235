"""The audit trail (PostgreSQL): who did what to which case, allowed or refused. Entries are never changed."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.records import AuditEntry

from .database import Connection
from .store import PostgresStore

_INSERT = (
    "INSERT INTO audit (at, actor, actor_name, action, report_id, queue, allowed, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)


class PostgresAudit:
    def __init__(self, store: PostgresStore) -> None:
        self.database = store.database

    async def record(self, entry: AuditEntry) -> None:
        await self.database.write(lambda conn: audit_row(conn, entry))

    async def trail(self, report_id: int | None = None) -> list[AuditEntry]:
        where, args = ("WHERE report_id = $1", (report_id,)) if report_id is not None else ("", ())
        rows = await self.database.fetch(
            f"SELECT at, actor, actor_name, action, report_id, queue, allowed, detail FROM audit {where} ORDER BY id",
            *args,
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]

    async def recent(self, limit: int, offset: int = 0) -> list[AuditEntry]:
        # A backwards scan of the primary key's index, stopped after offset + limit rows.
        rows = await self.database.fetch(
            "SELECT at, actor, actor_name, action, report_id, queue, allowed, detail FROM audit "
            "ORDER BY id DESC LIMIT $1 OFFSET $2",
            max(limit, 0),
            max(offset, 0),
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]


async def audit_row(conn: Connection, entry: AuditEntry) -> None:
    """The entry, inside the caller's transaction: a change and its audit are stored together."""
    await conn.execute(_INSERT, *_values(entry))


async def audit_rows(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    if entries:
        await conn.executemany(_INSERT, [_values(entry) for entry in entries])


def _values(e: AuditEntry) -> tuple[object, ...]:
    return (e.at, e.actor, e.actor_name, e.action, e.report_id, e.queue, e.allowed, e.detail)
