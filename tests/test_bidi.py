"""Urdu that displays as typed: every Urdu text, run through a standard bidi algorithm (python-bidi,
UAX #9 with isolates), shows its numbers, phone numbers, /commands, @handles, links and Latin words
in their typed order, and every Urdu line is laid out right to left.

The check is on the text itself, not on a phone: ``get_display`` is what a conforming renderer
shows (in visual order), ``get_base_level`` the direction a phone that decides per line would pick.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

from babel.messages.pofile import read_po
from bidi import get_base_level, get_display

from bot.bidi import LRI, PDI, has_urdu, isolate, isolate_html
from bot.engine.model import ChoiceStep, Flow, ReviewStep, Text
from bot.i18n import po_path

# What a reader must see exactly as typed: numbers with their separators, +92 phone numbers,
# commands, handles, links and Latin words (NCCIA, WhatsApp, Share, Copy link).
TOKEN = re.compile(r"https?://\S+|[/@]\w+|\+?\d+(?:[-/.:]\d+)*|[A-Za-z][A-Za-z0-9.'-]*")
SAMPLES: dict[str, object] = {
    "reference": "ABCD-2345",
    "pin": "123456",
    "phone": "+923001234567",
    "date": "2026-11-28",
    "since": "2026-11-28 10:00",
    "command": "/foo",
    "scheme": "ftp",
    "place": "Lahore",
    "queue": "punjab",
    "queues": "punjab, sindh",
    "db": "data/bot.sqlite3",
    "path": "flows/report.yaml",
    "hash": "3f2a9c",
}


class _Filled(string.Formatter):
    def get_value(self, key: object, args: object, kwargs: object) -> object:
        return SAMPLES.get(str(key), 3)  # counts, sizes, days: any number will do


def _flow_texts(flow: Flow) -> Iterator[tuple[str, Text]]:
    yield "name", flow.name
    for step in flow.steps.values():
        for what, text in (("text", step.text), ("label", step.label)):
            if text is not None:
                yield f"{step.id}.{what}", text
        for i, variant in enumerate(step.variants):
            yield f"{step.id}.variants.{i}", variant.text
        if isinstance(step, ChoiceStep):
            for option in step.options:
                yield f"{step.id}.options.{option.id}", option.label
        if isinstance(step, ReviewStep) and step.consent is not None:
            for key in ("text", "send", "decline"):
                yield f"{step.id}.consent.{key}", getattr(step.consent, key)
    if flow.danger is not None:
        yield "danger.text", flow.danger.text


def urdu_texts(flow: Flow) -> list[tuple[str, str]]:
    """(where, text) for every Urdu text a user can be shown, flow and catalogue, with sample values."""
    found = [(f"flow {where}", text.by_lang["ur"]) for where, text in _flow_texts(flow) if text.by_lang.get("ur")]
    with po_path("ur").open("rb") as handle:
        for message in read_po(handle):
            if message.id and isinstance(message.string, str) and message.string:
                found.append((f"po {str(message.id)[:50]!r}", _Filled().format(message.string)))
    answers = "\n".join(["• رابطہ: 03001234567", "• لنک: https://www.facebook.com/abc-1 اور @liar_page"])
    found.append(("a review with answers", answers))
    return found


def misread(text: str) -> list[str]:
    """What in ``text``'s Urdu lines would not display as typed, or lines laid out left to right."""
    problems = []
    for line in text.split("\n"):
        if not has_urdu(line):
            continue
        if get_base_level(line) != 1:
            problems.append(f"left to right: {line!r}")
        shown = get_display(line).replace(LRI, "").replace(PDI, "")
        for token in TOKEN.findall(line.replace(LRI, "").replace(PDI, "")):
            if token not in shown:
                problems.append(f"{token!r} shows reordered in {line!r}")
    return problems


def test_every_urdu_text_displays_its_numbers_commands_and_links_as_typed(report_flow: Flow) -> None:
    texts = urdu_texts(report_flow)
    before = [(where, p) for where, text in texts for p in misread(text)]
    after = [(where, p) for where, text in texts for p in misread(isolate(text))]
    lines = sum(1 for _, text in texts for line in text.split("\n") if has_urdu(line))
    print(f"\n{len(texts)} Urdu texts, {lines} Urdu lines: {len(before)} misreadings as written, {len(after)} isolated")
    assert len(texts) > 300 and lines > 350
    assert len(before) > 20  # the check can fail: today's texts, as written, do misread
    assert after == []


def test_the_cases_the_review_found() -> None:
    helpline = "ڈیجیٹل رائٹس فاؤنڈیشن ہیلپ لائن: 0800-39393"
    assert misread(helpline) and not misread(isolate(helpline))
    assert "39393-0800" in get_display(helpline)  # what a user would have copied down
    for line in ("اپنا نمبر: +923001234567", "چھوڑنے کے لیے /skip بھیجیں۔", "• NCCIA ہیلپ لائن: 1799"):
        assert misread(line) and not misread(isolate(line)), line


def test_english_and_roman_urdu_pass_through_unchanged() -> None:
    for text in ("Call 0800-39393 or send /skip.", "Agar aap khatray mein hain toh 15 par call karein."):
        assert isolate(text) == text and isolate_html(text) == text


def test_html_tags_and_entities_stay_whole() -> None:
    sent = isolate_html('فون: <b>0800-39393</b> &amp; <a href="https://x.com/a-b">لنک</a>')
    assert sent == f'فون: <b>{LRI}0800-39393{PDI}</b> &amp; <a href="https://x.com/a-b">لنک</a>'


def test_marks_typed_by_hand_are_replaced_not_doubled() -> None:
    assert isolate(f"پولیس کو {LRI}15{PDI} پر کال کریں۔") == f"پولیس کو {LRI}15{PDI} پر کال کریں۔"
    assert isolate("سائبر کرائم ایجنسی (NCCIA) کو") == f"سائبر کرائم ایجنسی ({LRI}NCCIA{PDI}) کو"
