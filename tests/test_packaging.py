"""The wheel carries what an installed bot needs outside the checkout: the flows, the catalogues and
the ``harassment-bot`` console script (issue 16)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_holds_the_flows_the_catalogues_and_the_console_script(tmp_path: Path) -> None:
    # In the test environment's own setuptools, offline: the build step, not the index, is under test.
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("harassment_report_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    shipped = {
        p.relative_to(ROOT).as_posix() for d in ("flows", "locales") for p in (ROOT / d).rglob("*") if p.is_file()
    }
    shipped = {p for p in shipped if not p.endswith(".mo")}
    assert shipped and {f"bot/_data/{p}" for p in shipped} <= names
    assert "bot/_data/flows/report.yaml" in names and "bot/_data/locales/ur/LC_MESSAGES/messages.po" in names
    # The desk's templates and stylesheets, every one of them.
    desk = {p.relative_to(ROOT).as_posix() for d in ("templates", "static") for p in (ROOT / "bot/desk" / d).iterdir()}
    assert desk and desk <= names
    assert "harassment-bot = bot.cli.main:entry" in entry_points
    assert "bot/cli/main.py" in names and not any(n.startswith(("tests/", "testing/", "bench/")) for n in names)
