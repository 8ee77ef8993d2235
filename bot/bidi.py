"""Urdu lines that display as typed: every left-to-right run inside them is isolated.

Why: Urdu is written right to left, and the numbers, phone numbers, helplines, references, PIN
codes, /commands, @handles, links and Latin words inside it are left-to-right runs. Under the
Unicode bidirectional algorithm (UAX #9) the neutral characters inside such a run (hyphen, slash,
plus, dot, colon) take the direction of the Urdu around it, so "0800-39393" displays as
"39393-0800", "+923001234567" as "923001234567+" and "/skip" as "skip/"; and a line that begins with
a Latin word ("NCCIA ہیلپ لائن: 1799") is laid out left to right on phones that take each line's
direction from its first letter. A user copying a helpline down would misdial it.

Each run is wrapped in LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE (U+2066 … U+2069): inside,
it keeps its typed order; outside, it counts as one neutral character, and a line's direction is
found from its first letter outside any isolate (UAX #9, rule P2), which is then Urdu. Isolates are
invisible; the run's own characters are unchanged, so a link or command stays tappable.

Only lines that contain Urdu (Arabic-script) letters are touched; English and Roman Urdu lines pass
through unchanged. The Telegram transport applies this to every text it sends (``telegram/display``)
and the console to every line it prints, so flow and catalogue texts are written without marks.
"""

from __future__ import annotations

import html
import re

LRI, PDI = "\u2066", "\u2069"
# Direction marks and isolates a translator may have typed by hand: replaced by ours, never doubled.
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_NOT_IN_RUN = "\\s\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
# A run starts with a Latin letter, a digit, or + @ # / (a phone number, handle, tag or command) and
# goes on over anything that is neither a space nor Arabic script, across single spaces between
# such pieces ("Copy link", "Digital Rights Foundation").
_RUN = re.compile(rf"[A-Za-z0-9+@#/][^{_NOT_IN_RUN}]*(?:[ \t]+[A-Za-z0-9+@#/][^{_NOT_IN_RUN}]*)*")
# Sentence punctuation after a run belongs to the Urdu sentence, not to the run ("(NCCIA)", "15:").
_TRAILING = ".,;:!?)]}'\"”’"
_TAG = re.compile(r"(<[^>]*>)")


def has_urdu(text: str) -> bool:
    return _ARABIC_LETTER.search(text) is not None


def _isolate_runs(line: str) -> str:
    def wrap(match: re.Match[str]) -> str:
        run = match.group(0)
        core = run.rstrip(_TRAILING)
        # Keep a closing bracket inside when its opening one is inside too: "example.com/a_(b)".
        while core != run and run[len(core)] in ")]}" and core.count("(") > core.count(")"):
            core = run[: len(core) + 1]
        return LRI + core + PDI + run[len(core) :] if core else run

    return _RUN.sub(wrap, line)


def isolate(text: str) -> str:
    """Plain text with each left-to-right run of its Urdu lines isolated (see the module's docstring)."""
    if not has_urdu(text):
        return text
    lines = text.translate(_MARKS).split("\n")
    return "\n".join(_isolate_runs(line) if has_urdu(line) else line for line in lines)


def isolate_html(text: str) -> str:
    """The same for Telegram HTML: tags and their attributes are left alone, entities stay whole.

    Whether a line is Urdu is decided on its whole text, tags aside, so "<b>0800-39393</b>" inside an
    Urdu line is isolated too.
    """
    if not has_urdu(text):
        return text
    pieces = _TAG.split(text.translate(_MARKS))
    plain = "".join(html.unescape(p) for p in pieces if not _is_tag(p))
    urdu_lines = [has_urdu(line) for line in plain.split("\n")]
    out: list[str] = []
    line = 0
    for piece in pieces:
        if _is_tag(piece):
            out.append(piece)
            continue
        parts = html.unescape(piece).split("\n")
        done = []
        for i, part in enumerate(parts):
            if i:
                line += 1
            done.append(_isolate_runs(part) if line < len(urdu_lines) and urdu_lines[line] else part)
        out.append(html.escape("\n".join(done), quote=False))
    return "".join(out)


def _is_tag(piece: str) -> bool:
    return piece.startswith("<") and piece.endswith(">")
