"""Engine events as Telegram messages: HTML-escaped text, bound inline keyboards, split under 4096.

Every string, flow text included, is escaped: flow texts are plain text and answers are the
citizen's own words, so nothing a user or admin types can become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.cases.plaintext import SKIPPED, label_text, notice_text
from bot.engine.events import Button, Event, Message, Notice, Question
from bot.engine.outcome import N_
from bot.i18n import t

from .callback_data import StepPress

MAX_CHARS = 4096
SHARE_PHONE = N_("Share my phone number")
SHARE_PHONE_HINT = N_("You can also tap the button below to share the number of this Telegram account.")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class ChatMessage:
    """One message for a chat, as the adapter sends it."""

    text: str  # HTML, already escaped
    markup: Markup | None = None
    question: str | None = None  # step id when this message carries that question's buttons


@dataclass
class Rendering:
    messages: list[ChatMessage] = field(default_factory=list)
    toggled: Question | None = None  # a multi-select tick: edit the question's keyboard in place


def split(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut plain text into pieces under ``limit``, preferring paragraph, then line, then word breaks."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [p for p in pieces if p]


def keyboard(question: Question, session_id: str, lang: str) -> InlineKeyboardMarkup | None:
    def button(b: Button, number: int = 0) -> InlineKeyboardButton:
        tick = "✅ " if b.selected else ""
        # After a typed answer was not understood, each option shows the number that can be typed
        # instead; isolated so that in an Urdu label the number stays before it.
        prefix = f"\u2066{number}\u2069 · " if number else ""
        return InlineKeyboardButton(
            prefix + tick + label_text(lang, b.label), callback_data=StepPress.of(session_id, question.step, b.id).data
        )

    columns = max(1, question.columns)
    numbers = range(1, len(question.options) + 1) if question.numbered else [0] * len(question.options)
    buttons = [button(b, n) for b, n in zip(question.options, numbers, strict=True)]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    if question.kind == "review" and question.footer:
        # "Send to NCCIA" and "Do not send" each get a whole row: the choice that matters most.
        rows += [[button(b)] for b in question.controls]
    elif question.controls:
        rows.append([button(b) for b in question.controls])
    return InlineKeyboardMarkup(rows) if rows else None


def question_text(question: Question, lang: str) -> str:
    lines = [question.text]
    for line in question.summary:
        value = line.value if line.value is not None else t(lang, SKIPPED)
        lines.append(f"• {line.label}: {value}")
    if question.footer:
        lines += ["", question.footer]
    return "\n".join(lines)


def answered_text(question: str, display: str | None, lang: str) -> str:
    shown = display if display is not None else t(lang, SKIPPED)
    return escape(question[: MAX_CHARS - 200], quote=False) + "\n\n✅ <b>" + escape(shown[:150], quote=False) + "</b>"


def render(events: list[Event], session_id: str, lang: str) -> Rendering:
    out = Rendering()
    refused = any(isinstance(e, Notice) for e in events)
    for event in events:
        if isinstance(event, Message):
            out.messages += [ChatMessage(escape(piece, quote=False)) for piece in split(event.text)]
        elif isinstance(event, Notice):
            out.messages += [ChatMessage(escape(piece, quote=False)) for piece in split(notice_text(lang, event))]
        elif isinstance(event, Question):
            if event.repeat and refused and out.messages:
                # The question is still on screen above; its buttons move down to the newest message
                # (the notice), so they are always at hand, numbered when typing was not understood.
                last = out.messages[-1]
                if last.markup is None and (markup := keyboard(event, session_id, lang)) is not None:
                    last.markup, last.question = markup, event.step
                continue
            if event.repeat and event.kind == "choice":
                out.toggled = event
                continue
            pieces = split(question_text(event, lang))
            out.messages += [ChatMessage(escape(piece, quote=False)) for piece in pieces[:-1]]
            out.messages.append(
                ChatMessage(escape(pieces[-1], quote=False), keyboard(event, session_id, lang), event.step)
            )
            if event.hint == "phone":
                share = ReplyKeyboardMarkup(
                    [[KeyboardButton(t(lang, SHARE_PHONE), request_contact=True)]],
                    resize_keyboard=True,
                    one_time_keyboard=True,
                )
                out.messages.append(ChatMessage(escape(t(lang, SHARE_PHONE_HINT), quote=False), share))
    return out
