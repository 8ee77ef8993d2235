"""What /stats and the metrics endpoint read (PostgreSQL): running totals kept by a trigger, and the few
counts that need dates."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from bot.store.records import OPEN_STATUSES, Claim, Operational

from .store import PostgresStore

# One statement: the three figures are of one snapshot (READ COMMITTED gives each statement its own)
# and cost one round trip; grouped in SQL, so a scrape reads a few rows however many chats the outbox
# holds. ``queued_at <= $1`` (the later threshold) repeats what the OR implies, so that the
# (status, queued_at) index bounds the scan to the overdue cases.
_OPERATIONAL = (
    "SELECT 'session' AS what, NULL::text AS key, NULL::text AS state, count(*) AS n FROM sessions "
    "UNION ALL SELECT 'delivery', "
    "CASE WHEN substr(target, 1, 6) = 'queue:' THEN substr(target, 7) ELSE 'chat' END AS destination, "
    "state, count(*) FROM outbox GROUP BY destination, state "
    "UNION ALL SELECT 'overdue', coalesce(queue, 'none') AS queue_key, NULL, count(*) FROM reports "
    "WHERE status = 'new' AND queued_at <= $1 "
    "AND ((priority AND queued_at <= $2) OR (NOT priority AND queued_at <= $3)) GROUP BY queue_key"
)

# Each case's first answer (the lowest id) of those the citizen gave. No index on audit.action: the
# audit is read whole, which /stats and the desk's stats page (an admin's occasional look) can afford.
_FEEDBACK = (
    "SELECT detail, count(*) AS n FROM (SELECT DISTINCT ON (report_id) report_id, detail FROM audit "
    "WHERE action = 'feedback' AND allowed AND report_id IS NOT NULL ORDER BY report_id, id) first "
    "GROUP BY detail ORDER BY detail"
)


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

    async def operational(self, overdue_before: str, overdue_before_priority: str) -> Operational:
        rows = await self.database.fetch(
            _OPERATIONAL, max(overdue_before, overdue_before_priority), overdue_before_priority, overdue_before
        )
        return _figures(rows)

    async def feedback(self) -> dict[str, int]:
        rows = await self.database.fetch(_FEEDBACK)
        return {str(answer): int(n) for answer, n in rows}


def _figures(rows: Sequence[asyncpg.Record]) -> Operational:
    """The figures from the rows of ``_OPERATIONAL``: (what, key, state, count)."""
    sessions = 0
    deliveries: dict[tuple[str, str], int] = {}
    overdue: dict[str, int] = {}
    for what, key, state, n in rows:
        if what == "session":
            sessions = int(n)
        elif what == "delivery":
            deliveries[(str(key), str(state))] = int(n)
        else:
            overdue[str(key)] = int(n)
    return Operational(sessions, dict(sorted(deliveries.items())), dict(sorted(overdue.items())))
