"""Figures for admins (``/stats``): cases by province, category and status, time to claim, week on week."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.outcome import N_
from bot.i18n import t
from bot.store.records import OPEN_STATUSES
from bot.store.sqlite.database import SqliteStore

HEADER = N_("Cases: {total} in all, {open} open ({stale} open for more than 2 days).")
WEEKS = N_("Received in the last 7 days: {this_week} (the 7 days before: {last_week}).")
CLAIM = N_("Median time to claim (last 30 days): {all}; priority cases: {priority}.")
NONE_YET = N_("none yet")
BY_PROVINCE = N_("By province:")
BY_CATEGORY = N_("By category:")
BY_STATUS = N_("By status:")
HOURS = N_("{hours} h {minutes} min")
DAYS = N_("{days} d {hours} h")


@dataclass(frozen=True, slots=True)
class CaseStats:
    total: int
    open: int
    stale: int
    this_week: int
    last_week: int
    by_province: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, int], ...]
    median_claim: float | None  # seconds
    median_claim_priority: float | None


async def _totals(store: SqliteStore) -> list[tuple[str, str, str, int]]:
    """Reports by (province, category, status): running totals kept by triggers (schema 7), so
    /stats costs the same with a thousand reports or a million."""
    async with store.db.execute("SELECT province, category, status, n FROM report_counts WHERE n > 0") as cur:
        return [(str(p), str(c), str(s), int(n)) for p, c, s, n in await cur.fetchall()]


def _by(totals: list[tuple[str, str, str, int]], column: int) -> tuple[tuple[str, int], ...]:
    sums: dict[str, int] = {}
    for row in totals:
        key = str(row[column])
        sums[key] = sums.get(key, 0) + row[3]
    return tuple(sorted(sums.items(), key=lambda item: (-item[1], item[0])))


async def _count(store: SqliteStore, where: str, *args: object) -> int:
    async with store.db.execute(f"SELECT count(*) FROM reports WHERE {where}", args) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def case_stats(store: SqliteStore, now: datetime) -> CaseStats:
    def iso(delta: timedelta) -> str:
        return (now - delta).isoformat(timespec="seconds")

    totals = await _totals(store)
    marks = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    async with store.db.execute(
        "SELECT created_at, claimed_at, priority FROM reports WHERE claimed_at IS NOT NULL AND claimed_at >= ?",
        (iso(timedelta(days=30)),),
    ) as cur:
        claims = [
            ((datetime.fromisoformat(c) - datetime.fromisoformat(r)).total_seconds(), bool(p))
            for r, c, p in await cur.fetchall()
        ]
    return CaseStats(
        total=sum(row[3] for row in totals),
        open=sum(row[3] for row in totals if row[2] in OPEN_STATUSES),
        # Open cases are few, found by the (status, queued_at) index; the date is checked on those alone.
        stale=await _count(store, f"status IN ({marks}) AND created_at < ?", iso(timedelta(days=2))),
        this_week=await _count(store, "created_at >= ?", iso(timedelta(days=7))),
        last_week=await _count(
            store, "created_at >= ? AND created_at < ?", iso(timedelta(days=14)), iso(timedelta(days=7))
        ),
        by_province=_by(totals, 0),
        by_category=_by(totals, 1),
        by_status=_by(totals, 2),
        median_claim=statistics.median([s for s, _ in claims]) if claims else None,
        median_claim_priority=statistics.median([s for s, p in claims if p]) if any(p for _, p in claims) else None,
    )


def duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return t(lang, NONE_YET)
    minutes = int(seconds // 60)
    if minutes < 24 * 60:
        return t(lang, HOURS, hours=minutes // 60, minutes=minutes % 60)
    return t(lang, DAYS, days=minutes // (24 * 60), hours=(minutes // 60) % 24)


def format_stats(stats: CaseStats, lang: str) -> str:
    """Plain text (the caller escapes it) well under Telegram's 4096 characters."""
    lines = [
        t(lang, HEADER, total=stats.total, open=stats.open, stale=stats.stale),
        t(lang, WEEKS, this_week=stats.this_week, last_week=stats.last_week),
        t(lang, CLAIM, all=duration(stats.median_claim, lang), priority=duration(stats.median_claim_priority, lang)),
    ]
    for title, rows in (
        (BY_PROVINCE, stats.by_province),
        (BY_STATUS, stats.by_status),
        (BY_CATEGORY, stats.by_category),
    ):
        if rows:  # nothing to list before the first case
            lines += ["", t(lang, title), *(f"• {key}: {n}" for key, n in rows[:20])]
    return "\n".join(lines)
