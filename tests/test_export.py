"""``main.py export`` (bot/cases/export.py) on a real SQLite file: the columns, the date window, personal
columns only on request, neutralised formulas, the audit of every export, safe output files, progress and
one-line errors. Complements tests/test_case_reports.py."""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
import json
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cases.export import COLUMNS, PERSONAL
from bot.engine.session import COMPLETED, Session
from bot.store.records import EvidenceLink, NewReport
from bot.store.sqlite.store import SqliteStore
from main import main
from testing.sql import execute
from tests.conftest import ROOT

Capture = pytest.CaptureFixture[str]


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def report(reference: str, created: datetime, answers: dict[str, Any], evidence: tuple[str, ...] = ()) -> NewReport:
    return NewReport(
        reference=reference,
        pin="-",
        flow_id="report",
        revision_id=1,
        chat_key=f"tg:{reference}",
        language="ur",
        category="blackmail",
        province="sindh",
        minor=True,
        answers=answers,
        evidence=tuple(EvidenceLink(url, "facebook") for url in evidence),
        created_at=created.isoformat(timespec="seconds"),
        queue="sindh",
        priority=True,
    )


async def seed(db: Path, reports: list[NewReport], claims: dict[str, datetime] | None = None) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        await store.publish("report", "spec_version: 1\nid: report\n", "test")
        session = Session(flow_id="report", revision=1, lang="ur", status=COMPLETED, step=None, id="s")
        for r in reports:
            report_id = await store.commit_step(r.chat_key or "tg:0", session, r)
            if claims and r.reference in claims:
                await execute(
                    store,
                    "UPDATE reports SET status = 'resolved', claimed_at = ?, closed_at = ?, outcome = 'blocked' "
                    "WHERE id = ?",
                    (claims[r.reference].isoformat(timespec="seconds"), claims[r.reference].isoformat(), report_id),
                )
    finally:
        await store.close()


