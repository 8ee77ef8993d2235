"""``python main.py export``: reports as CSV for the agency's own analysis.

Without ``--personal`` the file holds no personal data: no account, links, suspects or phone.
With it, those columns are added, the file is created readable by its owner only, and the export
is audited either way. Cells that a spreadsheet would run as a formula are neutralised, because
the account text is written by whoever filed the report.
"""

from __future__ import annotations

import csv
import getpass
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.cases.reports import phone_given
from bot.clock import now_iso
from bot.store.ports import Books, Reports
from bot.store.records import AuditEntry, StoredReport

COLUMNS = (
    "reference", "created_at", "province", "queue", "category", "status", "priority", "minor", "language",
    "platforms", "evidence_count", "claimed_at", "closed_at", "outcome", "hours_to_claim",
)  # fmt: skip
PERSONAL = ("account", "evidence_urls", "suspects", "phone")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def parse_day(value: str, name: str) -> str:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC).isoformat(timespec="seconds")
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-11-01, not {value!r}") from None


def safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def row(report: StoredReport, personal: bool) -> list[str]:
    answers = report.answers
    platforms = answers.get("platforms")
    hours = ""
    if report.claimed_at:
        delta = datetime.fromisoformat(report.claimed_at) - datetime.fromisoformat(report.created_at)
        hours = f"{delta.total_seconds() / 3600:.1f}"
    values: list[object] = [
        report.reference, report.created_at, report.province, report.queue, report.category, report.status,
        int(report.priority), int(report.minor), report.language,
        ";".join(platforms) if isinstance(platforms, list) else "", len(report.evidence),
        report.claimed_at, report.closed_at, report.outcome, hours,
    ]  # fmt: skip
    if personal:
        phone = phone_given(report) or ""
        values += [answers.get("account"), ";".join(e.url for e in report.evidence), answers.get("suspects"), phone]
    return [safe(v) for v in values]


async def reports_between(reports: Reports, since: str, until: str | None) -> AsyncIterator[StoredReport]:
    """In id order, a batch at a time, so a large export never holds every report in memory."""
    last = 0
    while True:
        batch = await reports.reports_created(since, until or None, last, BATCH)
        if not batch:
            return
        for report in batch:
            yield report
        last = batch[-1].id


async def export(
    books: Books, since: str, until: str | None, personal: bool, out: TextIO, progress: TextIO | None = None
) -> int:
    """Write the CSV to ``out``; the export is audited before the first row, so one that is interrupted
    (a closed pipe, a full disk) is still on record."""
    actor = f"cli:{_login()}"
    action = "export_personal" if personal else "export"
    window = f"since={since[:10]} until={(until or '')[:10]}"
    audit = books.audit
    await audit.record(AuditEntry(now_iso(), None, actor, action, None, None, True, window))
    writer = csv.writer(out)
    writer.writerow(COLUMNS + (PERSONAL if personal else ()))
    count = 0
    async for report in reports_between(books.reports, since, until):
        writer.writerow(row(report, personal))
        count += 1
        if count % 10_000 == 0:
            print(f"exported {count} rows…", file=progress or sys.stderr)
    await audit.record(AuditEntry(now_iso(), None, actor, f"{action}_done", None, None, True, f"rows={count}"))
    return count


def open_output(path: Path, personal: bool, force: bool) -> TextIO:
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; use --force to overwrite it")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600 if personal else 0o644)
    if personal:
        os.chmod(path, 0o600)  # also when --force replaced a file that had wider permissions
    # utf-8-sig: spreadsheet programs then read the Urdu correctly.
    return open(fd, "w", encoding="utf-8-sig", newline="")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
