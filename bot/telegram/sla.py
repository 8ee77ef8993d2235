"""Service-level reminders: a case nobody claimed is raised again in its queue, then to the admins.

Run by PTB's JobQueue every ``SLA_CHECK_SECONDS``. Thresholds are shorter for priority cases (a
child, or harm still going on). Each case is raised once per level; the reminders go through the
outbox like everything else, so they respect the group limit and survive a restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.cases.ids import chat_target, queue_target
from bot.config import Settings
from bot.store.ports import Cases
from bot.store.records import Outgoing


async def check_sla(book: Cases, settings: Settings, now: datetime, admin_ids: frozenset[int] | None = None) -> int:
    """Queue the reminders that are due at ``now``; returns how many cases were raised."""
    raised = 0
    levels = (
        (1, settings.sla_minutes, settings.sla_child_minutes),
        (2, settings.escalate_minutes, settings.escalate_child_minutes),
    )
    for level, minutes, child_minutes in levels:
        before = (now - timedelta(minutes=minutes)).isoformat(timespec="seconds")
        before_priority = (now - timedelta(minutes=child_minutes)).isoformat(timespec="seconds")
        cases = await book.unclaimed_since(level, before, before_priority)
        if not cases:
            continue
        deliveries: list[Outgoing] = []
        for case in cases:
            payload = {"since": case.created_at}
            if level == 1 and case.queue is not None:
                deliveries.append(
                    Outgoing(
                        "reminder", queue_target(case.queue), f"remind:{case.id}:1", case.id, case.priority, payload
                    )
                )
            admins = settings.admin_ids if admin_ids is None else admin_ids
            for admin in sorted(admins) if level == 2 else ():
                deliveries.append(
                    Outgoing(
                        "reminder", chat_target(admin), f"remind:{case.id}:2:{admin}", case.id, case.priority, payload
                    )
                )
        await book.raise_level([c.id for c in cases], level, deliveries)
        raised += len(cases)
    return raised
