"""A report's rows (SQLite): its columns as read, its values sealed, and its insertion with its evidence,
its files to fetch and its match keys."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.clock import now_iso
from bot.store.keyring import Keyring
from bot.store.records import FILE_WAITING, EvidenceLink, NewReport, StoredReport

from .rows import outbox_rows

REPORT_COLUMNS = (
    "id, reference, pin, flow_id, revision_id, chat_key, language, category, province, minor, "
    "status, answers, created_at, queue, priority, claimed_by, claimed_name, claimed_at, outcome, closed_at, reminded"
)


@dataclass(frozen=True, slots=True)
class SealedReport:
    """A report's values that the keyring seals, sealed before the write goes to the database's thread."""

    pin: str
    answers: str
    urls: list[str]
    sources: list[str]  # the files' Telegram references
    deliveries: list[tuple[Any, ...]]


def seal_report(report: NewReport, keyring: Keyring) -> SealedReport:
    return SealedReport(
        keyring.seal(report.pin, "reports.pin"),
        keyring.seal(json.dumps(report.answers, ensure_ascii=False), "reports.answers"),
        [keyring.seal(link.url, "evidence.url") for link in report.evidence],
        [keyring.seal(file.source, "evidence_files.source") for file in report.files],
        outbox_rows(report.deliveries, keyring),
    )


def insert_report(conn: sqlite3.Connection, report: NewReport, sealed: SealedReport) -> int:
    created = report.created_at or now_iso()
    cur = conn.execute(
        "INSERT INTO reports (reference, pin, flow_id, revision_id, chat_key, language, category, "
        "province, minor, answers, created_at, queue, priority, queued_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.reference,
            sealed.pin,
            report.flow_id,
            report.revision_id,
            report.chat_key,
            report.language,
            report.category,
            report.province,
            int(report.minor),
            sealed.answers,
            created,
            report.queue,
            int(report.priority),
            created,
        ),
    )
    report_id = cur.lastrowid
    assert report_id is not None
    conn.executemany(
        "INSERT INTO evidence (report_id, position, url, platform, received_at) VALUES (?, ?, ?, ?, ?)",
        [
            (report_id, i, url, link.platform, link.received_at or None)
            for i, (url, link) in enumerate(zip(sealed.urls, report.evidence, strict=True))
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO case_keys (report_id, key) VALUES (?, ?)", [(report_id, k) for k in report.match_keys]
    )
    conn.executemany(
        "INSERT INTO evidence_files (report_id, position, kind, mime_type, size, received_at, status, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (report_id, i, f.kind, f.mime_type, f.size, f.received_at, FILE_WAITING, source)
            for i, (source, f) in enumerate(zip(sealed.sources, report.files, strict=True), start=1)
        ],
    )
    return report_id


def report_from_row(row: Iterable[Any], evidence: tuple[EvidenceLink, ...], keyring: Keyring) -> StoredReport:
    r = list(row)
    return StoredReport(
        id=r[0],
        reference=r[1],
        pin=keyring.open(r[2], "reports.pin"),
        flow_id=r[3],
        revision_id=r[4],
        chat_key=r[5],
        language=r[6],
        category=r[7],
        province=r[8],
        minor=bool(r[9]),
        status=r[10],
        answers=json.loads(keyring.open(r[11], "reports.answers")),
        created_at=r[12],
        evidence=evidence,
        queue=r[13],
        priority=bool(r[14]),
        claimed_by=r[15],
        claimed_name=r[16],
        claimed_at=r[17],
        outcome=r[18],
        closed_at=r[19],
        reminded=int(r[20]),
    )
