"""The default flow's golden conversations replay exactly, and together they walk every step and edge."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cases.flowtest import SuiteResult, run_suite, scripts_for
from tests.conftest import REPORT_FLOW


@pytest.fixture(scope="module")
def suite() -> SuiteResult:
    return run_suite(REPORT_FLOW)


def test_every_golden_script_replays_exactly(suite: SuiteResult) -> None:
    failures = {r.name: r.failures for r in suite.results if r.failures}
    assert failures == {}


def test_golden_scripts_cover_every_step_and_transition(suite: SuiteResult) -> None:
    print("\n".join(suite.coverage_lines()))
    assert suite.steps - suite.visited == set()
    assert suite.edges - suite.covered_edges == set()


def test_every_reply_language_has_scripts_that_submit() -> None:
    submitted = {"en": 0, "ur": 0, "roman": 0}
    for path in scripts_for(REPORT_FLOW):
        script = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if script.get("report"):
            submitted[script["report"]["language"]] += 1
    assert all(count >= 1 for count in submitted.values()), submitted


def test_each_language_has_a_typed_only_script_that_reaches_a_reference(suite: SuiteResult) -> None:
    """Words alone, no taps and no option numbers (checked by the runner), reach a reference in en, ur, roman."""
    typed: dict[str, str] = {}
    for path in scripts_for(REPORT_FLOW):
        script = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if script.get("typed_only") and script.get("report"):
            typed[script["report"]["language"]] = Path(path).stem
    assert sorted(typed) == ["en", "roman", "ur"]
    assert all(not r.failures for r in suite.results if r.name in typed.values())
    assert "in roman: steps" in "\n".join(suite.coverage_lines())


def test_a_changed_reply_is_caught(tmp_path: Path) -> None:
    """The comparison can fail: a flow whose wording changed no longer matches its scripts."""
    flow = tmp_path / "report.yaml"
    flow.write_text(REPORT_FLOW.read_text(encoding="utf-8").replace("Is it still happening?", "Still going?"))
    (tmp_path / "tests" / "report").mkdir(parents=True)
    for path in scripts_for(REPORT_FLOW):
        (tmp_path / "tests" / "report" / Path(path).name).write_text(Path(path).read_text(encoding="utf-8"))
    failing = {r.name for r in run_suite(flow).results if r.failures}
    assert "en_full_edit_review" in failing
