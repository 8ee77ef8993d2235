"""The console runs the whole flow in a terminal, through the same engine and store, with no network."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.store.sqlite.store import SqliteStore
from tests.conftest import ROOT

ENGLISH = [
    "2",
    "1",
    "2",
    "Someone made a fake profile with my photos.",
    "5",
    "1",
    "3",
    "/done",
    "1",
    "3 months ago",
    "1",
    "https://www.facebook.com/fake.profile.123?mibextid=abc",
    "/done",
    "/skip",
    "2",
    "0300 1234567",
    "/send",
]
URDU = [
    "1",
    "اپنے لیے",
    "نہیں",
    "کوئی میری تصویریں ایک جعلی اکاؤنٹ پر لگا رہا ہے۔",
    "5",
    "1",
    "/done",
    "سندھ",
    "پچھلے مہینے",
    "جی ہاں",
    "https://www.facebook.com/fake.profile.123",
    "/done",
    "/skip",
    "1",
    "/send",
]


def run_console(db: Path, lines: list[str], lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "main.py", "console", "--lang", lang, "--db", str(db)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


async def stored(db: Path) -> tuple[int, str | None, str | None, list[str]]:
    store = SqliteStore(db)
    await store.open()
    try:
        reports = await store.reports_for_chat("console:local")
        count = await store.count_reports()
    finally:
        await store.close()
    last = reports[-1]
    return count, last.category, last.province, [e.url for e in last.evidence]


def test_english_report_is_stored_and_reference_and_pin_shown(tmp_path: Path) -> None:
    db = tmp_path / "console.sqlite3"
    result = run_console(db, ENGLISH, "en")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Reference number: " in result.stdout and "PIN: " in result.stdout
    assert f"The report is stored in {db}." in result.stdout
    count, category, province, links = asyncio.run(stored(db))
    assert (count, category, province) == (1, "impersonation", "punjab")
    assert links == ["https://www.facebook.com/fake.profile.123"]


def test_urdu_report_with_typed_urdu_answers(tmp_path: Path) -> None:
    db = tmp_path / "console.sqlite3"
    result = run_console(db, URDU, "ur")
    assert result.returncode == 0, result.stderr
    assert "حوالہ نمبر: " in result.stdout and "پن کوڈ: " in result.stdout
    count, category, province, _ = asyncio.run(stored(db))
    assert (count, category, province) == (1, "impersonation", "sindh")


def test_quitting_midway_keeps_the_draft_and_the_next_run_continues(tmp_path: Path) -> None:
    db = tmp_path / "console.sqlite3"
    first = run_console(db, ["2", "2", "/quit"], "en")
    assert "Goodbye." in first.stdout and "Your unfinished report is kept" in first.stdout
    second = run_console(db, [], "en")
    assert "Welcome back. Your report is where you left it." in second.stdout
    assert "Is the person this happened to under 18 years old?" in second.stdout  # "For someone else"
