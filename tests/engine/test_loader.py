"""Broken flow files give located errors, never a traceback; every step kind's example loads."""

from __future__ import annotations

import textwrap

import pytest

from bot.engine.errors import FlowLoadError
from bot.engine.inspector import inspect
from bot.engine.loader import load_flow
from bot.engine.model import STEP_KINDS, ChoiceStep, Flow

HEAD = """\
spec_version: 1
id: demo
name: {en: Demo, ur: ڈیمو}
steps:
"""
ASK = """\
  - id: ask
    kind: choice
    label: {en: Ask, ur: سوال}
    text: {en: "Pick one", ur: "ایک چنیں"}
    options:
      - {id: a, label: {en: A, ur: اے}}
      - {id: b, label: {en: B, ur: بی}}
    next: review
"""
TAIL = """\
  - id: review
    kind: review
    text: {en: "Check", ur: "دیکھ لیں"}
    next: submit
  - id: submit
    kind: submit
    next: done
  - id: done
    kind: end
    text: {en: "Sent {reference}", ur: "بھیج دیا {reference}"}
"""


def problems(source: str) -> list[str]:
    with pytest.raises(FlowLoadError) as info:
        load_flow(source)
    return [str(p) for p in info.value.problems]


def test_minimal_flow_loads_and_inspects_clean() -> None:
    flow = load_flow(HEAD + ASK + TAIL)
    assert isinstance(flow, Flow) and flow.start == "ask"
    assert inspect(flow) == []


def test_unknown_step_is_reported_with_path_and_line() -> None:
    source = HEAD + ASK.replace("next: review", "next: reveiw") + TAIL
    assert problems(source) == ["steps[0].next: unknown step 'reveiw' (line 12)"]


def test_bad_yaml_is_located() -> None:
    found = problems(HEAD + ASK.replace('text: {en: "Pick one"', 'text: {en: "Pick one'))
    assert len(found) == 1 and found[0].startswith("not valid YAML") and "(line " in found[0]


def test_duplicate_step_id_names_both_places() -> None:
    found = problems(HEAD + ASK + ASK + TAIL)
    assert found == ["steps[1].id: duplicate step id 'ask' (first at line 5) (line 13)"]


def test_duplicate_key_in_a_mapping_is_an_error() -> None:
    found = problems(HEAD + ASK.replace("    next: review\n", "    next: review\n    next: done\n") + TAIL)
    assert found == ["steps[0].next: this key appears twice (line 13)"]


def test_unknown_kind_and_unknown_key_are_located() -> None:
    source = HEAD + ASK.replace("kind: choice", "kind: chioce") + TAIL
    assert problems(source)[0].startswith("steps[0].kind: unknown kind 'chioce'")
    source = HEAD + ASK.replace("    next: review\n", "    next: review\n    skipable: true\n") + TAIL
    assert problems(source) == ["steps[0].skipable: unknown key for a choice step (line 13)"]


def test_branch_on_an_option_the_step_does_not_have() -> None:
    source = (
        HEAD
        + ASK.replace("next: review", "next:\n      - when: {ask: c}\n        goto: done\n      - goto: review")
        + TAIL
    )
    assert problems(source) == ["steps[0].next[0].when.ask: 'ask' has no option 'c' (line 13)"]


def test_last_branch_must_be_unconditional() -> None:
    source = HEAD + ASK.replace("next: review", "next:\n      - when: {ask: a}\n        goto: review") + TAIL
    assert "the last branch must have no 'when'" in problems(source)[0]


def test_text_given_as_a_plain_string_asks_for_languages() -> None:
    found = problems(HEAD + ASK.replace('text: {en: "Pick one", ur: "ایک چنیں"}', 'text: "Pick one"') + TAIL)
    assert found == ["steps[0].text: expected a text per language, e.g. {en: '…', ur: '…'} (line 8)"]


def test_bad_regex_and_newer_spec_version_are_errors() -> None:
    text_step = (
        "  - id: code\n    kind: text\n    label: {en: C, ur: سی}\n    text: {en: Code, ur: کوڈ}\n"
        "    validators:\n      - {kind: pattern, regex: '([a-z'}\n    next: review\n"
    )
    assert problems(HEAD + text_step + TAIL)[0].startswith("steps[0].validators[0].regex: bad regular expression")
    assert problems(HEAD.replace("spec_version: 1", "spec_version: 9") + ASK + TAIL)[0].startswith(
        "spec_version: written for a newer release"
    )


