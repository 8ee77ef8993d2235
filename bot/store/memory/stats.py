"""What /stats reads, computed from the memory tables as ``bot/store/sqlite/stats.py`` reads SQLite.

SQLite keeps running totals in ``report_counts`` (triggers of schema 7, a missing province or
category counted as ``'none'``, rows in primary-key order); here they are counted on each call,
giving the same rows in the same order.
"""

from __future__ import annotations

from collections import Counter

from bot.store.records import NEW, OPEN_STATUSES, Claim, Operational

from .store import MemoryStore

NONE = "none"  # what the report_counts triggers store for a NULL province or category
QUEUE_TARGET = "queue:"
FEEDBACK = "feedback"  # the audit action of a citizen's answer to "Did this help?"
CHAT = "chat"  # the destination of every chat target: a chat id is personal data, not a metric label


class MemoryStats:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def totals(self) -> list[tuple[str, str, str, int]]:
        """Reports by (province, category, status), with their counts (only those above 0)."""
        counts = Counter(
            (
                report.province if report.province is not None else NONE,
                report.category if report.category is not None else NONE,
                report.status,
            )
            for report in self.store.tables.reports.values()
        )
        return [(*key, n) for key, n in sorted(counts.items())]

    async def count_created(self, since_iso: str, until_iso: str | None = None) -> int:
        return sum(
            1
            for report in self.store.tables.reports.values()
            if report.created_at >= since_iso and (until_iso is None or report.created_at < until_iso)
        )

    async def count_open_created_before(self, before_iso: str) -> int:
        return sum(
            1
            for report in self.store.tables.reports.values()
            if report.status in OPEN_STATUSES and report.created_at < before_iso
        )

    async def claims_since(self, since_iso: str) -> list[Claim]:
        """Cases claimed at or after ``since_iso``: when created, when claimed, whether priority; in id order."""
        return [
            Claim(report.created_at, report.claimed_at, report.priority)
            for report in self.store.tables.reports.values()
            if report.claimed_at is not None and report.claimed_at >= since_iso
        ]

    async def operational(self, overdue_before: str, overdue_before_priority: str) -> Operational:
        t = self.store.tables
        deliveries = Counter(
            (row.target.removeprefix(QUEUE_TARGET) if row.target.startswith(QUEUE_TARGET) else CHAT, row.state)
            for row in t.outbox.values()
        )
        overdue = Counter(
            report.queue if report.queue is not None else NONE
            for report in t.reports.values()
            if report.status == NEW
            and t.case_rows[report.id].queued_at <= (overdue_before_priority if report.priority else overdue_before)
        )
        return Operational(len(t.sessions), dict(sorted(deliveries.items())), dict(sorted(overdue.items())))

    async def feedback(self) -> dict[str, int]:
        first: dict[int, str] = {}
        for entry in self.store.tables.audit:  # oldest first: setdefault keeps each case's first answer
            if entry.action == FEEDBACK and entry.allowed and entry.report_id is not None:
                first.setdefault(entry.report_id, entry.detail)
        return dict(sorted(Counter(first.values()).items()))
