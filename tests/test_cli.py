"""main.py's commands: help on each, located flow errors without tracebacks, clear exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPORT_FLOW, ROOT


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["run"],
        ["console"],
        ["migrate"],
        ["flows"],
        ["flows", "check"],
        ["flows", "test"],
        ["flows", "publish"],
        ["flows", "reference"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_flows_check_is_clean_for_the_default_flow() -> None:
    result = run("flows", "check")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        "flows/routing.yaml: 8 provinces, 6 queues, fallback 'undisclosed'",
        "flows/preservation.yaml: a line for 9 platforms, in English and Urdu",
        "flows/report.yaml: 22 steps, 0 errors, 0 warnings",
    ]


def test_flows_check_names_a_broken_preservation_file(tmp_path: Path) -> None:
    broken = tmp_path / "preservation.yaml"
    broken.write_text("spec_version: 1\nplatforms:\n  facebook:\n    en: keep it\n", encoding="utf-8")
    result = run("flows", "check", str(broken))
    assert result.returncode == 1
    assert "platforms.facebook.ur: missing Urdu text" in result.stdout


BROKEN = {
    "bad_yaml": ("steps: [\n  - id: a\n", "not valid YAML"),
    "unknown_step": (None, "steps[15].next[2]: unknown step 'reveiw' (line {line})"),
    "duplicate_id": (None, "duplicate step id 'contact'"),
    "missing_urdu": (None, "error: [missing_translation] step ongoing, ur"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_flow_files_give_located_errors_and_exit_1(case: str, tmp_path: Path) -> None:
    source = REPORT_FLOW.read_text(encoding="utf-8")
    content, expected = BROKEN[case]
    if case == "unknown_step":
        content = source.replace("      - goto: review\n", "      - goto: reveiw\n")
        expected = expected.format(line=content[: content.index("- goto: reveiw")].count("\n") + 1)
    elif case == "duplicate_id":
        content = source.replace("  - id: phone\n", "  - id: contact\n")
    elif case == "missing_urdu":
        content = source.replace('      ur: "کیا یہ اب بھی ہو رہا ہے؟"\n', "")
    path = tmp_path / f"{case}.yaml"
    path.write_text(content or "", encoding="utf-8")
    result = run("flows", "check", str(path))
    assert result.returncode == 1
    assert expected in result.stdout, result.stdout
    assert "(line " in result.stdout or "line " in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_flows_check_reports_a_missing_file() -> None:
    result = run("flows", "check", "flows/nope.yaml")
    assert result.returncode == 1 and "no such file" in result.stdout


def test_flows_test_prints_full_coverage() -> None:
    result = run("flows", "test")
    assert result.returncode == 0, result.stdout
    assert "steps covered: 22/22" in result.stdout and "transitions covered: 27/27" in result.stdout


def test_flows_reference_documents_every_step_kind() -> None:
    result = run("flows", "reference")
    for kind in ("message", "choice", "text", "links", "review", "submit", "end"):
        assert f"## {kind}" in result.stdout


def test_publish_refuses_a_broken_flow_and_accepts_the_default(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec_version: 1\nid: x\n", encoding="utf-8")
    result = run("flows", "publish", str(broken), "--db", str(db))
    assert result.returncode == 1 and "error:" in result.stdout
    result = run("flows", "publish", "flows/report.yaml", "--db", str(db))
    assert result.returncode == 0 and "published as revision 1" in result.stdout
    result = run("flows", "publish", "flows/report.yaml", "--db", str(db))
    assert "unchanged; revision 1 is live" in result.stdout


def test_run_without_a_token_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "main.py"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False
    )
    assert result.returncode == 1
    assert result.stdout.startswith("BOT_TOKEN is not set") and "Traceback" not in result.stderr


def test_flows_test_on_a_flow_that_does_not_load_names_its_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec_version: 1\nid: x\n", encoding="utf-8")
    result = run("flows", "test", str(broken), str(tmp_path / "missing.yaml"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{broken}: error: steps: the flow needs a list of steps (line 1)" in result.stdout
    assert f"{tmp_path / 'missing.yaml'}: cannot read:" in result.stdout
