"""Rendering engine events as plain text with numbered buttons: the console, and flow transcripts.

The Telegram adapter renders the same events as messages with inline keyboards; this renderer is
what a terminal shows and what golden conversation scripts compare, so it is kept deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.engine.events import (
    BACK,
    CONFIRM,
    DECLINE,
    DONE,
    LANGUAGE_PREFIX,
    SKIP,
    SUBMIT,
    Event,
    Label,
    Message,
    Notice,
    Question,
)
from bot.engine.outcome import N_, Reason
from bot.i18n import reason, t

SKIPPED = N_("(skipped)")
# Controls are typed as commands, so that a number typed as an answer can never mean "skip".
CONTROL_COMMANDS = {
    DONE: "/done",
    SKIP: "/skip",
    BACK: "/back",
    SUBMIT: "/send",
    CONFIRM: "/yes",
    DECLINE: "/dontsend",
}


def control_command(button_id: str) -> str:
    """The command that presses a control in a terminal: /done, /yes, and /ur, /en, /roman to switch language."""
    if button_id.startswith(LANGUAGE_PREFIX):
        return "/" + button_id.removeprefix(LANGUAGE_PREFIX)
    return CONTROL_COMMANDS.get(button_id, button_id)


def notice_text(lang: str, notice: Notice) -> str:
    """A notice with its further lines, one bullet each."""
    return "\n".join([reason(lang, notice.reason), *("• " + reason(lang, more) for more in notice.also)])


def label_text(lang: str, label: Label) -> str:
    return reason(lang, label) if isinstance(label, Reason) else label


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)  # typed number -> button id


def render(events: Iterable[Event], lang: str) -> Rendered:
    out = Rendered()
    for event in events:
        if isinstance(event, Message):
            out.lines.append(event.text)
        elif isinstance(event, Notice):
            out.lines.append(notice_text(lang, event))
        elif isinstance(event, Question):
            out.lines.append(_question(event, lang, out.buttons))
    return out


def _question(question: Question, lang: str, numbers: dict[str, str]) -> str:
    numbers.clear()  # only the newest question's buttons can be pressed
    parts: list[str] = []
    # A repeated question's text is already on screen; repeat only its buttons.
    if not question.repeat or question.kind == "review":
        parts.append(question.text)
    for line in question.summary:
        value = line.value if line.value is not None else t(lang, SKIPPED)
        sep = "\n    " if "\n" in value else " "
        parts.append(f"• {line.label}:{sep}{value.replace(chr(10), chr(10) + '    ')}")
    if question.footer and (not question.repeat or question.kind == "review"):
        parts.append("\n" + question.footer)
    for number, button in enumerate(question.options, start=1):
        numbers[str(number)] = button.id
        tick = " ✔" if button.selected else ""
        parts.append(f"  {number}) {label_text(lang, button.label)}{tick}")
    controls = []
    for button in question.controls:
        command = control_command(button.id)
        numbers[command] = button.id
        controls.append(f"{command} {label_text(lang, button.label)}")
    if controls:
        parts.append("  " + " · ".join(controls))
    return "\n".join(p for p in parts if p)
