"""A desk's case query as an SQL condition over ``reports`` (PostgreSQL), as SQLite's case_query.py builds it.

Built from fixed fragments with ``$n`` for every value; lists go as one array each, so the statement's
text (and its prepared plan) does not change with how many queues an officer has.
"""

from __future__ import annotations

from typing import Any

from bot.store.records import EVERY_STATUS, CaseQuery


def case_where(query: CaseQuery) -> tuple[str, list[Any]] | None:
    """(condition, arguments) of the cases ``query`` selects; None when it selects none."""
    if query.limit < 0 or query.offset < 0:
        raise ValueError("a case query's limit and offset are not negative")
    if (query.queues is not None and not query.queues) or not query.statuses:
        return None
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if query.queues is not None:
        where.append(f"queue = ANY({arg(list(query.queues))}::text[])")
    if not set(EVERY_STATUS) <= set(query.statuses):
        where.append(f"status = ANY({arg(list(query.statuses))}::text[])")  # as SQLite's case_query.py
    for column, value in (
        ("minor", query.minor),
        ("priority", query.priority),
        ("claimed_by", query.claimed_by),
        ("reference", query.reference),
    ):
        if value is not None:
            where.append(f"{column} = {arg(value)}")
    if query.overdue_before is not None or query.overdue_before_priority is not None:
        # Cases.unclaimed_since's rule; a threshold left None selects none of its kind.
        kinds = [("priority", query.overdue_before_priority), ("NOT priority", query.overdue_before)]
        either = [f"({flag} AND queued_at <= {arg(before)})" for flag, before in kinds if before is not None]
        where.append(f"status = 'new' AND ({' OR '.join(either)})")
    return " AND ".join(where) or "true", args
