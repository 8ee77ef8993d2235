"""`flows graph`: every step a node, every branch an edge with its condition, deterministic."""

from __future__ import annotations

import re

import pytest

from bot.cli.mermaid import mermaid
from bot.engine.model import Flow
from main import main


def test_every_step_is_a_node_and_every_branch_an_edge(report_flow: Flow) -> None:
    text = mermaid(report_flow)
    nodes = set(re.findall(r"^    s_(\w+)[\[(]", text, re.MULTILINE))
    assert nodes == set(report_flow.steps)
    solid = re.findall(r"^    s_(\w+) -->(?:\|\"([^\"]*)\"\|)? s_(\w+)$", text, re.MULTILINE)
    expected = [(s.id, b.goto) for s in report_flow.steps.values() for b in s.next]
    assert sorted((a, b) for a, _, b in solid) == sorted(expected)
    assert '-->|"category = blackmail or intimate_images"| s_no_images' in text
    assert '-.->|"after 3 tries"| s_review' in text
    assert '-.->|"do not send"| s_no_consent' in text
    assert "s_done([" in text and "class s_language start" in text
    assert "s_reporter" in text.split("class ")[-2]  # skippable steps get the dashed class
    assert mermaid(report_flow) == text


def test_quotes_and_markup_in_texts_cannot_break_the_diagram(report_flow: Flow) -> None:
    from dataclasses import replace

    from bot.engine.model import Text

    step = report_flow.steps["account"]
    odd = replace(step, text=Text({"en": 'Say "what" <b>happened</b> & when'}))
    text = mermaid(replace(report_flow, steps={**report_flow.steps, "account": odd}))
    assert "Say #quot;what#quot; #lt;b#gt;happened#lt;/b#gt; #amp; when" in text


def test_the_command_prints_the_diagram_and_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "graph"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD\n")
    with pytest.raises(SystemExit):
        main(["flows", "graph", "--help"])
    assert "Mermaid" in capsys.readouterr().out
    assert main(["flows", "graph", "no/such.yaml"]) == 1
