"""What /stats and the metrics endpoint read (SQLite): running totals kept by triggers, and the few
counts that need dates."""

from __future__ import annotations

from typing import Any

from bot.store.records import OPEN_STATUSES, Claim, Operational

from .database import placeholders
from .store import SqliteStore

# One statement, so the three figures are of one moment and cost one trip to the database's thread,
# and grouped in SQL, so a scrape reads a few rows however many chats the outbox holds. substr, not
# LIKE: SQLite's LIKE ignores case, and a target is ``queue:`` exactly or a chat. ``queued_at <= ?``
# (the later threshold) repeats what the OR implies, so that the (status, queued_at) index bounds the
# scan to the overdue cases.
_OPERATIONAL = (
    "SELECT 'session', NULL, NULL, count(*) FROM sessions "
    "UNION ALL SELECT 'delivery', "
    "CASE WHEN substr(target, 1, 6) = 'queue:' THEN substr(target, 7) ELSE 'chat' END AS destination, "
    "state, count(*) FROM outbox GROUP BY destination, state "
    "UNION ALL SELECT 'overdue', coalesce(queue, 'none') AS queue_key, NULL, count(*) FROM reports "
    "WHERE status = 'new' AND queued_at <= ? "
    "AND ((priority = 1 AND queued_at <= ?) OR (priority = 0 AND queued_at <= ?)) GROUP BY queue_key"
)

# Each case's first answer (the lowest id) of those the citizen gave. No index on audit.action: the
# audit is read whole, which /stats and the desk's stats page (an admin's occasional look) can afford.
_FEEDBACK = (
    "SELECT a.detail, count(*) FROM audit a JOIN (SELECT min(id) AS id FROM audit "
    "WHERE action = 'feedback' AND allowed = 1 AND report_id IS NOT NULL GROUP BY report_id) f ON a.id = f.id "
    "GROUP BY a.detail ORDER BY a.detail"
)


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

    async def operational(self, overdue_before: str, overdue_before_priority: str) -> Operational:
        rows = await self.database.fetchall(
            _OPERATIONAL, (max(overdue_before, overdue_before_priority), overdue_before_priority, overdue_before)
        )
        return _figures(rows)

    async def feedback(self) -> dict[str, int]:
        rows = await self.database.fetchall(_FEEDBACK)
        return {str(answer): int(n) for answer, n in rows}


def _figures(rows: list[tuple[Any, ...]]) -> Operational:
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
