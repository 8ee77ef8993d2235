"""`flows publish` shows what changed, runs the golden scripts and refuses a flow that breaks them unless forced."""

from __future__ import annotations

from pathlib import Path

import pytest

from main import main
from tests.conftest import REPORT_FLOW

OLD = "In your own words, what happened?"


def test_publish_refuses_a_flow_that_breaks_its_scripts_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    assert main(["flows", "publish", str(REPORT_FLOW), "--db", str(db)]) == 0
    assert "published as revision 1" in capsys.readouterr().out
    edited = tmp_path / "report.yaml"
    edited.write_text(REPORT_FLOW.read_text(encoding="utf-8").replace(OLD, "Tell us what happened."), "utf-8")
    assert main(["flows", "publish", str(edited), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "texts (en): account" in out and "script en_full_edit_review fails" in out
    scripts = sorted((REPORT_FLOW.parent / "tests" / REPORT_FLOW.stem).glob("*.yaml"))
    failing = sum(OLD in path.read_text(encoding="utf-8") for path in scripts)  # the scripts that show that text
    assert failing >= 5
    assert f"not published: {failing} of {len(scripts)} conversation scripts fail; --force publishes anyway" in out
    assert main(["flows", "publish", str(edited), "--db", str(db), "--force"]) == 0
    assert "published as revision 2" in capsys.readouterr().out
    assert main(["flows", "publish", str(edited), "--db", str(db)]) == 1  # still breaks the scripts
    capsys.readouterr()
    assert main(["flows", "publish", str(REPORT_FLOW), "--db", str(db)]) == 0
    assert "published as revision 1 of 'report'" in capsys.readouterr().out  # back to the original: revision 1
