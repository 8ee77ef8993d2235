"""BACKUP_DIR: a backup when the newest is old enough, the oldest beyond BACKUP_KEEP removed, failures
counted for /metrics (issue 16)."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.telegram import backups, metrics
from testing.seeding import seed_cases

DAY = timedelta(hours=24)
START = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def reports_in(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])


async def test_a_backup_is_taken_when_due_and_the_oldest_go(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed_cases(db, 12, ("punjab", "sindh"))
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")

    first = await backups.back_up_if_due(db, folder, DAY, keep=2, now=START)
    assert first is not None and first.name == "bot-20261130-030000.sqlite3"
    assert reports_in(first) == 12
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert backups.newest(folder) == START
    assert (metrics.REGISTRY.get_sample_value("bot_backup_last_success_timestamp_seconds") or 0) > 0

    # Not yet due: a restart an hour later takes none.
    assert await backups.back_up_if_due(db, folder, DAY, keep=2, now=START + timedelta(hours=1)) is None
    second = await backups.back_up_if_due(db, folder, DAY, keep=2, now=START + DAY)
    third = await backups.back_up_if_due(db, folder, DAY, keep=2, now=START + 2 * DAY)
    assert second is not None and third is not None
    assert sorted(p.name for p in folder.iterdir()) == [second.name, third.name, "notes.txt"]


async def test_a_failed_backup_is_counted_and_keeps_what_was_there(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    before = metrics.REGISTRY.get_sample_value("bot_backup_failures_total") or 0
    assert await backups.back_up_if_due(tmp_path / "missing.sqlite3", folder, DAY, keep=2, now=START) is None
    assert metrics.REGISTRY.get_sample_value("bot_backup_failures_total") == before + 1
    assert list(folder.iterdir()) == []  # no half-written file that looks like a backup