def test_a_flow_without_name_or_steps_is_located_at_the_file() -> None:
    assert problems("spec_version: 1\nid: x\n") == [
        "name: expected a text per language, e.g. {en: '…', ur: '…'} (line 1)",
        "steps: the flow needs a list of steps (line 1)",
    ]


def test_not_a_mapping_and_empty_file() -> None:
    assert problems("") == ["the file is empty (line 1)"]
    assert problems("- just\n- a list\n") == ["a flow file must be a mapping (line 1)"]


def test_missing_urdu_text_is_an_inspection_error_naming_the_step() -> None:
    flow = load_flow(HEAD + ASK.replace(', ur: "ایک چنیں"', "") + TAIL)
    issues = [i for i in inspect(flow) if i.type == "missing_translation"]
    assert [(i.step, i.language, i.severity) for i in issues] == [("ask", "ur", "error")]
    assert "text has no ur text" in str(issues[0]) and "line 8" in str(issues[0])


def test_inspection_finds_unreachable_dead_end_and_unknown_placeholder() -> None:
    orphan = "  - id: orphan\n    kind: message\n    text: {en: 'Hi {nobody}', ur: 'سلام {nobody}'}\n    next: orphan\n"
    flow = load_flow(HEAD + ASK + TAIL + orphan)
    found = {(i.type, i.step) for i in inspect(flow)}
    assert ("unreachable", "orphan") in found
    assert ("unknown_placeholder", "orphan") in found
    loop = (
        HEAD
        + ASK.replace("next: review", "next: spin")
        + (
            "  - id: spin\n    kind: choice\n    label: {en: S, ur: ایس}\n    text: {en: S, ur: ایس}\n"
            "    options: [{id: x, label: {en: X, ur: ایکس}}]\n    next: ask\n"
        )
        + TAIL
    )
    found = {(i.type, i.step) for i in inspect(load_flow(loop))}
    assert ("dead_end", "ask") in found and ("dead_end", "spin") in found


def test_too_long_message_and_button_label_are_reported() -> None:
    long_label = "x" * 60
    source = (
        HEAD
        + ASK.replace("{en: A, ur: اے}", f"{{en: {long_label}, ur: اے}}").replace('"Pick one"', '"' + "y" * 5000 + '"')
        + TAIL
    )
    found = {(i.type, i.language) for i in inspect(load_flow(source))}
    assert ("label_too_long", "en") in found and ("message_too_long", "en") in found


@pytest.mark.parametrize("kind", sorted(STEP_KINDS))
def test_every_step_kind_example_loads(kind: str) -> None:
    example = textwrap.indent(STEP_KINDS[kind].EXAMPLE, "  ")
    # Give the example's targets somewhere to go, so it loads on its own.
    targets = {"reporter", "whatsapp_tip", "province", "consent", "suspects", "submit", "done", "no_consent"}
    targets |= {"category", "platforms", "account"}  # fields the review example lists
    own = STEP_KINDS[kind].EXAMPLE.split("id: ", 1)[1].split("\n", 1)[0].strip()
    stubs = "".join(
        f"  - id: {t}\n    kind: text\n    text: {{en: '{t}', ur: '{t}'}}\n    next: end_here\n"
        for t in sorted(targets - {own})
    )
    end = "  - id: end_here\n    kind: end\n    text: {en: Bye, ur: خدا حافظ}\n"
    flow = load_flow(HEAD + example + stubs + end)
    assert own in flow.steps and kind == flow.steps[own].KIND


def test_default_flow_loads_without_issues(report_flow: Flow) -> None:
    assert inspect(report_flow) == []
    category = report_flow.steps["category"]
    assert isinstance(category, ChoiceStep)
    assert {o.id for o in category.options} == {
        "blackmail",
        "intimate_images",
        "harassment",
        "stalking",
        "impersonation",
        "hacking",
        "child_abuse",
        "other",
    }
    province = report_flow.steps["province"]
    assert isinstance(province, ChoiceStep)
    assert [o.id for o in province.options] == [
        "punjab",
        "sindh",
        "kp",
        "balochistan",
        "islamabad",
        "gb",
        "ajk",
        "undisclosed",
    ]
    asking = [s for s in report_flow.steps.values() if s.ASKS and s.KIND != "review"]
    assert [s.id for s in asking if not s.skippable] == ["language"]  # and the review, which holds consent
