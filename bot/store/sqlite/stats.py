"""What /stats reads (SQLite): running totals kept by triggers, and the few counts that need dates."""

from __future__ import annotations

from bot.store.records import OPEN_STATUSES, Claim

from .database import placeholders
from .store import SqliteStore


class SqliteStats:
    def __init__(self, store: SqliteStore) -> None:
        self.database = store.database

    async def totals(self) -> list[tuple[str, str, str, int]]:
        """Reports by (province, category, status): running totals kept by triggers (schema 7), so
        /stats costs the same with a thousand reports or a million."""
        rows = await self.database.fetchall("SELECT province, category, status, n FROM report_counts WHERE n > 0")
        return [(str(p), str(c), str(s), int(n)) for p, c, s, n in rows]

    async def count_created(self, since_iso: str, until_iso: str | None = None) -> int:
        if until_iso is None:
            row = await self.database.fetchone("SELECT count(*) FROM reports WHERE created_at >= ?", (since_iso,))
        else:
            row = await self.database.fetchone(
                "SELECT count(*) FROM reports WHERE created_at >= ? AND created_at < ?", (since_iso, until_iso)
            )
        return int(row[0]) if row else 0

    async def count_open_created_before(self, before_iso: str) -> int:
        # Open cases are few, found by the (status, queued_at) index; the date is checked on those alone.
        row = await self.database.fetchone(
            f"SELECT count(*) FROM reports WHERE status IN ({placeholders(OPEN_STATUSES)}) AND created_at < ?",
            (*OPEN_STATUSES, before_iso),
        )
        return int(row[0]) if row else 0

    async def claims_since(self, since_iso: str) -> list[Claim]:
        rows = await self.database.fetchall(
            "SELECT created_at, claimed_at, priority FROM reports WHERE claimed_at IS NOT NULL AND claimed_at >= ? "
            "ORDER BY id",
            (since_iso,),
        )
        return [Claim(str(r), str(c), bool(p)) for r, c, p in rows]
