"""What /stats reads (PostgreSQL): running totals kept by a trigger, and the few counts that need dates."""

from __future__ import annotations

from bot.store.records import OPEN_STATUSES, Claim

from .store import PostgresStore


class PostgresStats:
    def __init__(self, store: PostgresStore) -> None:
        self.database = store.database

    async def totals(self) -> list[tuple[str, str, str, int]]:
        """Reports by (province, category, status): running totals kept by a trigger, in key order as SQLite's."""
        rows = await self.database.fetch(
            "SELECT province, category, status, n FROM report_counts WHERE n > 0 ORDER BY province, category, status"
        )
        return [(str(p), str(c), str(s), int(n)) for p, c, s, n in rows]

    async def count_created(self, since_iso: str, until_iso: str | None = None) -> int:
        if until_iso is None:
            found = await self.database.fetchval("SELECT count(*) FROM reports WHERE created_at >= $1", since_iso)
        else:
            found = await self.database.fetchval(
                "SELECT count(*) FROM reports WHERE created_at >= $1 AND created_at < $2", since_iso, until_iso
            )
        return int(found)

    async def count_open_created_before(self, before_iso: str) -> int:
        found = await self.database.fetchval(
            "SELECT count(*) FROM reports WHERE status = ANY($1::text[]) AND created_at < $2",
            list(OPEN_STATUSES),
            before_iso,
        )
        return int(found)

    async def claims_since(self, since_iso: str) -> list[Claim]:
        rows = await self.database.fetch(
            "SELECT created_at, claimed_at, priority FROM reports WHERE claimed_at IS NOT NULL AND claimed_at >= $1 "
            "ORDER BY id",
            since_iso,
        )
        return [Claim(str(r), str(c), bool(p)) for r, c, p in rows]
