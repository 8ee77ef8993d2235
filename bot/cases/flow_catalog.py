"""Flow texts as a gettext PO file for translators, and translations brought back into the flow file.

Translators work in their usual tools (Poedit, Weblate) on a PO file: msgid is the English text,
msgstr the translation, msgctxt the text's place (``steps.consent.options.yes.label``) so two
identical English texts stay separate. Importing applies a translation only where the English it
was made from is still the flow's English; anything else is reported, not guessed. The flow file
is edited with a round-trip YAML parser, so admins' comments and layout survive.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.engine.loader import load_flow
from bot.engine.model import ChoiceStep, Flow, ReviewStep, Text, TextStep


def _places(flow: Flow) -> Iterator[tuple[str, str, Text, int]]:
    """(context, step id, text, line) of every translatable text, in flow order."""
    yield "name", "", flow.name, flow.name.line
    for step in flow.steps.values():
        base = f"steps.{step.id}"
        if step.text is not None:
            yield f"{base}.text", step.id, step.text, step.text.line or step.line
        if step.label is not None:
            yield f"{base}.label", step.id, step.label, step.label.line or step.line
        if isinstance(step, ChoiceStep):
            for option in step.options:
                yield f"{base}.options.{option.id}.label", step.id, option.label, option.label.line or step.line
        if isinstance(step, TextStep):
            for i, spec in enumerate(step.validators):
                if spec.message is not None:
                    yield f"{base}.validators.{i}.message", step.id, spec.message, spec.message.line or step.line
        for i, variant in enumerate(step.variants):
            yield f"{base}.variants.{i}.text", step.id, variant.text, variant.text.line or step.line
        if isinstance(step, ReviewStep) and step.consent is not None:
            for key in ("text", "send", "decline"):
                text = getattr(step.consent, key)
                yield f"{base}.consent.{key}", step.id, text, text.line or step.line
    if flow.danger is not None:
        yield "danger.text", "", flow.danger.text, flow.danger.text.line or flow.danger.line


def export_po(flow: Flow, lang: str, source_name: str) -> bytes:
    catalog = Catalog(
        locale=lang,
        project=f"flow {flow.id}",
        fuzzy=False,
        header_comment=(
            f"# Texts of the flow '{flow.id}' to translate into {lang}.\n"
            "# Fill in msgstr; keep {placeholders} and /commands exactly as they are.\n"
            f"# Bring it back with: python main.py flows import-po THIS_FILE --lang {lang}"
        ),
    )
    for context, step_id, text, line in _places(flow):
        english = text.by_lang.get("en", "")
        if not english:
            continue
        catalog.add(
            english,
            text.by_lang.get(lang, ""),
            locations=[(source_name, line)] if line else [],
            auto_comments=[f"step {step_id}"] if step_id else [context.split(".")[0]],
            context=context,
        )
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    return out.getvalue()


@dataclass
class ImportResult:
    content: str = ""
    applied: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "<context>: why"


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _containers(data: Any) -> dict[str, Any]:
    """Context -> the per-language mapping holding that text, in the round-trip YAML data."""
    found: dict[str, Any] = {}
    if isinstance(data, dict) and "name" in data:
        found["name"] = data["name"]
    for step in data.get("steps") or [] if isinstance(data, dict) else []:
        if not isinstance(step, dict) or "id" not in step:
            continue
        base = f"steps.{step['id']}"
        for key in ("text", "label"):
            if key in step:
                found[f"{base}.{key}"] = step[key]
        for option in step.get("options") or []:
            if isinstance(option, dict) and "label" in option:
                found[f"{base}.options.{option.get('id')}.label"] = option["label"]
        for i, spec in enumerate(step.get("validators") or []):
            if isinstance(spec, dict) and "message" in spec:
                found[f"{base}.validators.{i}.message"] = spec["message"]
        for i, variant in enumerate(step.get("variants") or []):
            if isinstance(variant, dict) and "text" in variant:
                found[f"{base}.variants.{i}.text"] = variant["text"]
        consent = step.get("consent")
        if isinstance(consent, dict):
            for key in ("text", "send", "decline"):
                if key in consent:
                    found[f"{base}.consent.{key}"] = consent[key]
    danger = data.get("danger") if isinstance(data, dict) else None
    if isinstance(danger, dict) and "text" in danger:
        found["danger.text"] = danger["text"]
    return found


def import_po(flow_source: str, po_bytes: bytes, lang: str) -> ImportResult:
    """Apply the PO file's translations to the flow source. Raises ValueError when the result would not load."""
    catalog = read_po(io.BytesIO(po_bytes), locale=None)
    yaml = _yaml()
    try:
        data = yaml.load(flow_source)
    except YAMLError as exc:
        raise ValueError(f"the flow file is not valid YAML: {exc}") from None
    places = _containers(data)
    result = ImportResult()
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        context = message.context or ""
        translation = message.string if isinstance(message.string, str) else ""
        container = places.get(context)
        if container is None:
            result.skipped.append(f"{context}: no longer in the flow")
        elif not isinstance(container, dict):
            result.skipped.append(f"{context}: the flow gives this text in one language only; edit it by hand")
        elif container.get("en") != message.id:
            result.skipped.append(f"{context}: the English text changed since the export; translate it again")
        elif message.fuzzy or not translation or container.get(lang) == translation:
            result.unchanged += 1
        else:
            container[lang] = translation
            result.applied.append(context)
    out = io.StringIO()
    yaml.dump(data, out)
    result.content = out.getvalue()
    load_flow(result.content)  # a translation must never produce a flow that does not load
    return result
