"""Evidence files (PostgreSQL): fetched once, kept sealed with their hash; the rows are the custody log.

Several instances share the table, so a lease is taken as the outbox claims deliveries: the waiting
files free now are locked ``FOR UPDATE SKIP LOCKED`` and leased in the same statement. A file another
instance is leasing at that moment is skipped rather than waited for, and PostgreSQL re-checks the
lease once it holds the row, so two fetchers never take the same file. Content is sealed before the
transaction starts, so no connection is held while a file of several megabytes is encrypted.
"""

from __future__ import annotations

import asyncpg

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
from .database import Connection, affected
from .store import PostgresStore

FILE_COLUMNS = "id, report_id, position, kind, mime_type, size, received_at, status, sha256, kept_at, note"
# The waiting files nobody holds ($1 waiting, $2 now), oldest first, at most $3, leased until $4; the
# report's queue comes back with each (the fetcher audits by it). Locking in id order: two never deadlock.
_LEASE = (
    "WITH free AS (SELECT id FROM evidence_files WHERE status = $1 AND (lease_until IS NULL OR lease_until <= $2) "
    "ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "UPDATE evidence_files f SET lease_until = $4, attempts = f.attempts + 1 FROM free, reports r "
    "WHERE f.id = free.id AND r.id = f.report_id "
    "RETURNING f.id, f.report_id, r.queue, f.kind, f.source, f.size, f.attempts"
)


def file_from_row(r: asyncpg.Record) -> EvidenceFile:
    """An entry from a row that starts with FILE_COLUMNS."""
    return EvidenceFile(
        int(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6]), str(r[7]), r[8], r[9], str(r[10])
    )


class PostgresEvidenceFiles:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.database = store.database

    async def to_fetch(self, now: float, limit: int = 10, lease: float = FILE_LEASE_SECONDS) -> list[FileToFetch]:
        async def take(conn: Connection) -> list[asyncpg.Record]:
            return await conn.fetch(_LEASE, FILE_WAITING, float(now), limit, float(now + lease))

        rows = sorted(await self.database.write(take), key=lambda r: int(r[0]))  # RETURNING keeps no order
        ring = self.store.keyring
        return [
            FileToFetch(
                int(r[0]),
                int(r[1]),
                r[2],
                str(r[3]),
                ring.open(str(r[4]), "evidence_files.source"),
                int(r[5]),
                int(r[6]),
            )
            for r in rows
        ]

    async def keep(self, file_id: int, content: bytes, sha256: str, audit: AuditEntry) -> bool:
        sealed = self.store.keyring.seal_bytes(content, "evidence_files.content")

        async def keep(conn: Connection) -> bool:
            # Guarded by the status: of two fetchers keeping one file (a lease ran out under the first),
            # the second finds it kept once it gets the row's lock, and anonymisation's delete wins too.
            changed = affected(
                await conn.execute(
                    "UPDATE evidence_files SET status = $1, content = $2, sha256 = $3, size = $4, kept_at = $5, "
                    "source = NULL, lease_until = NULL WHERE id = $6 AND status = $7",
                    FILE_KEPT,
                    sealed,
                    sha256,
                    len(content),
                    now_iso(),
                    file_id,
                    FILE_WAITING,
                )
            )
            if changed:
                await audit_row(conn, audit)
            return changed > 0

        return await self.database.write(keep)

    async def fail(self, file_id: int, note: str, audit: AuditEntry | None = None, *, final: bool) -> None:
        async def fail(conn: Connection) -> None:
            if not final:
                # Released at once: the next fetch tries again without waiting for the lease to run out.
                await conn.execute(
                    "UPDATE evidence_files SET lease_until = NULL, note = $1 WHERE id = $2 AND status = $3",
                    note,
                    file_id,
                    FILE_WAITING,
                )
                return
            changed = affected(
                await conn.execute(
                    "UPDATE evidence_files SET status = $1, note = $2, source = NULL, lease_until = NULL "
                    "WHERE id = $3 AND status = $4",
                    FILE_FAILED,
                    note,
                    file_id,
                    FILE_WAITING,
                )
            )
            if changed and audit is not None:
                await audit_row(conn, audit)

        await self.database.write(fail)

    async def files(self, report_id: int) -> list[EvidenceFile]:
        rows = await self.database.fetch(
            f"SELECT {FILE_COLUMNS} FROM evidence_files WHERE report_id = $1 ORDER BY position", report_id
        )
        return [file_from_row(r) for r in rows]

    async def content(self, file_id: int) -> tuple[EvidenceFile, bytes] | None:
        row = await self.database.fetchrow(
            f"SELECT {FILE_COLUMNS}, content FROM evidence_files WHERE id = $1 AND status = $2", file_id, FILE_KEPT
        )
        if row is None or row[-1] is None:
            return None
        return file_from_row(row), self.store.keyring.open_bytes(str(row[-1]), "evidence_files.content")

    async def received_since(self, chat_key: str, since_iso: str) -> int:
        found = await self.database.fetchval(
            "SELECT count(*) FROM evidence_files f JOIN reports r ON r.id = f.report_id "
            "WHERE r.chat_key = $1 AND f.received_at >= $2",
            chat_key,
            since_iso,
        )
        return int(found or 0)
