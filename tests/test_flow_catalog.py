"""Translators' round trip: export a flow's texts as PO, translate, import, and the new text is served."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.cases.conversation import Conversations
from bot.cases.flow_catalog import export_po, import_po
from bot.cases.flows import FlowRegistry
from bot.engine.events import Question
from bot.engine.loader import load_flow
from bot.store.memory.store import MemoryStore
from main import main
from tests.conftest import REPORT_FLOW

NEW_WELCOME = "السلام علیکم۔ یہاں آپ آن لائن ہراسانی کی رپورٹ محفوظ طریقے سے کر سکتے ہیں۔ زبان منتخب کریں۔"


def translate(po: bytes, context: str, text: str) -> bytes:
    catalog = read_po(io.BytesIO(po))
    for message in catalog:
        if message.context == context:
            message.string = text
    out = io.BytesIO()
    write_po(out, catalog)
    return out.getvalue()


async def test_a_translated_string_is_imported_and_served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow_file, po_file = tmp_path / "report.yaml", tmp_path / "ur.po"
    flow_file.write_text(REPORT_FLOW.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["flows", "export-po", "--lang", "ur", str(flow_file), "-o", str(po_file)]) == 0
    po_file.write_bytes(translate(po_file.read_bytes(), "steps.language.text", NEW_WELCOME))
    assert main(["flows", "import-po", str(po_file), str(flow_file), "--lang", "ur"]) == 0
    assert "applied 1, unchanged " in capsys.readouterr().out
    source = flow_file.read_text(encoding="utf-8")
    assert source.startswith("# The citizen report flow.")  # the admins' comments survive
    before, after = load_flow(REPORT_FLOW.read_text(encoding="utf-8")), load_flow(source)
    changed = [s for s in after.steps if after.steps[s] != before.steps[s]]
    assert changed == ["language"]
    new_text, old_text = after.steps["language"].text, before.steps["language"].text
    assert new_text is not None and old_text is not None and new_text.by_lang["en"] == old_text.by_lang["en"]
    # Served: a new Urdu conversation on the imported flow opens with the new text.
    store = MemoryStore()
    await store.publish(after.id, source, "test")
    reply = await Conversations(store, FlowRegistry(store)).begin("tg:1", "ur")
    question = next(e for e in reply.events if isinstance(e, Question))
    assert question.text == NEW_WELCOME


def test_stale_and_vanished_translations_are_reported_with_their_step_and_not_applied() -> None:
    source = REPORT_FLOW.read_text(encoding="utf-8")
    flow = load_flow(source)
    po = export_po(flow, "ur", "report.yaml")
    po = translate(po, "steps.review.consent.text", "نیا ترجمہ")
    po = translate(po, "steps.ongoing.label", "نیا لیبل")
    # Meanwhile the English of consent changed, and the ongoing step was renamed.
    edited = re.sub(r"(?<=: )ongoing\b", "still_going", source.replace("May we send", "Can we send"))
    result = import_po(edited, po, "ur")
    assert "steps.review.consent.text: the English text changed since the export; translate it again" in result.skipped
    assert any(s.startswith("steps.ongoing.label: no longer in the flow") for s in result.skipped)
    assert result.applied == [] and "نیا ترجمہ" not in result.content


def test_export_has_a_context_and_a_step_comment_for_every_text() -> None:
    flow = load_flow(REPORT_FLOW.read_text(encoding="utf-8"))
    catalog = read_po(io.BytesIO(export_po(flow, "ur", "report.yaml")))
    consent = [m for m in catalog if m.context == "steps.review.consent.send"]
    assert consent and consent[0].id == "Send to NCCIA" and consent[0].string == "رپورٹ NCCIA کو بھیجیں"
    assert "step review" in consent[0].auto_comments
    assert [m.context for m in catalog if m.context == "danger.text"] == ["danger.text"]
    assert any(m.context == "steps.minor.variants.0.text" for m in catalog)
    assert len({m.context for m in catalog if m.id}) == len([m for m in catalog if m.id])


def test_the_commands_explain_themselves_and_fail_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("export-po", "import-po"):
        with pytest.raises(SystemExit):
            main(["flows", command, "--help"])
        assert "PO file" in capsys.readouterr().out
    assert main(["flows", "import-po", str(tmp_path / "missing.po")]) == 1
    assert "cannot read" in capsys.readouterr().out
