"""Figures for admins (``/stats``): cases by province, category and status, time to claim, week on week,
and what citizens answered to "Did this help?" after their case was closed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.outcome import N_
from bot.i18n import t
from bot.store.ports import Stats
from bot.store.records import OPEN_STATUSES

HEADER = N_("Cases: {total} in all, {open} open ({stale} open for more than 2 days).")
WEEKS = N_("Received in the last 7 days: {this_week} (the 7 days before: {last_week}).")
CLAIM = N_("Median time to claim (last 30 days): {all}; priority cases: {priority}.")
NONE_YET = N_("none yet")
BY_PROVINCE = N_("By province:")
BY_CATEGORY = N_("By category:")
BY_STATUS = N_("By status:")
HOURS = N_("{hours} h {minutes} min")
DAYS = N_("{days} d {hours} h")
FEEDBACK = N_("Did it help? yes {yes}, a little {little}, no {no}")
FEEDBACK_ANSWERS = ("helped", "partly", "not")  # the keys of the citizen's buttons (FeedbackPress.ANSWERS)


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
    feedback: tuple[tuple[str, int], ...] = ()  # (answer key, cases), in FEEDBACK_ANSWERS order; () before any

    @property
    def feedback_counts(self) -> dict[str, int]:
        """Every answer key with its count (0 for one nobody gave)."""
        given = dict(self.feedback)
        return {key: given.get(key, 0) for key in FEEDBACK_ANSWERS}


def _by(totals: list[tuple[str, str, str, int]], column: int) -> tuple[tuple[str, int], ...]:
    sums: dict[str, int] = {}
    for row in totals:
        key = str(row[column])
        sums[key] = sums.get(key, 0) + row[3]
    return tuple(sorted(sums.items(), key=lambda item: (-item[1], item[0])))


async def case_stats(stats: Stats, now: datetime) -> CaseStats:
    def iso(delta: timedelta) -> str:
        return (now - delta).isoformat(timespec="seconds")

    totals = await stats.totals()
    answers = await stats.feedback()
    claims = [
        ((datetime.fromisoformat(c.claimed_at) - datetime.fromisoformat(c.created_at)).total_seconds(), c.priority)
        for c in await stats.claims_since(iso(timedelta(days=30)))
    ]
    return CaseStats(
        total=sum(row[3] for row in totals),
        open=sum(row[3] for row in totals if row[2] in OPEN_STATUSES),
        stale=await stats.count_open_created_before(iso(timedelta(days=2))),
        this_week=await stats.count_created(iso(timedelta(days=7))),
        last_week=await stats.count_created(iso(timedelta(days=14)), iso(timedelta(days=7))),
        by_province=_by(totals, 0),
        by_category=_by(totals, 1),
        by_status=_by(totals, 2),
        median_claim=statistics.median([s for s, _ in claims]) if claims else None,
        median_claim_priority=statistics.median([s for s, p in claims if p]) if any(p for _, p in claims) else None,
        feedback=tuple((key, answers[key]) for key in FEEDBACK_ANSWERS if answers.get(key)),
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
    if stats.feedback:  # only once a citizen has answered
        counts = stats.feedback_counts
        lines.append(t(lang, FEEDBACK, yes=counts["helped"], little=counts["partly"], no=counts["not"]))
    for title, rows in (
        (BY_PROVINCE, stats.by_province),
        (BY_STATUS, stats.by_status),
        (BY_CATEGORY, stats.by_category),
    ):
        if rows:  # nothing to list before the first case
            lines += ["", t(lang, title), *(f"• {key}: {n}" for key, n in rows[:20])]
    return "\n".join(lines)
