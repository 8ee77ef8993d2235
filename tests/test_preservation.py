"""The preservation lines (flows/preservation.yaml): every platform a link can be on has a line in English and
Urdu; a broken file names its problems with their lines; an edit is read without a restart, and a broken edit
is logged while the last good lines stay in use."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.cases.preservation import PRESERVATION_FILE, PreservationFile, load_preservation
from bot.engine.errors import FlowLoadError
from bot.engine.links import PLATFORMS
from bot.paths import FLOWS_DIR

GOOD = """spec_version: 1
platforms:
  facebook:
    en: "Facebook: ask Meta to keep it."
    ur: "فیس بک: میٹا سے محفوظ رکھنے کو کہیں۔"
  other:
    en: "Other: save the page."
    ur: "دوسری سائٹ: صفحہ محفوظ کریں۔"
"""


def test_the_shipped_file_has_a_line_for_every_platform_in_both_languages() -> None:
    shipped = load_preservation((FLOWS_DIR / PRESERVATION_FILE).read_text(encoding="utf-8"))
    assert set(shipped.lines) == set(PLATFORMS)
    for platform in PLATFORMS:
        english, urdu = shipped.line(platform, "en"), shipped.line(platform, "ur")
        assert english and urdu and english != urdu
        assert any("\u0600" <= ch <= "\u06ff" for ch in urdu)


def test_a_platform_without_a_line_of_its_own_gets_the_line_for_other_sites() -> None:
    table = load_preservation(GOOD)
    assert table.line("tiktok", "en") == "Other: save the page."
    assert table.line("facebook", "ur") == "فیس بک: میٹا سے محفوظ رکھنے کو کہیں۔"
    assert table.line("facebook", "roman") == "Facebook: ask Meta to keep it."  # officers read English or Urdu


def test_a_broken_file_names_each_problem_and_its_line() -> None:
    broken = GOOD.replace('    ur: "فیس بک: میٹا سے محفوظ رکھنے کو کہیں۔"\n', "") + "  myspace:\n    en: x\n    ur: y\n"
    with pytest.raises(FlowLoadError) as caught:
        load_preservation(broken)
    text = str(caught.value)
    assert "platforms.facebook.ur: missing Urdu text" in text
    assert "platforms.myspace: unknown platform" in text
    with pytest.raises(FlowLoadError, match="needs a line for 'other'"):
        load_preservation("spec_version: 1\nplatforms:\n  x:\n    en: a\n    ur: b\n")
    with pytest.raises(FlowLoadError, match="keep it to 200"):
        load_preservation(GOOD.replace("Other: save the page.", "x" * 201))


def test_an_edit_is_read_without_a_restart_and_a_broken_one_keeps_the_last_good_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / PRESERVATION_FILE
    path.write_text(GOOD, encoding="utf-8")
    lines = PreservationFile(tmp_path)
    assert lines.current().line("facebook", "en") == "Facebook: ask Meta to keep it."
    path.write_text(GOOD.replace("ask Meta to keep it", "use the Meta portal"), encoding="utf-8")
    os.utime(path, (1, 1))  # a new modification time, however fast the test runs
    assert lines.current().line("facebook", "en") == "Facebook: use the Meta portal."
    path.write_text("spec_version: 1\nplatforms: [broken\n", encoding="utf-8")
    os.utime(path, (2, 2))
    with caplog.at_level(logging.WARNING):
        assert lines.current().line("facebook", "en") == "Facebook: use the Meta portal."
    assert "the last good version stays" in caplog.text


def test_a_folder_without_the_file_uses_the_shipped_one_and_a_broken_first_read_fails(tmp_path: Path) -> None:
    assert PreservationFile(tmp_path).path == FLOWS_DIR / PRESERVATION_FILE
    (tmp_path / PRESERVATION_FILE).write_text("spec_version: 2\n", encoding="utf-8")
    with pytest.raises(FlowLoadError):
        PreservationFile(tmp_path).current()
