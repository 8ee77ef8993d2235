"""A report's rows (PostgreSQL): its columns as read, its values sealed, and its insertion with its evidence,
its files to fetch and its match keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.clock import now_iso
from bot.store.keyring import Keyring
from bot.store.records import FILE_WAITING, EvidenceLink, NewReport, StoredReport

from .database import Connection
from .rows import outbox_rows

REPORT_COLUMNS = (
    "id, reference, pin, flow_id, revision_id, chat_key, language, category, province, minor, "
    "status, answers, created_at, queue, priority, claimed_by, claimed_name, claimed_at, outcome, closed_at, reminded"
)
# A report's evidence in the same statement, so one snapshot reads both (a read runs outside a transaction).
EVIDENCE_COLUMNS = (
    "ARRAY(SELECT url FROM evidence e WHERE e.report_id = reports.id ORDER BY position) AS urls, "
    "ARRAY(SELECT platform FROM evidence e WHERE e.report_id = reports.id ORDER BY position) AS platforms, "
    "ARRAY(SELECT coalesce(received_at, '') FROM evidence e WHERE e.report_id = reports.id ORDER BY position) "
    "AS link_times"
)


@dataclass(frozen=True, slots=True)
class SealedReport:
    """A report's values that the keyring seals, sealed before its transaction starts."""

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


async def insert_report(conn: Connection, report: NewReport, sealed: SealedReport) -> int:
    created = report.created_at or now_iso()
    report_id = await conn.fetchval(
        "INSERT INTO reports (reference, pin, flow_id, revision_id, chat_key, language, category, "
        "province, minor, answers, created_at, queue, priority, queued_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        report.reference,
        sealed.pin,
        report.flow_id,
        report.revision_id,
        report.chat_key,
        report.language,
        report.category,
        report.province,
        report.minor,
        sealed.answers,
        created,
        report.queue,
        report.priority,
        created,
    )
    if report.evidence:
        await conn.executemany(
            "INSERT INTO evidence (report_id, position, url, platform, received_at) VALUES ($1, $2, $3, $4, $5)",
            [
                (report_id, i, url, link.platform, link.received_at or None)
                for i, (url, link) in enumerate(zip(sealed.urls, report.evidence, strict=True))
            ],
        )
    if report.match_keys:
        await conn.execute(
            "INSERT INTO case_keys (report_id, key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            report_id,
            list(dict.fromkeys(report.match_keys)),
        )
    if report.files:
        # Written waiting in the report's own transaction: a report is never stored without its files.
        await conn.executemany(
            "INSERT INTO evidence_files (report_id, position, kind, mime_type, size, received_at, status, source) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (report_id, i, f.kind, f.mime_type, f.size, f.received_at, FILE_WAITING, source)
                for i, (source, f) in enumerate(zip(sealed.sources, report.files, strict=True), start=1)
            ],
        )
    return int(report_id)


def report_from_row(row: asyncpg.Record, keyring: Keyring) -> StoredReport:
    """A report from a row of REPORT_COLUMNS then EVIDENCE_COLUMNS."""
    evidence = tuple(
        EvidenceLink(keyring.open(url, "evidence.url"), platform, received_at)
        for url, platform, received_at in zip(row["urls"], row["platforms"], row["link_times"], strict=True)
    )
    return StoredReport(
        id=row[0],
        reference=row[1],
        pin=keyring.open(row[2], "reports.pin"),
        flow_id=row[3],
        revision_id=row[4],
        chat_key=row[5],
        language=row[6],
        category=row[7],
        province=row[8],
        minor=bool(row[9]),
        status=row[10],
        answers=json.loads(keyring.open(row[11], "reports.answers")),
        created_at=row[12],
        evidence=evidence,
        queue=row[13],
        priority=bool(row[14]),
        claimed_by=row[15],
        claimed_name=row[16],
        claimed_at=row[17],
        outcome=row[18],
        closed_at=row[19],
        reminded=int(row[20]),
    )
