"""Scheduled backups of the SQLite database (BACKUP_DIR, BACKUP_EVERY_HOURS, BACKUP_KEEP).

Every few minutes the job asks whether the newest backup in BACKUP_DIR is older than BACKUP_EVERY_HOURS,
and if so takes one (SQLite's online backup, on a thread: citizens are served meanwhile), then deletes
the oldest beyond BACKUP_KEEP. Asking instead of counting hours since start means a bot restarted every
day still backs up every day. The backups are the database's encrypted contents, never the key.

PostgreSQL is backed up by its own tools (pg_dump, or ``main.py backup`` which runs it): not here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.logs import fault
from bot.store.sqlite.backup import BackupFailed, backup_sqlite, rotate, scheduled, scheduled_name

from . import metrics

log = logging.getLogger(__name__)

CHECK_SECONDS = 300
PREFIX = "bot-"


def newest(folder: Path) -> datetime | None:
    """When the newest scheduled backup in ``folder`` was taken (from its name), or None."""
    if not folder.is_dir():
        return None
    taken = scheduled(folder, PREFIX)
    return taken[-1][0] if taken else None


def _prepared(folder: Path) -> datetime | None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return newest(folder)


async def back_up_if_due(
    db: Path, folder: Path, every: timedelta, keep: int, now: datetime | None = None
) -> Path | None:
    """Take a backup when the newest is ``every`` old or more (or there is none); the new file, or None."""
    now = now or datetime.now(UTC)
    last = await asyncio.to_thread(_prepared, folder)
    if last is not None and now - last < every:
        return None
    dest = folder / scheduled_name(now, PREFIX)
    started = time.monotonic()
    try:
        reports = await backup_sqlite(db, dest)
    except (BackupFailed, OSError, sqlite3.Error) as exc:
        log.error("backup: failed; the last good one is kept", extra=fault(exc))
        metrics.BACKUP_FAILURES.inc()
        return None
    removed = await asyncio.to_thread(rotate, folder, keep, PREFIX)
    metrics.BACKUP_LAST.set(time.time())
    log.info(
        "backup: %s written (%d reports, %.1f s); %d old backup(s) removed",
        dest,
        reports,
        time.monotonic() - started,
        len(removed),
    )
    return dest
