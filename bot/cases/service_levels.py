"""When a new case nobody claimed counts as overdue: the first SLA reminder's thresholds.

One rule for the reminders' first level (``telegram/sla.py``), the metrics' overdue gauge and the
desk's "overdue" filter, so an officer, an operator's dashboard and a reminder agree on a case.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Settings


def overdue_before(settings: Settings, now: datetime | None = None) -> tuple[str, str]:
    """(queued at or before this: overdue; the same for a priority case), as ISO times."""
    now = now or datetime.now(UTC)
    before = (now - timedelta(minutes=settings.sla_minutes)).isoformat(timespec="seconds")
    before_priority = (now - timedelta(minutes=settings.sla_child_minutes)).isoformat(timespec="seconds")
    return before, before_priority
