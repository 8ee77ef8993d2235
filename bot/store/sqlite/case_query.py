"""A desk's case query as an SQL condition over ``reports`` (SQLite).

Built from fixed fragments with ``?`` for every value. A queue list with open statuses is what the
index ``reports_open (queue, status, priority, id)`` serves.
"""

from __future__ import annotations

from typing import Any

from bot.store.records import EVERY_STATUS, CaseQuery

from .database import placeholders


def case_where(query: CaseQuery) -> tuple[str, list[Any]] | None:
    """(condition, arguments) of the cases ``query`` selects; None when it selects none."""
    if query.limit < 0 or query.offset < 0:
        raise ValueError("a case query's limit and offset are not negative")
    if (query.queues is not None and not query.queues) or not query.statuses:
        return None
    where: list[str] = []
    args: list[Any] = []
    if query.queues is not None:
        where.append(f"queue IN ({placeholders(query.queues)})")
        args.extend(query.queues)
    if not set(EVERY_STATUS) <= set(query.statuses):
        # Every status asked for is no condition: without it, the planner takes the list's own index
        # (reports_desk_order) instead of sorting every case, before ANALYZE has taught it otherwise.
        where.append(f"status IN ({placeholders(query.statuses)})")
        args.extend(query.statuses)
    equal: tuple[tuple[str, object], ...] = (
        ("minor", query.minor),
        ("priority", query.priority),
        ("claimed_by", query.claimed_by),
        ("reference", query.reference),
    )
    for column, value in equal:
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)  # a bool binds as 1 or 0, as the flags are stored
    if query.overdue_before is not None or query.overdue_before_priority is not None:
        # Cases.unclaimed_since's rule; a threshold left None selects none of its kind.
        kinds = [(1, query.overdue_before_priority), (0, query.overdue_before)]
        # "+queued_at": not through the reminders' index (status, queued_at). Without ANALYZE, SQLite
        # takes it for the OR and scans every queue's new cases; the list's own order index
        # (reports_open: queue, status, priority, id) reads one queue's new cases in order instead.
        either = [f"(priority = {flag} AND +queued_at <= ?)" for flag, before in kinds if before is not None]
        where.append(f"status = 'new' AND ({' OR '.join(either)})")
        args.extend(before for _, before in kinds if before is not None)
    return " AND ".join(where) or "1", args
