"""/stats figures (bot/cases/stats.py) on a real SQLite file: status counts after real case transitions,
exact medians, the 30-day and week-on-week windows, stale cases, and the rendered summary.

Complements tests/test_case_reports.py. The summary is checked in English only: the Urdu catalogue is
checked by tests/test_locales.py.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.cases.casework import Actor, Casework
from bot.cases.stats import CaseStats, case_stats, duration, format_stats
from bot.engine.session import COMPLETED, Session
from bot.store.records import NewReport
from bot.store.sqlite.store import SqliteStore

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OFFICER = Actor(41, "Officer Ayesha")


async def submit(
    store: SqliteStore,
    reference: str,
    *,
    created: datetime = NOW,
    province: str | None = "punjab",
    category: str | None = "harassment",
    priority: bool = False,
) -> int:
    report = NewReport(
        reference=reference,
        pin="-",
        flow_id="report",
        revision_id=1,
        chat_key=f"tg:{1000 + sum(map(ord, reference))}",  # a numeric chat: questions can reach it
        language="en",
        category=category,
        province=province,
        minor=priority,
        answers={},
        created_at=created.isoformat(timespec="seconds"),
        queue=province,
        priority=priority,
    )
    session = Session(flow_id="report", revision=1, lang="en", status=COMPLETED, step=None, id="s")
    report_id = await store.commit_step(report.chat_key or "", session, report)
    assert report_id is not None
    return report_id


async def claimed(store: SqliteStore, report_id: int, at: datetime) -> None:
    """Set the claim time directly: Casework stamps the real clock, and medians need exact times."""

    def change(db: sqlite3.Connection) -> None:
        db.execute(
            "UPDATE reports SET status = 'claimed', claimed_at = ? WHERE id = ?",
            (at.isoformat(timespec="seconds"), report_id),
        )

    await store.database.write(change)


async def test_statuses_are_counted_after_real_claims_questions_resolutions_and_spam(store: SqliteStore) -> None:
    work = Casework.over(store.books())
    now = datetime.now(UTC)  # Casework stamps claims with the real clock
    ids = [await submit(store, f"CASE-000{n}", created=now) for n in range(6)]
    for n in (1, 2, 3):
        found = await store.report_by_id(ids[n])
        assert found is not None and await work.claim(found, OFFICER) is not None
    waiting = await store.report_by_id(ids[2])
    assert waiting is not None
    await work.cases.open_ask(waiting.id, OFFICER.user_id, -1001, None)
    assert await work.ask(waiting, OFFICER, "Which account?") is not None
    to_resolve, to_spam = await store.report_by_id(ids[3]), await store.report_by_id(ids[4])
    assert to_resolve is not None and await work.resolve(to_resolve, OFFICER, "blocked") is not None
    assert to_spam is not None and await work.spam(to_spam, OFFICER) is not None

    stats = await case_stats(store.books().stats, now)

    assert dict(stats.by_status) == {"new": 2, "claimed": 1, "waiting": 1, "resolved": 1, "spam": 1}
    assert stats.by_status[0] == ("new", 2)  # the largest first, then by key
    assert (stats.total, stats.open) == (6, 4)
    # Three real claims just now: a time to claim of (almost) nothing, counted for each of them.
    assert stats.median_claim is not None and 0 <= stats.median_claim < 60
    assert stats.median_claim_priority is None


async def test_median_time_to_claim_is_exact_and_only_counts_claims_of_the_last_30_days(store: SqliteStore) -> None:
    # (hours to claim, priority, days before NOW the claim happened)
    claims = [(1, False, 1), (2, False, 2), (4, True, 3), (10, False, 4), (6, True, 29), (100, False, 31)]
    for n, (hours, priority, days_ago) in enumerate(claims):
        at = NOW - timedelta(days=days_ago)
        report_id = await submit(store, f"CLAIM-{n}", created=at - timedelta(hours=hours), priority=priority)
        await claimed(store, report_id, at)
    await submit(store, "NEVER-CLAIMED", created=NOW - timedelta(days=1), priority=True)

    stats = await case_stats(store.books().stats, NOW)

    # 1, 2, 4, 6, 10 h (the claim 31 days ago is out): the middle one. An even count averages the middle two.
    assert stats.median_claim == 4 * 3600
    assert stats.median_claim_priority == 5 * 3600  # 4 h and 6 h
    text = format_stats(stats, "en")
    assert "Median time to claim (last 30 days): 4 h 0 min; priority cases: 5 h 0 min." in text


async def test_no_claims_reads_none_yet_and_an_empty_store_lists_no_sections(store: SqliteStore) -> None:
    empty = await case_stats(store.books().stats, NOW)
    assert empty == CaseStats(0, 0, 0, 0, 0, (), (), (), None, None)
    assert format_stats(empty, "en").splitlines() == [
        "Cases: 0 in all, 0 open (0 open for more than 2 days).",
        "Received in the last 7 days: 0 (the 7 days before: 0).",
        "Median time to claim (last 30 days): none yet; priority cases: none yet.",
    ]


async def test_week_on_week_counts_the_7_days_before_now_against_the_7_before_those(store: SqliteStore) -> None:
    for n, age in enumerate(
        [
            timedelta(0),
            timedelta(days=6, hours=23),
            timedelta(days=7),  # exactly a week ago: this week still
            timedelta(days=7, seconds=1),
            timedelta(days=14),  # exactly two weeks ago: the week before still
            timedelta(days=14, seconds=1),
            timedelta(days=40),
        ]
    ):
        await submit(store, f"WEEK-{n}", created=NOW - age)

    stats = await case_stats(store.books().stats, NOW)

    assert (stats.this_week, stats.last_week, stats.total) == (3, 2, 7)


async def test_stale_counts_open_cases_older_than_two_days_only(store: SqliteStore) -> None:
    work = Casework.over(store.books())
    await submit(store, "FRESH", created=NOW - timedelta(days=1, hours=23))
    await submit(store, "OLD-NEW", created=NOW - timedelta(days=2, minutes=1))
    old_claimed = await submit(store, "OLD-CLAIMED", created=NOW - timedelta(days=5))
    await claimed(store, old_claimed, NOW - timedelta(days=4))
    old_resolved = await store.report_by_id(await submit(store, "OLD-RESOLVED", created=NOW - timedelta(days=9)))
    assert old_resolved is not None and await work.resolve(old_resolved, OFFICER, "advice") is not None

    stats = await case_stats(store.books().stats, NOW)

    assert (stats.total, stats.open, stats.stale) == (4, 3, 2)


async def test_provinces_and_categories_are_keys_sorted_by_count_then_key_with_none_for_no_category(
    store: SqliteStore,
) -> None:
    rows = [("sindh", "blackmail"), ("punjab", None), ("sindh", None), ("kp", "stalking"), ("punjab", "blackmail")]
    for n, (province, category) in enumerate(rows):
        await submit(store, f"KEY-{n}", province=province, category=category)

    stats = await case_stats(store.books().stats, NOW)

    assert stats.by_province == (("punjab", 2), ("sindh", 2), ("kp", 1))
    assert stats.by_category == (("blackmail", 2), ("none", 2), ("stalking", 1))
    text = format_stats(stats, "en")
    province_block = text.split("By province:\n")[1].split("\n\n")[0]
    assert province_block.splitlines() == ["• punjab: 2", "• sindh: 2", "• kp: 1"]
    assert "<" not in text and "&" not in text  # plain text: escaping is the caller's


def test_durations_read_as_hours_and_minutes_under_a_day_then_days_and_hours() -> None:
    assert duration(None, "en") == "none yet"
    assert duration(0, "en") == "0 h 0 min"
    assert duration(3 * 3600 + 20 * 60 + 59, "en") == "3 h 20 min"
    assert duration(24 * 3600 - 1, "en") == "23 h 59 min"
    assert duration(24 * 3600, "en") == "1 d 0 h"
    assert duration(2 * 86400 + 4 * 3600 + 59 * 60, "en") == "2 d 4 h"


def test_a_summary_of_many_provinces_and_categories_stays_under_telegrams_limit() -> None:
    # Keys are flow choice keys and routing keys (`child_abuse`, `undisclosed`): 32 characters is generous.
    # Only the 20 largest of each section are listed.
    many = tuple((f"{'x' * 29}{n:03}", 1000 - n) for n in range(200))
    stats = CaseStats(10**6, 10**5, 10**4, 10**3, 10**3, many, many, many, 10**7, 10**7)
    assert len(format_stats(stats, "en")) < 4096
