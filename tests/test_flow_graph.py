"""`flows graph` beyond the default flow: negated and combined conditions, every retry exit, clean failures.

tests/test_mermaid.py covers nodes, edges and escaping on flows/report.yaml; these add what that flow
does not exercise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.mermaid import mermaid
from bot.engine.loader import load_flow
from bot.engine.model import Flow
from main import main
from tests.conftest import REPORT_FLOW

NEGATED = """\
spec_version: 1
id: tiny
name: {en: Tiny}
steps:
  - id: contact
    kind: choice
    skippable: true
    text: {en: "How?"}
    options:
      - {id: bot, label: {en: Chat}}
      - {id: phone, label: {en: Phone}}
      - {id: anonymous, label: {en: Anonymous}}
    next:
      - when: {contact: {not: [anonymous, bot]}}
        goto: phone
      - when: {contact: bot, consent: "yes"}
        goto: end
      - goto: consent
  - id: phone
    kind: text
    text: {en: "Number?"}
    max_attempts: 2
    on_exhausted: consent
    next: consent
  - id: consent
    kind: choice
    text: {en: "Send?"}
    options:
      - {id: "yes", label: {en: "Yes"}}
    next: end
  - id: end
    kind: end
    text: {en: "Done."}
"""


def test_negated_and_combined_conditions_are_written_on_the_edges() -> None:
    text = mermaid(load_flow(NEGATED))
    assert '    s_contact -->|"contact ≠ anonymous or bot"| s_phone' in text
    assert '    s_contact -->|"contact = bot and consent = yes"| s_end' in text
    assert "    s_contact --> s_consent" in text.splitlines()
    assert '    s_phone -.->|"after 2 tries"| s_consent' in text
    # A step called "end" would be Mermaid's keyword; the prefixed node id keeps it a node.
    assert '    s_end(["end · end: Done."])' in text
    assert text.splitlines()[-2:] == ["    class s_contact skippable", "    class s_contact start"]


def test_every_retry_exit_and_end_step_of_the_default_flow_is_drawn(report_flow: Flow) -> None:
    text = mermaid(report_flow)
    exits = [s for s in report_flow.steps.values() if s.on_exhausted is not None]
    assert exits and all(f'    s_{s.id} -.->|"after {s.max_attempts} tries"| s_{s.on_exhausted}' in text for s in exits)
    ends = [s.id for s in report_flow.steps.values() if s.KIND == "end"]
    assert sorted(ends) == sorted(line.split("([")[0].strip()[2:] for line in text.splitlines() if "([" in line)


def test_the_command_prints_exactly_the_diagram_of_the_given_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "graph", str(REPORT_FLOW)]) == 0
    assert capsys.readouterr().out == mermaid(load_flow(REPORT_FLOW.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", ["missing", "directory", "broken"])
def test_an_unusable_flow_file_is_a_located_error_not_a_traceback(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = {"missing": tmp_path / "none.yaml", "directory": tmp_path, "broken": tmp_path / "broken.yaml"}[case]
    if case == "broken":
        path.write_text("steps: [\n  - id: a\n", encoding="utf-8")
    assert main(["flows", "graph", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: ") and "flowchart" not in out and "Traceback" not in out
