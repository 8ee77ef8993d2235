"""`flows export-po` / `flows import-po` through the command line: the round trip changes exactly the
translated text, stale entries are reported by step, and unusable input is refused before anything is written.

tests/test_flow_catalog.py covers the library functions; these drive ``main.main`` as a translator would.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.engine.loader import load_flow
from bot.engine.model import Flow, ReviewStep, Text
from main import main
from tests.conftest import REPORT_FLOW

NEW_CONSENT = "کیا ہم یہ رپورٹ NCCIA کو بھیج دیں تاکہ افسران کارروائی کر سکیں؟"


def exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A copy of the default flow and its Urdu PO file, made by the command."""
    flow_file, po_file = tmp_path / "report.yaml", tmp_path / "ur.po"
    flow_file.write_text(REPORT_FLOW.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["flows", "export-po", "--lang", "ur", str(flow_file), "-o", str(po_file)]) == 0
    capsys.readouterr()
    return flow_file, po_file


def edit_po(po_file: Path, context: str, *, string: str | None = None, fuzzy: bool = False) -> None:
    catalog = read_po(io.BytesIO(po_file.read_bytes()))
    message = next(m for m in catalog if m.context == context)
    if string is not None:
        message.string = string
    if fuzzy:
        message.flags.add("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    po_file.write_bytes(out.getvalue())


def consent_text(flow: Flow) -> Text:
    review = flow.steps["review"]
    assert isinstance(review, ReviewStep) and review.consent is not None
    return review.consent.text


def with_consent_text(flow: Flow, text: Text) -> Flow:
    review = flow.steps["review"]
    assert isinstance(review, ReviewStep) and review.consent is not None
    changed = replace(review, consent=replace(review.consent, text=text))
    return replace(flow, steps={**flow.steps, "review": changed})


def test_a_changed_urdu_text_is_served_and_nothing_else_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_file, po_file = exported(tmp_path, capsys)
    original_source = flow_file.read_text(encoding="utf-8")
    edit_po(po_file, "steps.review.consent.text", string=NEW_CONSENT)
    assert main(["flows", "import-po", str(po_file), str(flow_file), "--lang", "ur"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and re.fullmatch(rf"{re.escape(str(flow_file))}: applied 1, unchanged \d+, skipped 0", out[0])

    new_source = flow_file.read_text(encoding="utf-8")
    before, after = load_flow(original_source), load_flow(new_source)
    old_text, new_text = consent_text(before), consent_text(after)
    assert old_text is not None and new_text is not None
    assert new_text.get("ur") == NEW_CONSENT and new_text.get("en") == old_text.get("en")
    assert with_consent_text(after, old_text) == before  # the whole model, apart from that one text
    # Only that one line of the admins' file changed; comments and layout are kept.
    lines = zip(original_source.splitlines(), new_source.splitlines(), strict=True)
    changed = [(old, new) for old, new in lines if old != new]
    assert len(changed) == 1 and NEW_CONSENT in changed[0][1]


def test_stale_and_vanished_entries_are_reported_by_step_and_the_rest_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_file, po_file = exported(tmp_path, capsys)
    edit_po(po_file, "steps.review.consent.text", string=NEW_CONSENT)
    edit_po(po_file, "steps.ongoing.label", string="ابھی تک جاری")
    edit_po(po_file, "steps.contact.label", string="رابطے کا طریقہ")
    # Since the export, the consent question's English was reworded and the ongoing step renamed.
    source = flow_file.read_text(encoding="utf-8")
    edited = re.sub(r"(?<=: )ongoing\b", "still_going", source.replace("May we send", "Can we send"))
    flow_file.write_text(edited, encoding="utf-8")

    assert main(["flows", "import-po", str(po_file), str(flow_file)]) == 0
    out = capsys.readouterr().out.splitlines()
    skipped = [line for line in out if line.startswith(f"{po_file}: skipped steps.")]
    assert any("steps.review.consent." in line and "English text changed" in line for line in skipped)
    assert any("steps.ongoing." in line and "no longer in the flow" in line for line in skipped)
    assert out[-1].startswith(f"{flow_file}: applied 1, ") and out[-1].endswith(f"skipped {len(skipped)}")
    flow = load_flow(flow_file.read_text(encoding="utf-8"))
    assert flow.steps["contact"].label is not None and flow.steps["contact"].label.get("ur") == "رابطے کا طریقہ"
    assert NEW_CONSENT not in flow_file.read_text(encoding="utf-8")


def test_a_fuzzy_translation_is_not_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow_file, po_file = exported(tmp_path, capsys)
    before = flow_file.read_text(encoding="utf-8")
    edit_po(po_file, "steps.review.consent.text", string=NEW_CONSENT, fuzzy=True)
    assert main(["flows", "import-po", str(po_file), str(flow_file)]) == 0
    assert "applied 0," in capsys.readouterr().out
    assert flow_file.read_text(encoding="utf-8") == before


def test_export_to_standard_output_names_every_place_and_leaves_missing_translations_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_file = tmp_path / "report.yaml"
    source = REPORT_FLOW.read_text(encoding="utf-8")
    flow_file.write_text(source.replace('      ur: "کیا یہ اب بھی ہو رہا ہے؟"\n', ""), encoding="utf-8")
    assert main(["flows", "export-po", str(flow_file), "--lang", "ur"]) == 0
    catalog = read_po(io.BytesIO(capsys.readouterr().out.encode("utf-8")))
    messages = {m.context: m for m in catalog if m.id}
    assert len(messages) == len([m for m in catalog if m.id])  # every place once: identical English stays apart
    ongoing = messages["steps.ongoing.text"]
    assert ongoing.id == "Is it still happening?" and ongoing.string == ""
    assert "step ongoing" in ongoing.auto_comments
    assert messages["steps.ongoing.options.yes.label"].id == messages["steps.minor.options.yes.label"].id == "Yes"


REFUSALS = {
    "other language": ("ur.po", "holds 'ur' translations, not 'en'; pass --lang ur"),
    "not a PO file": ("ur.po", "not a PO file: Unknown or misformatted keyword (line 1)"),
    "no entries": ("ur.po", "not a PO file: it has no entries"),
    "broken flow": ("report.yaml", "does not load, fix it first"),
    "missing PO file": ("", "cannot read: "),
    "unwritable output": ("nowhere", "cannot write: "),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_unusable_input_is_one_line_exit_1_and_nothing_is_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow_file, po_file = exported(tmp_path, capsys)
    edit_po(po_file, "steps.review.consent.text", string=NEW_CONSENT)
    args = ["flows", "import-po", str(po_file), str(flow_file)]
    if case == "other language":
        args += ["--lang", "en"]  # would otherwise overwrite the English texts with Urdu
    elif case == "not a PO file":
        po_file.write_text("hello world\n", encoding="utf-8")
    elif case == "no entries":
        po_file.write_text("", encoding="utf-8")
    elif case == "broken flow":
        flow_file.write_text(flow_file.read_text(encoding="utf-8").replace("goto: review", "goto: reveiw"), "utf-8")
    elif case == "missing PO file":
        args[2] = str(tmp_path / "missing.po")
    elif case == "unwritable output":
        args += ["-o", str(tmp_path / "nowhere" / "out.yaml")]
    before = flow_file.read_text(encoding="utf-8")
    assert main(args) == 1
    out = capsys.readouterr().out
    where, expected = REFUSALS[case]
    assert len(out.splitlines()) == 1 and expected in out and where in out, out
    assert flow_file.read_text(encoding="utf-8") == before
    assert NEW_CONSENT not in before


@pytest.mark.parametrize("command", ["graph", "export-po", "import-po"])
def test_each_new_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["flows", command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: main.py flows {command}") and ("PO file" in out or "Mermaid" in out)
