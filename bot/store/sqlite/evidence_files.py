"""Evidence files (SQLite): fetched once, kept sealed with their hash; the rows are the custody log.

SQLite has one writer, so a lease is one UPDATE … RETURNING: two fetchers in one process never take the
same file. The content is sealed before the write goes to the database's thread.
"""

from __future__ import annotations

import sqlite3
from typing import Any

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

from .audit import audit_row
from .store import SqliteStore

FILE_COLUMNS = "id, report_id, position, kind, mime_type, size, received_at, status, sha256, kept_at, note"


def file_from_row(r: tuple[Any, ...]) -> EvidenceFile:
    return EvidenceFile(
        int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6]), str(r[7]), r[8], r[9], str(r[10])
    )


class SqliteEvidenceFiles:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.database = store.database

    async def to_fetch(self, now: float, limit: int = 10, lease: float = FILE_LEASE_SECONDS) -> list[FileToFetch]:
        def take(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return conn.execute(
                "UPDATE evidence_files SET lease_until = ?, attempts = attempts + 1 WHERE id IN ("
                "  SELECT id FROM evidence_files WHERE status = ? AND (lease_until IS NULL OR lease_until <= ?)"
                "  ORDER BY id LIMIT ?"
                ") RETURNING id, report_id, kind, source, size, attempts",
                (now + lease, FILE_WAITING, now, limit),
            ).fetchall()

        rows = sorted(await self.database.write(take))
        queues = dict(
            await self.database.fetchall(
                f"SELECT id, queue FROM reports WHERE id IN ({', '.join('?' * len(rows))})", [r[1] for r in rows]
            )
            if rows
            else []
        )
        ring = self.store.keyring
        return [
            FileToFetch(r[0], r[1], queues.get(r[1]), r[2], ring.open(str(r[3]), "evidence_files.source"), r[4], r[5])
            for r in rows
        ]

    async def keep(self, file_id: int, content: bytes, sha256: str, audit: AuditEntry) -> bool:
        sealed = self.store.keyring.seal_bytes(content, "evidence_files.content")

        def keep(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE evidence_files SET status = ?, content = ?, sha256 = ?, size = ?, kept_at = ?, source = NULL, "
                "lease_until = NULL WHERE id = ? AND status = ?",
                (FILE_KEPT, sealed, sha256, len(content), now_iso(), file_id, FILE_WAITING),
            ).rowcount
            if changed:
                audit_row(conn, audit)
            return changed > 0

        return await self.database.write(keep)

    async def fail(self, file_id: int, note: str, audit: AuditEntry | None = None, *, final: bool) -> None:
        def fail(conn: sqlite3.Connection) -> None:
            if not final:
                conn.execute(
                    "UPDATE evidence_files SET lease_until = NULL, note = ? WHERE id = ? AND status = ?",
                    (note, file_id, FILE_WAITING),
                )
                return
            changed = conn.execute(
                "UPDATE evidence_files SET status = ?, note = ?, source = NULL, lease_until = NULL "
                "WHERE id = ? AND status = ?",
                (FILE_FAILED, note, file_id, FILE_WAITING),
            ).rowcount
            if changed and audit is not None:
                audit_row(conn, audit)

        await self.database.write(fail)

    async def files(self, report_id: int) -> list[EvidenceFile]:
        rows = await self.database.fetchall(
            f"SELECT {FILE_COLUMNS} FROM evidence_files WHERE report_id = ? ORDER BY position", (report_id,)
        )
        return [file_from_row(r) for r in rows]

    async def content(self, file_id: int) -> tuple[EvidenceFile, bytes] | None:
        row = await self.database.fetchone(
            f"SELECT {FILE_COLUMNS}, content FROM evidence_files WHERE id = ? AND status = ?", (file_id, FILE_KEPT)
        )
        if row is None or row[-1] is None:
            return None
        return file_from_row(row), self.store.keyring.open_bytes(str(row[-1]), "evidence_files.content")

    async def received_since(self, chat_key: str, since_iso: str) -> int:
        row = await self.database.fetchone(
            "SELECT count(*) FROM evidence_files f JOIN reports r ON r.id = f.report_id "
            "WHERE r.chat_key = ? AND f.received_at >= ?",
            (chat_key, since_iso),
        )
        return int(row[0]) if row else 0
