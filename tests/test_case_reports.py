"""/stats figures and the CSV export, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cases.stats import case_stats, format_stats
from bot.engine.session import COMPLETED, Session
from bot.store.records import EvidenceLink, NewReport
from bot.store.sqlite.store import SqliteStore
from main import main
from testing.sql import execute

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def seed(db: Path) -> None:
    store = SqliteStore(db)
    await store.open()
    await store.publish("report", "spec_version: 1\nid: report\n", "test")
    cases = [
        # reference, province, category, priority, days ago, claim after hours (None: unclaimed)
        ("AAAA-0001", "punjab", "blackmail", True, 1, 1.0),
        ("AAAA-0002", "punjab", "harassment", False, 3, 5.0),
        ("AAAA-0003", "sindh", None, False, 9, None),
        ("AAAA-0004", "punjab", "blackmail", False, 10, 9.0),
    ]
    for n, (reference, province, category, priority, days, claim) in enumerate(cases):
        created = NOW - timedelta(days=days)
        report = NewReport(
            reference=reference,
            pin="-",
            flow_id="report",
            revision_id=1,
            chat_key=f"tg:{n}",
            language="ur",
            category=category,
            province=province,
            minor=priority,
            answers={
                "account": '=HYPERLINK("http://evil")' if n == 0 else "اس نے دھمکی دی",
                "platforms": ["facebook", "whatsapp"],
                "contact": "phone",
                "phone": "+923001234567",
                "suspects": "@bad",
            },
            evidence=(EvidenceLink("https://facebook.com/x", "facebook"),),
            created_at=created.isoformat(timespec="seconds"),
            queue=province,
            priority=priority,
        )
        session = Session(flow_id="report", revision=1, lang="ur", status=COMPLETED, step=None, id="s")
        report_id = await store.commit_step(f"tg:{n}", session, report)
        if claim is not None:
            claimed = (created + timedelta(hours=claim)).isoformat(timespec="seconds")
            await execute(
                store, "UPDATE reports SET status = 'claimed', claimed_at = ? WHERE id = ?", (claimed, report_id)
            )
    await store.close()


async def test_stats_count_and_time_claims(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed(db)
    store = SqliteStore(db)
    await store.open()
    try:
        stats = await case_stats(store.books().stats, NOW)
    finally:
        await store.close()
    assert (stats.total, stats.open, stats.stale) == (4, 4, 3)
    assert (stats.this_week, stats.last_week) == (2, 2)
    assert stats.by_province == (("punjab", 3), ("sindh", 1))
    assert stats.by_category == (("blackmail", 2), ("harassment", 1), ("none", 1))
    assert stats.median_claim == 5 * 3600 and stats.median_claim_priority == 3600
    text = format_stats(stats, "en")
    assert "Median time to claim (last 30 days): 5 h 0 min; priority cases: 1 h 0 min." in text
    assert "• punjab: 3" in text and len(text) < 4096
    assert "کیس: کل 4" in format_stats(stats, "ur")


def test_export_without_personal_data_has_none_and_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    db = tmp_path / "bot.sqlite3"
    asyncio.run(seed(db))
    assert main(["export", "--since", "2026-11-18", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["reference"] for r in rows] == ["AAAA-0001", "AAAA-0002", "AAAA-0003", "AAAA-0004"]
    assert rows[0]["platforms"] == "facebook;whatsapp" and rows[0]["hours_to_claim"] == "1.0"
    assert "account" not in rows[0] and "+923001234567" not in out and "دھمکی" not in out
    assert main(["export", "--since", "2026-11-19", "--until", "2026-11-20", "--db", str(db)]) == 0
    assert [r["reference"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))] == ["AAAA-0003"]
    with closing(sqlite3.connect(db)) as conn:
        audit = conn.execute("SELECT action, detail FROM audit WHERE action LIKE 'export%'").fetchall()
    assert audit == [
        ("export", "since=2026-11-18 until="),
        ("export_done", "rows=4"),
        ("export", "since=2026-11-19 until=2026-11-20"),
        ("export_done", "rows=1"),
    ]


def test_a_personal_export_is_owner_only_neutralises_formulas_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    db, out = tmp_path / "bot.sqlite3", tmp_path / "cases.csv"
    asyncio.run(seed(db))
    assert main(["export", "--since", "2026-01-01", "--personal", "--db", str(db), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["account"] == '\'=HYPERLINK("http://evil")' and rows[1]["account"] == "اس نے دھمکی دی"
    assert rows[0]["phone"] == "'+923001234567" and rows[0]["evidence_urls"] == "https://facebook.com/x"
    assert main(["export", "--since", "2026-01-01", "--personal", "--db", str(db), "-o", str(out)]) == 1
    assert "exists; use --force" in capsys.readouterr().err
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM audit WHERE action = 'export_personal'").fetchone()[0] == 1
    assert main(["export", "--since", "28-11-2026", "--db", str(db)]) == 1
    assert "--since must be a date like 2026-11-01" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "--personal" in capsys.readouterr().out
