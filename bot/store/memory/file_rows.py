"""The memory backend's evidence_files table: its rows, and the rows a report brings (written waiting
with the report, as SQLite's ``insert_report`` does). A module of its own so that the store, which
writes them, and the book, which reads and changes them, share one row type without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.store.records import FILE_WAITING, EvidenceFile, NewFile


@dataclass(slots=True)
class FileRow:
    """One file: its custody log entry, and what SQLite's row keeps beside it (unsealed here: memory is
    never at rest)."""

    entry: EvidenceFile
    source: str | None  # Telegram's reference, until the file is kept or failed
    content: bytes | None = None
    attempts: int = 0
    lease_until: float | None = None


def waiting_files(
    report_id: int, files: Iterable[NewFile], next_id: Callable[[], int], start: int = 1
) -> dict[int, FileRow]:
    """A report's files by id, numbered from ``start`` in the order received, each waiting to be fetched."""
    rows: dict[int, FileRow] = {}
    for position, f in enumerate(files, start=start):
        file_id = next_id()
        entry = EvidenceFile(file_id, report_id, position, f.kind, f.mime_type, f.size, f.received_at, FILE_WAITING)
        rows[file_id] = FileRow(entry, f.source)
    return rows