def run(argv: list[str]) -> int:
    """main() as the shell sees it: argparse's own refusals exit through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def audit_rows(db: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT actor, actor_name, action, report_id, allowed, detail FROM audit "
            "WHERE action LIKE 'export%' ORDER BY id"
        ).fetchall()


ANSWERS = {
    "account": "He sent my photos to my brother",
    "platforms": ["facebook", "whatsapp"],
    "suspects": "cousin",
    "contact": "phone",
    "phone": "03001234567",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    asyncio.run(
        seed(
            path,
            [
                report("EARLY-1", at(19, 23, 59, 59), ANSWERS),
                report("FIRST-2", at(20), ANSWERS, ("https://facebook.com/a", "https://wa.me/923001234567")),
                report("LAST-3", at(21, 23, 59, 59), {**ANSWERS, "contact": "telegram"}),
                report("LATE-4", at(22), ANSWERS),
            ],
            claims={"FIRST-2": at(20, 1, 30)},
        )
    )
    return path


def test_the_window_includes_since_and_excludes_until_in_utc(db: Path, capsys: Capture) -> None:
    assert run(["export", "--since", "2026-11-20", "--until", "2026-11-22", "--db", str(db)]) == 0
    assert [r["reference"] for r in rows_of(capsys.readouterr().out)] == ["FIRST-2", "LAST-3"]
    assert run(["export", "--since", "2026-11-20", "--db", str(db)]) == 0
    assert [r["reference"] for r in rows_of(capsys.readouterr().out)] == ["FIRST-2", "LAST-3", "LATE-4"]


def test_columns_and_values_of_an_export_without_personal_data(db: Path, capsys: Capture) -> None:
    assert run(["export", "--since", "2026-11-20", "--until", "2026-11-21", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert not captured.out.startswith("\ufeff")  # no BOM on standard output: it may feed another program
    lines = captured.out.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert rows_of(captured.out) == [
        {
            "reference": "FIRST-2",
            "created_at": "2026-11-20T00:00:00+00:00",
            "province": "sindh",
            "queue": "sindh",
            "category": "blackmail",
            "status": "resolved",
            "priority": "1",
            "minor": "1",
            "language": "ur",
            "platforms": "facebook;whatsapp",
            "evidence_count": "2",
            "claimed_at": "2026-11-20T01:30:00+00:00",
            "closed_at": "2026-11-20T01:30:00+00:00",
            "outcome": "blocked",
            "hours_to_claim": "1.5",
        }
    ]
    for private in ("photos", "cousin", "03001234567", "https://"):
        assert private not in captured.out
    assert "1 reports exported" in captured.err


def test_personal_columns_appear_only_with_personal_and_the_phone_only_when_chosen_as_contact(
    db: Path, capsys: Capture
) -> None:
    assert run(["export", "--since", "2026-11-20", "--until", "2026-11-22", "--personal", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ",".join(COLUMNS + PERSONAL)
    first, last = rows_of(out)
    assert (first["account"], first["suspects"], first["phone"]) == (ANSWERS["account"], "cousin", "03001234567")
    assert first["evidence_urls"] == "https://facebook.com/a;https://wa.me/923001234567"
    assert last["phone"] == ""  # the citizen chose to be contacted on Telegram: the number stays out
    assert last["evidence_urls"] == ""


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "bot.sqlite3"
    hostile: dict[str, Any] = {
        "account": '=HYPERLINK("http://evil.example","click")',
        "suspects": "@SUM(1+1)",
        "platforms": ["-1+2", "+3"],
        "contact": "phone",
        "phone": "+923001234567",
    }
    asyncio.run(seed(db, [report("EVIL-1", at(20), hostile, ("https://example.org/=x",))]))
    assert run(["export", "--since", "2026-11-01", "--personal", "--db", str(db)]) == 0
    (row,) = rows_of(capsys.readouterr().out)
    assert row["account"] == "'" + hostile["account"]
    assert row["suspects"] == "'@SUM(1+1)"
    assert row["platforms"] == "'-1+2;+3"
    assert row["phone"] == "'+923001234567"
    assert row["evidence_urls"] == "https://example.org/=x"  # a formula only where the cell starts with one


def test_every_export_is_audited_with_the_login_name_and_row_count(
    db: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "rehana")
    assert run(["export", "--since", "2026-11-20", "--db", str(db)]) == 0
    assert run(["export", "--since", "2026-11-19", "--until", "2026-11-21", "--personal", "--db", str(db)]) == 0
    capsys.readouterr()
    assert audit_rows(db) == [
        (None, "cli:rehana", "export", None, 1, "since=2026-11-20 until="),
        (None, "cli:rehana", "export_done", None, 1, "rows=3"),
        (None, "cli:rehana", "export_personal", None, 1, "since=2026-11-19 until=2026-11-21"),
        (None, "cli:rehana", "export_personal_done", None, 1, "rows=2"),
    ]


def test_a_personal_file_is_owner_only_with_a_bom_even_when_forced_over_a_readable_one(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    out = tmp_path / "cases.csv"
    out.write_text("old")
    out.chmod(0o644)
    assert run(["export", "--since", "2026-11-20", "--personal", "--db", str(db), "-o", str(out), "--force"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel then reads Urdu correctly
    assert [r["reference"] for r in rows_of(raw.decode("utf-8-sig"))] == ["FIRST-2", "LAST-3", "LATE-4"]
    assert "personal data (audited)" in capsys.readouterr().err


def test_an_existing_file_is_kept_without_force_and_nothing_is_audited(
    db: Path, tmp_path: Path, capsys: Capture
) -> None:
    out = tmp_path / "cases.csv"
    out.write_text("keep me")
    assert run(["export", "--since", "2026-11-20", "--db", str(db), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; use --force" in err
    assert out.read_text() == "keep me"
    assert audit_rows(db) == []


def test_progress_is_shown_on_stderr_every_ten_thousand_rows(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(seed(db, []))
    created = at(20).isoformat(timespec="seconds")
    with closing(sqlite3.connect(db)) as conn, conn:
        # Bulk rows straight into the table: ten thousand committed steps would only slow the test down.
        conn.executemany(
            "INSERT INTO reports (reference, pin, flow_id, revision_id, language, answers, created_at) "
            "VALUES (?, '-', 'report', 1, 'en', ?, ?)",
            [(f"BULK-{n:05}", json.dumps({"account": "x"}), created) for n in range(20_001)],
        )
    out = tmp_path / "bulk.csv"
    # In a real process, as an admin runs it.
    result = subprocess.run(
        [sys.executable, "main.py", "export", "--since", "2026-11-01", "--db", str(db), "-o", str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"exporting from {db}",
        "exported 10000 rows…",
        "exported 20000 rows…",
        "20001 reports exported",
    ]
    assert len(rows_of(out.read_text(encoding="utf-8-sig"))) == 20_001


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2026-11-31"], "--since must be a date like 2026-11-01, not '2026-11-31'"),
        (["--since", "2026-11-01", "--until", "soon"], "--until must be a date like 2026-11-01, not 'soon'"),
        (["--since", "2026-11-01", "--db", "{missing}"], "no such database"),
        (["--since", "2026-11-01", "-o", "{tmp}/no/such/dir/out.csv"], "No such file or directory"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_1(
    db: Path, tmp_path: Path, capsys: Capture, argv: list[str], message: str
) -> None:
    missing = tmp_path / "missing.sqlite3"
    argv = [a.format(missing=missing, tmp=tmp_path) for a in argv]
    if "--db" not in argv:
        argv += ["--db", str(db)]
    assert run(["export", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err
    assert not missing.exists()  # a mistyped --db does not create an empty database


def test_only_csv_is_a_format(db: Path, capsys: Capture) -> None:
    assert run(["export", "--since", "2026-11-01", "--format", "csv", "--db", str(db)]) == 0
    capsys.readouterr()
    assert run(["export", "--since", "2026-11-01", "--format", "xlsx", "--db", str(db)]) != 0
    assert "invalid choice: 'xlsx' (choose from 'csv')" in capsys.readouterr().err


def test_export_help_explains_the_command_and_every_option(capsys: Capture) -> None:
    assert run(["export", "--help"]) == 0
    text = capsys.readouterr().out
    assert "usage: main.py export" in text and "audited" in text
    for option in ("--since", "--until", "--format", "--personal", "--db", "--output", "--force"):
        assert option in text
    help_lines = text.split("options:")[1]
    assert "YYYY-MM-DD" in help_lines and "file mode 600" in help_lines and "standard output" in help_lines


def test_a_claim_later_than_creation_gives_hours_with_one_decimal(tmp_path: Path, capsys: Capture) -> None:
    db = tmp_path / "bot.sqlite3"
    created = at(20, 8)
    asyncio.run(seed(db, [report("SLOW-1", created, {})], claims={"SLOW-1": created + timedelta(hours=50, minutes=6)}))
    assert run(["export", "--since", "2026-11-20", "--db", str(db)]) == 0
    (row,) = rows_of(capsys.readouterr().out)
    assert (row["hours_to_claim"], row["platforms"], row["evidence_count"]) == ("50.1", "", "0")


def test_a_file_that_is_not_a_database_is_one_line_and_the_process_exits(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"not a database at all, " * 200)
    out = tmp_path / "out.csv"
    # In a real process: a connection left open when open() fails would keep it alive (the timeout catches that).
    result = subprocess.run(
        [sys.executable, "main.py", "export", "--since", "2026-11-01", "--db", str(junk), "-o", str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "file is not a database" in result.stderr
    assert not out.exists()  # no empty file that looks like an export of nothing


def test_a_reader_that_stops_early_gets_no_traceback_and_the_export_is_still_audited(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(seed(db, []))
    with closing(sqlite3.connect(db)) as conn, conn:
        # Far more than a pipe's buffer, so the export is still writing when the reader goes away.
        conn.executemany(
            "INSERT INTO reports (reference, pin, flow_id, revision_id, language, answers, created_at) "
            "VALUES (?, '-', 'report', 1, 'en', ?, ?)",
            [(f"BULK-{n:05}", json.dumps({"account": "x" * 200}), at(20).isoformat()) for n in range(5_000)],
        )
    # `export --personal | head -1`: the pipe closes before the last row.
    with subprocess.Popen(
        [sys.executable, "main.py", "export", "--since", "2026-11-01", "--personal", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err
    assert [row[2] for row in audit_rows(db)][:1] == ["export_personal"]
