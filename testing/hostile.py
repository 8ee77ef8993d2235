"""Hostile input for the bot, and what must hold whatever it receives.

Shared by ``tests/test_hostile_input.py`` (Hypothesis draws every choice, so failures shrink) and
``bench/fuzz_updates.py`` (``random.Random`` draws them, for a large count). Three parts:

1. Generators of hostile text (every Unicode plane, Urdu and Arabic script, bidi controls, zero-width
   characters, combining marks, emoji, 100 kB texts), hostile links (10 kB, ``javascript:``, ``data:``,
   IDN, unbalanced brackets, markup) and hostile Telegram updates (commands with junk arguments,
   valid, stale, forged and repeated button presses, edited messages, media, contacts, locations,
   group messages, redelivered updates). They draw through ``Source``, so one generator serves both.
2. The invariants: what every outgoing Bot API call must satisfy (HTML that Telegram accepts, built
   only of the bot's own tags, at most 4096 characters; callback data of 1 to 64 bytes; keyboards
   within Telegram's limits) and what a stored session must satisfy (loadable, on a step of its flow).
3. ``BotUnderFire``: the real ``telegram.ext.Application`` from ``build_application``, with its real
   handlers and a real SQLite file, fed updates with ``Application.process_update``. Its outgoing
   requests go to the offline Bot API (``testing/fakeapi/server.py``) either over HTTP or through
   ``InProcessRequest``, which hands each call to the same offline API's method without a socket.
   A handler's fault is caught by ``errors.answering``, which logs it with the exception on the
   record; anything else reaches PTB's error handlers (``app.py`` registers ``errors.on_unhandled``),
   and one more handler records it. A logging handler records both with their traceback, and
   anything else logged at ERROR or above.

Telegram's sending limits are not under test and would make the bot wait (two seconds between two
officer-command replies in one private chat): they are lifted in ``SendLimits`` (which the bot's
``ChatRateLimiter`` counts in) and in the offline API. Nothing in ``bot/`` is changed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import re
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol, TypeVar
from unittest import mock
from urllib.parse import unquote, urlsplit

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import BaseRequest, RequestData

import bot.telegram.app as telegram_app
from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key
from bot.config import load_settings
from bot.engine.events import BACK, CONFIRM, DONE, EDIT_PREFIX, SKIP, SUBMIT, Answered, Event
from bot.engine.model import ChoiceStep, EndStep, Flow, LinksStep, MessageStep, ReviewStep, SubmitStep
from bot.engine.runner import Input
from bot.engine.session import ACTIVE, HISTORY_CAP, Session
from bot.store.sqlite.store import SqliteStore
from bot.telegram.errors import FAULT_ATTRIBUTE, UNHANDLED
from bot.telegram.limits import Limit
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.render import answered_text, keyboard, render
from testing.fakeapi.html_check import EntityError, visible_text
from testing.fakeapi.server import JSON_FIELDS, ApiError, FakeBotApi, FakeMessage

Json = dict[str, Any]
T = TypeVar("T")

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "report_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_ANSWER_TEXT = 200
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS = 100
# Tags the bot's own templates use (render.py: <b>; card.py: <b>, <blockquote>, <a href>, <code> around the
# SHA-256 of a link or file). Any other tag Telegram accepts (<i>, <u>, <pre>, <tg-spoiler>…) can only have
# come from unescaped user text.
OWN_TAGS = frozenset({"b", "blockquote", "a", "code"})
TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span"}
    | {"blockquote", "tg-emoji"}
)


# ---- drawing ---------------------------------------------------------------------------------------


class Source(Protocol):
    """Every random choice of the generators: an integer in [low, high]. Smaller is simpler."""

    def integer(self, low: int, high: int) -> int: ...


class RandomSource:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def integer(self, low: int, high: int) -> int:
        return self.rnd.randint(low, high)


def pick(src: Source, items: Sequence[T]) -> T:
    return items[src.integer(0, len(items) - 1)]


def chance(src: Source, percent: int) -> bool:
    return src.integer(0, 99) < percent


def weighted(src: Source, table: Sequence[tuple[int, T]]) -> T:
    """One value of ``table`` by weight; the first entry is what shrinking tends to."""
    n = src.integer(0, sum(w for w, _ in table) - 1)
    for weight, value in table:
        if n < weight:
            return value
        n -= weight
    raise AssertionError("unreachable")


# ---- hostile text ----------------------------------------------------------------------------------

Ranges = tuple[tuple[int, int], ...]
POOLS: dict[str, Ranges] = {
    "ascii": ((0x20, 0x7E),),
    "urdu": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC)),
    "bidi": ((0x202A, 0x202E), (0x2066, 0x2069), (0x200E, 0x200F), (0x061C, 0x061C)),
    "zero_width": ((0x200B, 0x200D), (0xFEFF, 0xFEFF), (0x2060, 0x2064), (0x00AD, 0x00AD), (0x034F, 0x034F)),
    "combining": (
        (0x0300, 0x036F),
        (0x0483, 0x0489),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x1AB0, 0x1AFF),
        (0x20D0, 0x20FF),
        (0xFE20, 0xFE2F),
    ),
    "emoji": (
        (0x1F300, 0x1F64F),
        (0x1F680, 0x1F6FF),
        (0x1F900, 0x1F9FF),
        (0x1FA70, 0x1FAFF),
        (0x2600, 0x27BF),
        (0x1F1E6, 0x1F1FF),
        (0x1F3FB, 0x1F3FF),
        (0xFE0E, 0xFE0F),
        (0x200D, 0x200D),
        (0xE0020, 0xE007F),
    ),
    "digits": (
        (0x30, 0x39),
        (0x0660, 0x0669),
        (0x06F0, 0x06F9),
        (0x0966, 0x096F),
        (0xFF10, 0xFF19),
        (0x00B2, 0x00B3),
        (0x00B9, 0x00B9),
        (0x2070, 0x2079),
        (0x2080, 0x2089),
        (0x1D7CE, 0x1D7FF),
    ),
    "space": (
        (0x09, 0x0D),
        (0x20, 0x20),
        (0x85, 0x85),
        (0xA0, 0xA0),
        (0x1680, 0x1680),
        (0x2000, 0x200A),
        (0x2028, 0x2029),
        (0x202F, 0x202F),
        (0x205F, 0x205F),
        (0x3000, 0x3000),
    ),
    "controls": ((0x01, 0x08), (0x0E, 0x1F), (0x7F, 0x9F)),
    # NFKC makes these longer (U+FDFA is 18 letters), or turns them into ASCII letters and digits.
    "expanders": ((0xFDFA, 0xFDFB), (0x3300, 0x33FF), (0x2460, 0x24FF), (0xFB00, 0xFB06), (0x1D400, 0x1D6A5)),
    "private": ((0xE000, 0xF8FF), (0xF0000, 0xF00FF), (0xFFF9, 0xFFFF), (0x10FFF0, 0x10FFFF)),
    # Every plane, unassigned code points included; no surrogates and no NUL (Telegram sends neither).
    "any": ((0x01, 0xD7FF), (0xE000, 0x10FFFF)),
}
POOL_NAMES = tuple(POOLS)

MARKUP = (
    "<b>",
    "</b>",
    "</a>",
    '<a href="javascript:alert(1)">',
    "<i>x</i>",
    "<u>",
    "<code>",
    "<pre>",
    "<tg-spoiler>",
    '<span class="tg-spoiler">',
    "<blockquote>",
    "<script>alert(1)</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x110000;",
    "&nbsp;",
    "&bogus;",
    '"',
    "'",
    "`",
    "\\",
)
INJECTIONS = (
    "{reference}",
    "{pin}",
    "{account}",
    "{province}",
    "{0}",
    "{}",
    "{{",
    "}}",
    "{!r}",
    "{x.__class__}",
    "%s",
    "%(count)s",
    "%n",
    "'; DROP TABLE sessions;--",
    "NULL",
    "null",
    "NaN",
    "-1",
    "1e999",
    "/start",
    "/exit",
    "/cancel",
    "@" + BOT_USERNAME,
    ":done",
    ":submit",
    ":skip",
    ":back",
    ":edit:account",
    "lang.ur",
    "f.claim.1",
    "\r\n",
    "\u2028",
)
# Answers the flow accepts somewhere, so a run gets past the first questions.
PLAUSIBLE = (
    "1",
    "2",
    "3",
    "1, 3",
    "١",
    "۲",
    "English",
    "اردو",
    "For myself",
    "No",
    "Yes",
    "Send to NCCIA",
    "جی ہاں",
    "نہیں",
    "Punjab",
    "پنجاب",
    "sindh",
    "harassment",
    "Threatening or abusive messages",
    "facebook tiktok",
    "March 2025",
    "12/03/2025",
    "2 weeks ago",
    "پچھلے مہینے",
    "۱۲/۰۳/۲۰۲۵",
    "03001234567",
    "+92 300 1234567",
    "۰۳۰۰۱۲۳۴۵۶۷",
    "0300-123-4567",
    "@abuser_01",
    "He keeps sending threats from new accounts.",
    "وہ مجھے بار بار دھمکیاں دے رہا ہے",
    "mujhe madad chahiye",
    "https://www.facebook.com/liar.page?fbclid=x",
    "Done",
)
DATES = (
    "March 2025",
    "12/03/2025",
    "2 weeks ago",
    "پچھلے مہینے",
    "۱۲/۰۳/۲۰۲۵",
    "yesterday",
    "31/02/2025",
    "2099-01-01",
)
PHONES = ("03001234567", "+92 300 1234567", "۰۳۰۰۱۲۳۴۵۶۷", "0300-123-4567", "+44 20 7946 0958", "0", "+" + "9" * 30)
EMOJI_SEQUENCES = (
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇵🇰",
    "👍🏽",
    "🧕🏾",
    "❤️",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "1️⃣",
    "😢" * 3,
    "🙏",
)
SEPARATORS = (" ", "\n", "", ",", "،", "\u200b", "\u202e", "\u2066", "\t", "\u3000", " and ", " اور ", "\n\n")


def char_from(src: Source, pool: str) -> str:
    low, high = pick(src, POOLS[pool])
    return chr(src.integer(low, high))


def run_of(src: Source, pool: str, length: int) -> str:
    """``length`` characters of ``pool``; past three, drawn from one seed (fewer draws for Hypothesis)."""
    if length <= 3:
        return "".join(char_from(src, pool) for _ in range(length))
    rnd = random.Random(src.integer(0, 2**32 - 1))
    ranges = POOLS[pool]
    return "".join(chr(rnd.randint(*rnd.choice(ranges))) for _ in range(length))


def seeded_block(src: Source, length: int) -> str:
    """``length`` characters from a few pools, drawn from one seed (cheap for 100 kB texts)."""
    rnd = random.Random(src.integer(0, 2**32 - 1))
    pools = [POOLS[rnd.choice(POOL_NAMES)] for _ in range(3)] + [POOLS["ascii"], POOLS["urdu"]]
    chunk_len = min(length, 1500)
    chars = []
    for _ in range(chunk_len):
        low, high = rnd.choice(rnd.choice(pools))
        chars.append(chr(rnd.randint(low, high)))
        if rnd.random() < 0.02:
            chars.append(rnd.choice(MARKUP + INJECTIONS + SEPARATORS))
    chunk = "".join(chars)
    return (chunk * (length // max(1, len(chunk)) + 1))[:length]


def hostile_url(src: Source) -> str:
    scheme = weighted(
        src,
        (
            (30, "https://"),
            (10, "http://"),
            (6, ""),
            (5, "javascript:"),
            (2, "JaVaScRiPt:"),
            (4, "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
            (2, "data:"),
            (2, "ftp://"),
            (2, "file:///"),
            (2, "tg://resolve?domain="),
            (1, "intent://"),
            (1, "vbscript:"),
            (2, "//"),
            (1, "hxxps://"),
            (1, "https:/"),
            (1, "https:///"),
            (1, "HTTPS://"),
            (1, "https://https://"),
            (1, "\u202ehttps://"),
            (1, "mailto:"),
        ),
    )
    host = weighted(
        src,
        (
            (20, "www.facebook.com"),
            (4, "facebook.com"),
            (3, "m.facebook.com"),
            (2, "fb.com"),
            (4, "instagram.com"),
            (3, "t.me"),
            (3, "youtu.be"),
            (3, "www.tiktok.com"),
            (2, "wa.me"),
            (2, "x.com"),
            (2, "пример.рф"),
            (2, "xn--e1afmkfd.xn--p1ai"),
            (2, "xn--"),
            (1, "xn--zz"),
            (2, "faϲebook.com"),  # Greek/Cyrillic look-alikes
            (1, "fаcebook.com"),
            (2, "例え.テスト"),
            (2, "مثال.پاکستان"),
            (1, "💩.la"),
            (1, "xn--ls8h.la"),
            (1, "a" * 64 + ".com"),
            (1, "a." * 130 + "com"),
            (2, "localhost"),
            (2, "127.0.0.1"),
            (1, "10.0.0.1"),
            (1, "169.254.169.254"),
            (1, "[::1]"),
            (1, "[fe80::1%25eth0]"),
            (1, "[::ffff:127.0.0.1]"),
            (1, "0x7f.1"),
            (1, "2130706433"),
            (1, "user:pass@facebook.com"),
            (1, "facebook.com:99999"),
            (1, "facebook.com:-1"),
            (1, "facebook.com."),
            (1, ".com"),
            (1, "face\u00adbook.com"),
            (1, "facebook.com\u200b"),
            (1, "FACEBOOK.COM"),
            (1, "%66acebook.com"),
            (1, "facebook.com@evil.example"),
            (1, "evil.example#@facebook.com"),
            (1, "["),
            (1, "]"),
            (1, ""),
        ),
    )
    parts = []
    for _ in range(src.integer(0, 3)):
        parts.append(
            weighted(
                src,
                (
                    (10, "/profile.php?id=100"),
                    (6, "/ali.fake.9876"),
                    (3, "/<b>x</b>"),
                    (3, "/a&b"),
                    (3, "/&amp;"),
                    (3, "/</a>"),
                    (3, "/(unbalanced"),
                    (3, "/unbalanced)"),
                    (2, "/[x"),
                    (2, "/x]"),
                    (2, "/{x}"),
                    (2, "/%00"),
                    (2, "/%ZZ"),
                    (2, "/%"),
                    (3, "/?fbclid=abc&igshid=1&utm_source=x&si=y"),
                    (2, "#frag<script>"),
                    (2, '/"onmouseover=alert(1)'),
                    (1, "/'"),
                    (1, "/\u202e"),
                    (2, "/پروفائل"),
                    (1, "/😀"),
                    (1, "/..%2f..%2fetc%2fpasswd"),
                    (2, "/" + "a" * 10_000),
                    (1, "?q=" + "&" * 3000),
                    (1, "/" + run_of(src, "any", 8)),
                ),
            )
        )
    url = scheme + host + "".join(parts)
    wrap = weighted(
        src,
        (
            (20, "{}"),
            (3, "({})"),
            (3, "[{}]"),
            (3, "<{}>"),
            (3, "{}."),
            (2, "{},"),
            (2, '"{}"'),
            (2, "«{}»"),
            (2, "{})"),
            (2, "({}"),
            (2, '<a href="{}">x</a>'),
            (2, "<b>{}</b>"),
            (1, "{}&"),
            (1, "\u202b{}\u202c"),
            (1, "{}\u200b"),
            (1, "{}{}"),
        ),
    )
    return wrap.replace("{}", url)


def hostile_text(src: Source) -> str:
    shape = weighted(
        src,
        (
            (30, "mix"),
            (14, "plausible"),
            (10, "urls"),
            (6, "emoji"),
            (5, "invisible"),
            (8, "pool"),
            (5, "long"),
            (2, "huge"),
        ),
    )
    if shape == "plausible":
        text = pick(src, PLAUSIBLE)
        if chance(src, 40):
            decoration = pick(src, ("bidi", "zero_width", "space", "combining"))
            text = run_of(src, decoration, src.integer(0, 2)) + text + run_of(src, decoration, src.integer(0, 2))
        return text
    if shape == "urls":
        count = weighted(src, ((6, 1), (3, 3), (1, 30)))
        return "".join(hostile_url(src) + pick(src, SEPARATORS) for _ in range(count))
    if shape == "emoji":
        return "".join(
            pick(src, EMOJI_SEQUENCES) if chance(src, 40) else char_from(src, "emoji")
            for _ in range(src.integer(1, 40))
        )
    if shape == "invisible":
        return run_of(src, pick(src, ("bidi", "zero_width", "space", "combining")), src.integer(1, 30))
    if shape == "pool":
        return run_of(src, pick(src, POOL_NAMES), src.integer(1, 60))
    if shape == "long":
        return seeded_block(src, src.integer(500, 5000))
    if shape == "huge":
        return seeded_block(src, 100_000 + src.integer(0, 2_400))
    pieces = []
    for _ in range(src.integer(1, 8)):
        kind = weighted(src, ((8, "run"), (4, "markup"), (3, "injection"), (3, "plausible"), (2, "url"), (2, "sep")))
        if kind == "run":
            pieces.append(run_of(src, pick(src, POOL_NAMES), src.integer(1, 20)))
        elif kind == "markup":
            pieces.append(pick(src, MARKUP))
        elif kind == "injection":
            pieces.append(pick(src, INJECTIONS))
        elif kind == "plausible":
            pieces.append(pick(src, PLAUSIBLE))
        elif kind == "url":
            pieces.append(hostile_url(src))
        else:
            pieces.append(pick(src, SEPARATORS))
    return "".join(pieces)


def nonempty_text(src: Source) -> str:
    """Telegram never delivers an empty text message."""
    return hostile_text(src) or "\u200b"


# ---- invariants: what the bot sends ----------------------------------------------------------------


class _TelegramHtml(HTMLParser):
    """Telegram's HTML as html.parser sees it: collects tags, nesting and stray reserved characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not one Telegram accepts")
        names = [name for name, _ in attrs]
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if names != ["href"]:
                self.problems.append(f"<a> with attributes {names}")
            if urlsplit(href).scheme.lower() not in ("http", "https", "tg"):
                self.problems.append(f"<a href> with scheme {urlsplit(href).scheme!r}")
        elif attrs and tag not in ("span", "tg-emoji", "code", "pre", "blockquote"):
            self.problems.append(f"<{tag}> with attributes {names}")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close {self.stack[-1] if self.stack else 'anything'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for reserved in "<>&":
            if reserved in data:
                self.problems.append(f"bare {reserved!r} in text")

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name}; is not one Telegram knows")

    def handle_comment(self, data: str) -> None:
        self.problems.append("an HTML comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("a declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("a processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("a CDATA or unknown declaration")


def html_problems(text: str) -> tuple[str | None, list[str]]:
    """(visible text, problems) of ``text`` in Telegram's HTML parse mode."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    problems = list(dict.fromkeys(parser.problems))
    if parser.stack:
        problems.append(f"<{parser.stack[-1]}> is never closed")
    leaked = sorted(set(parser.tags) - OWN_TAGS)
    if leaked:
        problems.append(f"markup the bot never writes itself (unescaped user text?): {leaked}")
    try:
        return visible_text(text), problems
    except EntityError as exc:
        return None, [*problems, f"Telegram would refuse it: {exc}"]


def _text_problems(text: Any, parse_mode: Any, what: str) -> list[str]:
    if not isinstance(text, str):
        return [f"{what} is not a string"]
    if parse_mode == "HTML":
        visible, problems = html_problems(text)
    elif parse_mode in (None, ""):
        visible, problems = text, []
    else:
        return [f"{what} uses parse mode {parse_mode!r}, which nothing here escapes for"]
    problems = [f"{what}: {p}" for p in problems]
    if visible is not None:
        if not visible.strip():
            problems.append(f"{what} is empty once parsed")
        if len(visible) > MAX_TEXT:
            problems.append(f"{what} is {len(visible)} characters once parsed, over {MAX_TEXT}")
    return problems


def markup_problems(markup: Any) -> list[str]:
    if markup is None:
        return []
    if not isinstance(markup, dict):
        return ["reply_markup is not an object"]
    problems: list[str] = []
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        total = 0
        for row in rows:
            total += len(row)
            if not row:
                problems.append("an empty keyboard row")
            if len(row) > MAX_BUTTONS_PER_ROW:
                problems.append(f"a keyboard row of {len(row)} buttons, over {MAX_BUTTONS_PER_ROW}")
            for button in row:
                if not str(button.get("text") or "").strip():
                    problems.append("a button without text")
                actions = [k for k in button if k != "text"]
                if len(actions) != 1:
                    problems.append(f"a button with actions {actions}")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_BYTES:
                    problems.append(f"callback_data of {len(str(data).encode())} bytes")
                url = button.get("url")
                if url is not None and urlsplit(str(url)).scheme not in ("http", "https", "tg"):
                    problems.append(f"a URL button to {urlsplit(str(url)).scheme!r}")
        if total > MAX_BUTTONS:
            problems.append(f"{total} buttons in one keyboard, over {MAX_BUTTONS}")
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not str(label or "").strip():
                    problems.append("a reply-keyboard button without text")
    return problems


def call_problems(method: str, params: Json) -> list[str]:
    """What Telegram would refuse, or what would show the citizen something other than intended."""
    problems: list[str] = []
    if method in ("sendMessage", "editMessageText"):
        problems += _text_problems(params.get("text"), params.get("parse_mode"), f"{method} text")
    if method in ("sendPhoto", "sendDocument", "copyMessage", "editMessageCaption") and "caption" in params:
        problems += _text_problems(params.get("caption"), params.get("parse_mode"), f"{method} caption")
    if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"):
        problems += [f"{method}: {p}" for p in markup_problems(params.get("reply_markup"))]
    if method == "answerCallbackQuery":
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_ANSWER_TEXT:
            problems.append(f"answerCallbackQuery text of {len(str(text))} characters, over {MAX_ANSWER_TEXT}")
    if method == "deleteMessages":
        ids = params.get("message_ids") or []
        if not 1 <= len(ids) <= 100:
            problems.append(f"deleteMessages with {len(ids)} ids")
    return problems


# ---- invariants: what the bot stores ---------------------------------------------------------------


def session_problems(flow: Flow, session: Session, *, stored: bool) -> list[str]:
    """A session the runner can resume: on a step of its flow that asks something, answers on real steps."""
    problems: list[str] = []
    try:
        if Session.from_json(session.to_json()) != session:
            problems.append("the session does not survive its JSON round trip")
    except Exception as exc:  # any failure here is the finding
        problems.append(f"the session does not survive its JSON round trip: {type(exc).__name__}")
    if stored and session.status != ACTIVE:
        problems.append(f"a stored session has status {session.status!r}")
    if session.lang not in flow.languages:
        problems.append(f"session language {session.lang!r}")
    if session.status == ACTIVE:
        step = flow.steps.get(session.step or "")
        if step is None:
            problems.append(f"active on step {session.step!r}, which the flow does not have")
        elif isinstance(step, MessageStep | EndStep | SubmitStep):
            problems.append(f"waiting on step {step.id!r} of kind {step.KIND}, which asks nothing")
        else:
            ticks = isinstance(step, ChoiceStep) and step.multi and set(session.draft) <= {o.id for o in step.options}
            # A typed place waiting for its one-tap confirmation: (CONFIRM, the option it proposes).
            proposal = (
                isinstance(step, ChoiceStep)
                and not step.multi
                and len(session.draft) == 2
                and session.draft[0] == CONFIRM
                and step.option(session.draft[1]) is not None
            )
            if session.draft and not (ticks or proposal):
                problems.append(f"draft {session.draft!r} on step {step.id!r}")
            if step.max_attempts is not None and session.attempts >= step.max_attempts and step.on_exhausted:
                problems.append(f"{session.attempts} attempts on {step.id!r}, past its {step.max_attempts}")
    unknown = sorted((set(session.answers) | set(session.history)) - set(flow.steps))
    if unknown:
        problems.append(f"answers or history name steps the flow does not have: {unknown}")
    if len(session.history) > HISTORY_CAP:
        problems.append(f"history of {len(session.history)} steps, over {HISTORY_CAP}")
    if session.attempts < 0:
        problems.append("negative attempts")
    if stored and not session.id:
        problems.append("a stored session without an id (its buttons cannot be bound)")
    return problems


# ---- the engine's inputs and the adapter's rendering ------------------------------------------------


def engine_input(src: Source, flow: Flow, session: Session | None) -> Input:
    """One thing a citizen does, as the engine sees it: typed text, a button id or a command."""
    step = flow.steps.get(session.step or "") if session is not None else None
    kind = weighted(
        src,
        (
            (30, "text"),
            (30, "button"),
            (8, "control"),
            (5, "edit"),
            (5, "junk press"),
            (10, "command"),
            (4, "plausible"),
        ),
    )
    if kind == "button":
        if isinstance(step, ChoiceStep):
            return Input(press=pick(src, [o.id for o in step.options]))
        if isinstance(step, ReviewStep):
            return Input(press=pick(src, [SUBMIT, *(EDIT_PREFIX + s for s in flow.steps)]))
        if isinstance(step, LinksStep):
            return Input(press=DONE) if chance(src, 40) else Input(text=hostile_url(src))
        return Input(text=pick(src, PLAUSIBLE))
    if kind == "control":
        return Input(press=pick(src, (DONE, SKIP, BACK, SUBMIT)))
    if kind == "edit":
        return Input(press=EDIT_PREFIX + pick(src, [*flow.steps, "", "nope", hostile_text(src)[:40]]))
    if kind == "junk press":
        return Input(press=hostile_text(src)[:64])
    if kind == "command":
        return Input(command=pick(src, ("back", "skip", "cancel", "start", "", "BACK", hostile_text(src)[:20])))
    if kind == "plausible":
        return Input(text=pick(src, PLAUSIBLE))
    return Input(text=hostile_text(src))


def rendering_problems(events: Sequence[Event], session_id: str, lang: str) -> list[str]:
    """Render ``events`` as the Telegram adapter does and check each message and keyboard it would send."""
    problems: list[str] = []
    out = render(list(events), session_id, lang)
    for message in out.messages:
        problems += _text_problems(message.text, "HTML", "rendered message")
        if message.markup is not None:
            problems += markup_problems(message.markup.to_dict())
    if out.toggled is not None:
        markup = keyboard(out.toggled, session_id, lang)
        problems += markup_problems(markup.to_dict() if markup is not None else None)
    for event in events:
        if isinstance(event, Answered) and event.display is not None:
            problems += _text_problems(answered_text("question", event.display, lang), "HTML", "answered question")
    return problems


# ---- the offline Bot API without a socket ----------------------------------------------------------


class InProcessRequest(BaseRequest):
    """PTB's transport, replaced: each call goes to the offline API's own method, as its HTTP handler would.

    The parameters are what PTB would put on the wire (``RequestData.json_parameters``), decoded as the
    offline API decodes its form fields; the answer is the JSON body and status it would return.
    """

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        path = unquote(urlsplit(url).path)  # as the HTTP server decodes it
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            self.api.calls.append(("getFileContent", {"path": file_path}))
            content = self.api.files.get(file_path.removeprefix("documents/"))
            if token != self.api.token or content is None:
                return 404, b""
            return 200, content
        token, _, name = path.removeprefix("/bot").partition("/")
        if token != self.api.token:
            return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        params: Json = dict(request_data.json_parameters) if request_data is not None else {}
        for key in list(params):
            if key in JSON_FIELDS and isinstance(params[key], str):
                params[key] = json.loads(params[key])
        self.api.calls.append((name, params))
        try:
            await self.api._inject(name, params)
            handler = getattr(self.api, f"m_{name}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as exc:
            body: Json = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


# ---- the bot under fire ----------------------------------------------------------------------------


@dataclass
class Problem:
    kind: str  # "exception" (reached PTB's error handler), "error-log", "invariant"
    detail: str  # traceback, log line or what is wrong
    update: str  # the update that caused it, shortened

    def signature(self) -> str:
        """One line naming the failure: the exception and the innermost frame in bot/, or the check."""
        if self.kind != "exception":
            return f"{self.kind}: {re.sub(r'[0-9]+', 'N', self.detail.splitlines()[0])[:160]}"
        frames = re.findall(r'File "([^"]*)", line (\d+), in (\S+)', self.detail)
        ours = [f for f in frames if "/bot/" in f[0]]
        where = ours[-1] if ours else (frames[-1] if frames else ("?", "?", "?"))
        last = self.detail.strip().splitlines()[-1] if self.detail.strip() else "?"
        return f"{last.split(':')[0]} at {where[0].split('/bot/')[-1]}:{where[1]} in {where[2]}"


@dataclass(frozen=True)
class KnownDefect:
    """A defect found by these generators and reported, not yet fixed; its pinned reproduction is an
    xfail(strict=True) test in ``tests/test_hostile_input.py``, so fixing it makes that test fail until
    the entry and the mark are removed. Matched on an exception (a frame and the last line of its
    traceback) or on an invariant problem (a regex on its detail)."""

    id: str
    frame: str = r"$^"  # regex on a traceback line: where it happens
    error: str = r"$^"  # regex on the traceback's last line
    invariant: str = r"$^"  # regex on an invariant problem's detail


# Defects found and still open, so that the fuzzer keeps looking past them; empty while none is known.
# Fixed, and guarded by regression tests in tests/test_hostile_input.py: D1 forged officer button
# 'f.claim.²' / 'f.open.99999999999999999999' (focal.py on_press), D2 the same on admin buttons, D3
# '/admins add ²', D4 '/focal add punjab ²' (ValueError from int() after str.isdigit(), or OverflowError
# binding a huge id; fixed by callbacks.record_id), D5 a refused-link notice over 4096 characters.
KNOWN_DEFECTS: tuple[KnownDefect, ...] = ()


def known_defect(problem: Problem) -> str | None:
    """The id of the known defect ``problem`` is an instance of, or None for anything new."""
    last = problem.detail.strip().splitlines()[-1] if problem.detail.strip() else ""
    for defect in KNOWN_DEFECTS:
        if problem.kind == "exception" and re.search(defect.frame, problem.detail) and re.search(defect.error, last):
            return defect.id
        if problem.kind == "invariant" and re.search(defect.invariant, problem.detail):
            return defect.id
    return None


class _ErrorLog(logging.Handler):
    def __init__(self, sink: Callable[[logging.LogRecord], None]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink(record)


def describe(update: Json) -> str:
    """The update, with long strings cut, for a report."""

    def cut(value: Any) -> Any:
        if isinstance(value, str) and len(value) > 120:
            return value[:120] + f"…(+{len(value) - 120})"
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items() if k not in ("chat", "from", "reply_markup")}
        if isinstance(value, list):
            return [cut(v) for v in value[:5]]
        return value

    return json.dumps(cut(update), ensure_ascii=False)


@dataclass
class Stats:
    updates: int = 0
    calls: int = 0
    sessions_checked: int = 0
    steps: Counter[str] = field(default_factory=Counter)  # the step each checked session waited on
    methods: Counter[str] = field(default_factory=Counter)  # outgoing calls by Bot API method


class BotUnderFire:
    """The real application, real handlers, real SQLite file; updates in through ``process_update``."""

    def __init__(
        self,
        db: Path,
        *,
        transport: str = "inprocess",
        admin_id: int = 7_000_001,
        officer_id: int = 7_000_002,
        queue_group: int = -1_000_000_000_001,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db, self.transport = db, transport
        self.admin_id, self.officer_id, self.queue_group = admin_id, officer_id, queue_group
        self.env = env or {}
        self.api = FakeBotApi(token=TOKEN, username=BOT_USERNAME)
        self.problems: list[Problem] = []
        self.stats = Stats()
        self.current = ""  # the update being processed, for problem reports
        self._checked = 0  # api.calls already checked
        self._app: Application | None = None  # type: ignore[type-arg]
        self._reader: SqliteStore | None = None
        self._flows: FlowRegistry | None = None
        self._log = _ErrorLog(self._logged)
        self.commands: tuple[str, ...] = ()
        self.callback_data: dict[int, deque[tuple[int, str]]] = {}  # chat -> (message id, data) the bot sent
        self._scanned: dict[int, int] = {}  # chat -> messages of the offline API already looked at
        self._recent: dict[int, str] = {}  # chat -> its latest batch, to name the cause of a bad call
        # chat -> (step kind, validator kinds) of the question its stored session waits on, for HostileUsers
        self.waiting: dict[int, tuple[str, tuple[str, ...]]] = {}

    @property
    def app(self) -> Application:  # type: ignore[type-arg]
        assert self._app is not None, "start() first"
        return self._app

    # ---- lifecycle

    async def start(self) -> None:
        api = self.api
        api.global_limit = api.group_limit = api.private_limit = None
        if self.transport == "http":
            await api.start()
        group = api.group(self.queue_group, "Punjab queue")
        group.add_member(api.user(self.officer_id, "Officer", "en"), "member")
        api.user(self.admin_id, "Admin", "en")
        api.messages.setdefault(self.admin_id, [])
        api.messages.setdefault(self.officer_id, [])
        environ = {
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(self.db),
            "ADMIN_IDS": str(self.admin_id),
            "FOCAL_QUEUES": f"punjab={self.queue_group}",
            "OVERALL_MESSAGES_PER_SECOND": "1000000",
            **self.env,
        }
        settings = load_settings(environ, Path("/nonexistent/.env"))
        with self._patched():
            app = telegram_app.build_application(settings, base_file_url=api.base_file_url)
        self._app = app
        app.add_error_handler(self._on_error)
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, ChatRateLimiter)
        # Lift the send windows (see the module docstring): the limiter and the courier share them.
        limiter.limits.group = Limit(10**9, 60.0)
        limiter.limits.private = Limit(10**9, 1.0)
        logging.getLogger().addHandler(self._log)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        self.commands = tuple(
            sorted(
                {
                    c
                    for handlers in app.handlers.values()
                    for h in handlers
                    if isinstance(h, CommandHandler)
                    for c in h.commands
                }
            )
        )
        self._reader = SqliteStore(self.db)
        await self._reader.open()
        self._flows = FlowRegistry(self._reader)

    async def stop(self) -> None:
        app = self.app
        try:
            await app.stop()
            if app.post_shutdown:
                await app.post_shutdown(app)
            await app.shutdown()
        finally:
            logging.getLogger().removeHandler(self._log)
            if self._reader is not None:
                await self._reader.close()
            if self.transport == "http":
                await self.api.stop()

    @contextmanager
    def _patched(self) -> Iterator[None]:
        """build_application, unchanged, but (in process) with our transport."""
        if self.transport == "http":
            yield
            return
        requests = (InProcessRequest(self.api), InProcessRequest(self.api))
        with mock.patch.object(telegram_app, "http_requests", lambda proxy=None: requests):
            yield

    # ---- failures

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        detail = "".join(traceback.format_exception(error)) if error is not None else "no error object"
        cause = describe(update.to_dict()) if isinstance(update, Update) else self.current
        self.problems.append(Problem("exception", detail, cause))

    def _logged(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == "bot.telegram.errors" and message == UNHANDLED:
            return  # the error handler's own line; the exception itself is recorded by _on_error
        fault = getattr(record, FAULT_ATTRIBUTE, None)
        if isinstance(fault, BaseException):
            # A handler's fault, caught by errors.answering: the exception, with its whole traceback.
            self.problems.append(Problem("exception", "".join(traceback.format_exception(fault)), self.current))
            return
        detail = f"{record.levelname} {record.name}: {message}"
        if record.exc_info and record.exc_info[1] is not None:
            detail += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        self.problems.append(Problem("error-log", detail, self.current))

    # ---- feeding

    async def feed(self, updates: Sequence[Json], *, concurrent: bool = False) -> None:
        """Process ``updates`` (all at once when ``concurrent``, as PTB's concurrent_updates does), then check."""
        app = self.app
        self.current = " | ".join(describe(u) for u in updates)[:2000]
        for update in updates:
            chat = _chat_of(update)
            if chat is not None:
                self._recent[chat] = self.current
        objects = [Update.de_json(u, app.bot) for u in updates]
        if concurrent:
            await asyncio.gather(*(app.process_update(u) for u in objects))
        else:
            for one in objects:
                await app.process_update(one)
        self.stats.updates += len(updates)
        await asyncio.sleep(0)  # let a woken courier round start, so its calls are checked too
        self.check_calls()
        chats = {c for u in updates if (c := _private_chat(u)) is not None}
        for chat_id in sorted(chats):
            await self.check_chat(chat_id)

    async def reports(self) -> int:
        """Reports stored so far (how far the hostile citizens got)."""
        assert self._reader is not None
        return await self._reader.count_reports()

    def check_calls(self) -> None:
        calls = self.api.calls
        sent_to: set[int] = set()
        for method, params in calls[self._checked :]:
            self.stats.calls += 1
            self.stats.methods[method] += 1
            for problem in call_problems(method, params):
                text = str(params.get("text") or "")
                where = f"\n(chat {params.get('chat_id')}; text starts: {text[:300]!r}; ends: {text[-150:]!r})"
                cause = self._recent.get(_int_or_none(params.get("chat_id")) or 0, self.current)
                self.problems.append(Problem("invariant", problem + where, cause))
            self._harvest(method, params)
            if method == "sendMessage" and isinstance(params.get("reply_markup"), dict):
                with suppress(KeyError, TypeError, ValueError):
                    sent_to.add(int(params["chat_id"]))
        self._checked = len(calls)
        for chat_id in sent_to:
            self._remember_sent(chat_id)

    def forget_checked_calls(self) -> None:
        """Drop checked calls (long runs): the offline API keeps every call it was given."""
        self.check_calls()
        del self.api.calls[:]
        self._checked = 0

    def _harvest(self, method: str, params: Json) -> None:
        markup = params.get("reply_markup")
        if method not in ("editMessageReplyMarkup", "editMessageText") or not isinstance(markup, dict):
            return
        try:
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        except (KeyError, TypeError, ValueError):
            return
        seen = self.callback_data.setdefault(chat_id, deque(maxlen=200))
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    seen.append((message_id, str(button["callback_data"])))

    def _remember_sent(self, chat_id: int) -> None:
        """Record the buttons of messages the bot sent into ``chat_id`` since the last look (edits: ``_harvest``)."""
        seen = self.callback_data.setdefault(chat_id, deque(maxlen=200))
        messages = self.api.messages.get(chat_id, [])
        for message in messages[self._scanned.get(chat_id, 0) :]:
            if not message.from_bot or not message.reply_markup:
                continue
            for row in message.reply_markup.get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        seen.append((message.message_id, str(button["callback_data"])))
        self._scanned[chat_id] = len(messages)

    async def check_chat(self, chat_id: int) -> None:
        """The chat's stored session, read back through a second connection to the SQLite file."""
        assert self._reader is not None and self._flows is not None
        self.stats.sessions_checked += 1
        key = chat_key(chat_id)
        try:
            session = await self._reader.load_session(key)
            state = await self._reader.chat_state(key)
        except Exception as exc:  # not loadable is the finding
            self.problems.append(Problem("invariant", f"session of {key} not loadable: {exc!r}", self.current))
            return
        if state is not None and state.lang not in ("en", "ur", "roman"):
            self.problems.append(Problem("invariant", f"chat state language {state.lang!r}", self.current))
        self.stats.steps[session.step or "-" if session is not None else "(none)"] += 1
        self.waiting.pop(chat_id, None)
        if session is None:
            return
        try:
            flow = await self._flows.pinned(session.revision)
        except Exception as exc:
            self.problems.append(
                Problem("invariant", f"session pinned to revision {session.revision}: {exc!r}", self.current)
            )
            return
        for problem in session_problems(flow, session, stored=True):
            self.problems.append(Problem("invariant", problem, self.current))
        step = flow.steps.get(session.step or "")
        if step is not None:
            self.waiting[chat_id] = (step.KIND, tuple(v.kind for v in getattr(step, "validators", ())))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chat_of(update: Json) -> int | None:
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return int(update[key]["chat"]["id"])
    query = update.get("callback_query") or {}
    if "message" in query:
        return int(query["message"]["chat"]["id"])
    return int(query["from"]["id"]) if "from" in query else None


def _private_chat(update: Json) -> int | None:
    for key in ("message", "edited_message"):
        if key in update:
            chat = update[key].get("chat", {})
            return int(chat["id"]) if chat.get("type") == "private" else None
    query = update.get("callback_query")
    if query and "message" in query and query["message"].get("chat", {}).get("type") == "private":
        return int(query["message"]["chat"]["id"])
    return None


# ---- hostile updates -------------------------------------------------------------------------------


@dataclass
class Batch:
    updates: list[Json]
    label: str
    concurrent: bool = False


COMMAND_TOKEN = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")
FILE_NAMES = (
    "flow.yaml",
    "report.yml",
    "REPORT.YAML",
    "x.yaml.exe",
    "screenshot.png",
    "<b>evil</b>.pdf",
    "‮fdp.exe",
    "دستاویز.docx",
    "",
    "a" * 300 + ".txt",
)
MIME_TYPES = (
    "application/x-yaml",
    "image/png",
    "application/pdf",
    "text/html",
    "",
    "x/<b>",
    "application/octet-stream",
)
FORGED_ACTIONS = (
    "claim",
    "ask",
    "resolve",
    "out",
    "transfer",
    "to",
    "spam",
    "spamok",
    "back",
    "full",
    "number",
    "open",
)
NUMBERS = ("1", "2", "0", "-1", "²", "١٢", "߁", "99999999999999999999", "1e3", " 1", "", "0x1", "9" * 40)


KEEP_CHARS = 2000


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_bytes(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


class Updates:
    """Builds Bot API updates as Telegram would deliver them, keeping the offline API's chats consistent."""

    def __init__(self, api: FakeBotApi, start_id: int = 1) -> None:
        self.api = api
        self.ids = itertools.count(start_id)
        self.queries = itertools.count(1)
        self.files = itertools.count(1)
        self.recent: dict[int, deque[Json]] = {}  # chat -> its latest updates, for redelivery

    def _push(self, body: Json) -> Json:
        update = {"update_id": next(self.ids), **body}
        chat = _chat_of(update)
        if chat is not None:
            self.recent.setdefault(chat, deque(maxlen=30)).append(update)
        return update

    def message(
        self,
        chat_id: int,
        sender: int,
        *,
        text: str | None = None,
        kind: str = "text",
        extra: Json | None = None,
        reply_to: int | None = None,
        key: str = "message",
    ) -> Json:
        if reply_to is not None and self.api._live(chat_id, reply_to) is None:
            reply_to = None
        stored = self.api.add_message(
            chat_id, from_bot=False, text=text, kind=kind, extra=extra, reply_to=reply_to, sender_id=sender
        )
        payload = self.api.message_json(stored)
        if text is not None:
            match = COMMAND_TOKEN.match(text)
            if match:
                payload["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
            stored.text = text[:KEEP_CHARS]  # the update carries it whole; the offline API need not keep 100 kB
        return self._push({key: payload})

    def edited(self, message: FakeMessage, text: str) -> Json:
        message.text = text
        payload = self.api.message_json(message)
        payload["edit_date"] = int(self.api.now())
        return self._push({"edited_message": payload})

    def press(self, user: int, message: FakeMessage | None, data: str | None, *, inline: bool = False) -> Json:
        query_id = f"cq{next(self.queries)}"
        self.api.open_queries.add(query_id)
        query: Json = {"id": query_id, "from": self.api.user_json(user), "chat_instance": f"ci{user}"}
        if data is not None:
            query["data"] = data
        if inline or message is None:
            query["inline_message_id"] = f"inline{query_id}"
        else:
            query["message"] = self.api.message_json(message)
        return self._push({"callback_query": query})

    def raw(self, body: Json) -> Json:
        return self._push(body)


class HostileUsers:
    """What citizens, an officer and an admin might send: one ``Batch`` of updates per call."""

    def __init__(self, fire: BotUnderFire, updates: Updates, src: Source, *, group: int | None = None) -> None:
        """``group``: the group citizens write in (default: mostly the queue group, sometimes another)."""
        self.fire, self.api, self.updates, self.src = fire, fire.api, updates, src
        self.group = group
        self.commands = fire.commands or ("start", "help", "cancel")

    def user(self, user_id: int, language_code: str | None = "en") -> None:
        if user_id not in self.api.users:
            self.api.user(user_id, "Citizen", language_code)
        self.api.messages.setdefault(user_id, [])

    # ---- building blocks

    def keyboards(self, chat_id: int) -> list[FakeMessage]:
        return [
            m
            for m in self.api.bot_messages(chat_id)
            if m.reply_markup and any(row for row in m.reply_markup.get("inline_keyboard", []))
        ]

    def buttons(self, message: FakeMessage) -> list[str]:
        assert message.reply_markup is not None
        return [
            str(b["callback_data"])
            for row in message.reply_markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]

    def forged_data(self, chat_id: int) -> str | None:
        src = self.src
        seen = list(self.fire.callback_data.get(chat_id, ()))
        kind = weighted(src, ((6, "mutated"), (4, "officer"), (2, "admin"), (2, "prefix"), (3, "random"), (1, "none")))
        if kind == "none":
            return None
        if kind == "mutated" and seen:
            data = pick(src, seen)[1]
            parts = data.split(".")
            how = src.integer(0, 5)
            if how == 0:
                parts[-1] = pick(
                    src, (DONE, SKIP, BACK, SUBMIT, EDIT_PREFIX + "account", EDIT_PREFIX + "x", "ur", "punjab")
                )
            elif how == 1:
                parts[0] = run_of(src, "ascii", src.integer(0, 8))
            elif how == 2 and len(parts) > 1:
                parts[1] = pick(src, ("0000", "ffff", "", "zz"))
            elif how == 3:
                parts.append(run_of(src, "any", src.integer(1, 6)))
            elif how == 4:
                return data[: src.integer(1, max(1, len(data) - 1))]
            else:
                parts[-1] = run_of(src, pick(src, POOL_NAMES), src.integer(1, 12))
            return _cut_bytes(".".join(parts), MAX_CALLBACK_BYTES) or "."
        if kind == "officer":
            tail = "." + pick(src, ("punjab", "sindh", "fake", "", run_of(src, "any", 3))) if chance(src, 30) else ""
            data = f"f.{pick(src, FORGED_ACTIONS)}.{pick(src, NUMBERS)}{tail}"
            return _cut_bytes(data, MAX_CALLBACK_BYTES) or "f."
        if kind == "admin":
            data = f"a.{pick(src, ('pub', 'force', 'drop', 'roll', 'x'))}.{pick(src, NUMBERS)}"
            return _cut_bytes(data, MAX_CALLBACK_BYTES) or "a."
        if kind == "prefix":
            data = pick(src, ("lang.", "forget.", "f.", "a.")) + run_of(src, pick(src, POOL_NAMES), src.integer(0, 10))
            return _cut_bytes(data, MAX_CALLBACK_BYTES)
        return _cut_bytes(run_of(src, pick(src, POOL_NAMES), src.integer(1, 40)), MAX_CALLBACK_BYTES) or "x"

    def command_text(self, names: Sequence[str]) -> str:
        src = self.src
        name = pick(src, names)
        name = weighted(src, ((10, name), (1, name.upper()), (1, name + "x"), (1, name + "_")))
        suffix = weighted(src, ((10, ""), (2, "@" + BOT_USERNAME), (1, "@other_bot")))
        args = weighted(
            src,
            (
                (6, ""),
                (6, " " + hostile_text(src)),
                (3, " " + " ".join(pick(src, NUMBERS) for _ in range(src.integer(1, 3)))),
                (2, " " + pick(src, ("add", "remove", "punjab", "ur", "en")) + " " + pick(src, NUMBERS)),
                (2, " add punjab " + pick(src, NUMBERS)),
                (2, " " + pick(src, ("ABCD-1234", "abcd 1234", "B000-0001")) + " " + pick(src, NUMBERS)),
            ),
        )
        return "/" + name + suffix + args

    def media(self, chat_id: int, sender: int) -> Json:
        src = self.src
        n = next(self.updates.files)
        kind = weighted(
            src,
            (
                (5, "photo"),
                (4, "document"),
                (3, "sticker"),
                (2, "location"),
                (1, "venue"),
                (2, "voice"),
                (1, "video"),
                (1, "animation"),
                (1, "video_note"),
                (1, "dice"),
            ),
        )
        file = {"file_id": f"f{n}", "file_unique_id": f"u{n}"}
        extra: Json
        if kind == "photo":
            extra = {"photo": [{**file, "width": 800, "height": 600, "file_size": src.integer(0, 10**8)}]}
        elif kind == "document":
            name = pick(src, FILE_NAMES)
            extra = {"document": {**file, "file_name": name, "mime_type": pick(src, MIME_TYPES), "file_size": 10}}
            self.api.files[file["file_id"]] = hostile_text(src).encode()
        elif kind == "sticker":
            extra = {
                "sticker": {
                    **file,
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            }
        elif kind == "location":
            extra = {"location": {"latitude": 31.5, "longitude": 74.3}}
        elif kind == "venue":
            title = nonempty_text(self.src)[:200]
            location = {"latitude": 31.5, "longitude": 74.3}
            extra = {"venue": {"location": location, "title": title, "address": title}, "location": location}
        elif kind == "voice":
            extra = {"voice": {**file, "duration": 3}}
        elif kind == "video":
            extra = {"video": {**file, "width": 1, "height": 1, "duration": 1}}
        elif kind == "animation":
            extra = {"animation": {**file, "width": 1, "height": 1, "duration": 1}, "document": {**file}}
        elif kind == "video_note":
            extra = {"video_note": {**file, "length": 1, "duration": 1}}
        else:
            extra = {"dice": {"emoji": "🎲", "value": 3}}
        if kind in ("photo", "document", "video", "animation", "voice") and chance(src, 40):
            extra["caption"] = hostile_text(src)[:1024]
        return self.updates.message(chat_id, sender, kind=kind, extra=extra)

    # ---- one batch

    def citizen(self, user_id: int, *, determined: bool = False) -> Batch:
        """One thing a citizen does in the private chat (sometimes in a group); ``determined`` ones mostly
        answer the question asked (with hostile answers), so they reach the review and submit."""
        src, up, chat = self.src, self.updates, user_id
        action = weighted(
            src,
            (
                (300 if determined else 40, "progress"),
                (28, "text"),
                (22, "press"),
                (14, "command"),
                (5, "stale"),
                (7, "forged"),
                (4, "burst"),
                (3, "edited"),
                (8, "media"),
                (2, "contact"),
                (2, "redeliver"),
                (1, "odd"),
                (4, "group"),
            ),
        )
        keyboards = self.keyboards(chat)
        if action == "progress":
            return self.progress(user_id, keyboards)
        if action == "press" and keyboards:
            last = keyboards[-1]
            return Batch([up.press(user_id, last, pick(src, self.buttons(last)))], "press")
        message: FakeMessage | None
        if action == "stale" and (seen := list(self.fire.callback_data.get(chat, ()))):
            message_id, data = pick(src, seen)
            message = self.api._live(chat, message_id)
            return Batch([up.press(user_id, message, data, inline=message is None)], "stale press")
        if action == "forged" or (action in ("press", "stale") and not keyboards):
            message = keyboards[-1] if keyboards else self._any_bot_message(chat)
            return Batch([up.press(user_id, message, self.forged_data(chat))], "forged press")
        if action == "burst":
            message = keyboards[-1] if keyboards else self._any_bot_message(chat)
            buttons = self.buttons(message) if keyboards and message is not None else []
            same = chance(src, 50) and bool(buttons)
            first = pick(src, buttons) if buttons else self.forged_data(chat)
            presses = [
                up.press(
                    user_id,
                    message,
                    first if same else (pick(src, buttons) if buttons and chance(src, 70) else self.forged_data(chat)),
                )
                for _ in range(src.integer(2, 12))
            ]
            return Batch(presses, "burst of presses", concurrent=True)
        if action == "command":
            return Batch([up.message(chat, user_id, text=self.command_text(self.commands))], "command")
        if action == "edited" and (mine := [m for m in self.api.chat(chat) if not m.from_bot and m.kind == "text"]):
            return Batch([up.edited(pick(src, mine), nonempty_text(src))], "edited message")
        if action == "media":
            return Batch([self.media(chat, user_id)], "media")
        if action == "contact":
            contact: Json = {
                "phone_number": pick(src, (*PLAUSIBLE[25:29], hostile_text(src)[:64] or "+")),
                "first_name": "X",
            }
            owner = weighted(src, ((3, user_id), (1, user_id + 1), (1, 0)))
            if owner:
                contact["user_id"] = owner
            return Batch([up.message(chat, user_id, kind="contact", extra={"contact": contact})], "contact")
        if action == "redeliver" and (recent := list(up.recent.get(chat, ()))):
            return Batch([pick(src, recent)], "redelivered update")
        if action == "odd":
            return self._odd(user_id)
        if action == "group":
            return self.in_group(user_id, group=self.group)
        bot_messages = self.api.bot_messages(chat)
        reply_to = pick(src, bot_messages).message_id if bot_messages and chance(src, 10) else None
        return Batch([up.message(chat, user_id, text=nonempty_text(src), reply_to=reply_to)], "text")

    def progress(self, user_id: int, keyboards: list[FakeMessage]) -> Batch:
        """What a citizen who wants to finish the report does next (answers still drawn to be hostile)."""
        src, up, chat = self.src, self.updates, user_id
        kind, validators = self.fire.waiting.get(chat, ("", ()))
        buttons = self.buttons(keyboards[-1]) if keyboards else []
        if buttons and (kind in ("choice", "review") or (kind == "links" and chance(src, 40))):
            finish = [b for b in buttons if b.endswith((SUBMIT, DONE))]
            onward = [b for b in buttons if not b.endswith((BACK, SKIP))]
            choices = finish if finish and chance(src, 40) else (onward if onward and chance(src, 85) else buttons)
            return Batch([up.press(user_id, keyboards[-1], pick(src, choices))], "progress: press")
        if kind == "links":
            count = weighted(src, ((6, 1), (3, 3), (1, 30)))
            text = "".join(hostile_url(src) + pick(src, SEPARATORS) for _ in range(count))
        elif "date" in validators:
            text = pick(src, DATES) if chance(src, 70) else hostile_text(src)
        elif "phone" in validators:
            text = pick(src, PHONES) if chance(src, 70) else hostile_text(src)
        elif kind == "text":
            text = hostile_text(src)
        else:
            text = "/start" if chance(src, 50) else nonempty_text(src)
        return Batch([up.message(chat, user_id, text=text or "\u200b")], "progress: text")

    def _any_bot_message(self, chat_id: int) -> FakeMessage | None:
        messages = self.api.bot_messages(chat_id)
        return pick(self.src, messages) if messages else None

    def _odd(self, user_id: int) -> Batch:
        src, up = self.src, self.updates
        kind = pick(src, ("inline", "inaccessible", "channel", "service", "anonymous", "bot_sender", "member"))
        if kind == "inline":
            return Batch([up.press(user_id, None, self.forged_data(user_id), inline=True)], "inline press")
        if kind == "inaccessible":
            query = {
                "id": f"cq{next(up.queries)}",
                "from": self.api.user_json(user_id),
                "chat_instance": "ci",
                "data": self.forged_data(user_id) or "x",
                "message": {"message_id": 1, "date": 0, "chat": self.api.chat_json(user_id)},
            }
            return Batch([up.raw({"callback_query": query})], "press on an inaccessible message")
        if kind == "channel":
            chat = {"id": -1_009_999_999_999, "type": "channel", "title": "Channel"}
            post = {"message_id": 1, "date": 1, "chat": chat, "text": self.command_text(self.commands)}
            return Batch([up.raw({"channel_post": post})], "channel post")
        if kind == "service":
            group = self.fire.queue_group
            message = {
                "message_id": 10**6,
                "date": 1,
                "chat": self.api.chat_json(group),
                "from": self.api.user_json(user_id),
                "new_chat_members": [self.api.user_json(user_id)],
            }
            return Batch([up.raw({"message": message})], "service message")
        if kind == "anonymous":
            group = self.fire.queue_group
            chat = self.api.chat_json(group)
            text = self.command_text(self.commands)
            message = {"message_id": 10**6 + 1, "date": 1, "chat": chat, "sender_chat": chat, "text": text}
            match = COMMAND_TOKEN.match(text)
            if match:
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
            return Batch([up.raw({"message": message})], "anonymous group admin")
        if kind == "bot_sender":
            message = {
                "message_id": 10**6 + 2,
                "date": 1,
                "chat": self.api.chat_json(user_id),
                "from": {"id": user_id, "is_bot": True, "first_name": "Bot"},
                "text": nonempty_text(src),
            }
            return Batch([up.raw({"message": message})], "message from a bot account")
        member = {"user": self.api.user_json(user_id), "status": "kicked", "until_date": 0}
        me = {"user": self.api.bot_json(), "status": "member"}
        changed = {"chat": self.api.chat_json(user_id), "from": self.api.user_json(user_id), "date": 1}
        return Batch(
            [up.raw({"my_chat_member": {**changed, "old_chat_member": me, "new_chat_member": member}})], "chat member"
        )

    def in_group(self, user_id: int, *, group: int | None = None) -> Batch:
        """A message, command, reply or press in the queue group (or another group the bot is in)."""
        src, up = self.src, self.updates
        if group is None:
            group = self.fire.queue_group if chance(src, 80) else -1_000_000_000_000 - src.integer(2, 50)
        self.api.group(group, "Group")
        keyboards = self.keyboards(group)
        bot_messages = self.api.bot_messages(group)
        action = weighted(src, ((4, "command"), (3, "reply"), (3, "press"), (2, "forged"), (1, "text")))
        if action == "press" and keyboards:
            card = pick(src, keyboards)
            return Batch([up.press(user_id, card, pick(src, self.buttons(card)))], "group press")
        if action in ("press", "forged"):
            message = pick(src, bot_messages) if bot_messages else None
            return Batch([up.press(user_id, message, self.forged_data(group))], "forged group press")
        if action == "reply" and bot_messages:
            target = pick(src, bot_messages).message_id
            return Batch([up.message(group, user_id, text=nonempty_text(src), reply_to=target)], "reply in group")
        if action == "command":
            return Batch([up.message(group, user_id, text=self.command_text(self.commands))], "group command")
        return Batch([up.message(group, user_id, text=nonempty_text(src))], "group text")

    def officer(self) -> Batch:
        """The officer works the queue group: presses card buttons, replies to cards, asks for the queue."""
        return self.in_group(self.fire.officer_id)

    def admin(self) -> Batch:
        """The admin: anything a citizen does, plus admin commands with junk and flow uploads."""
        src, up, admin = self.src, self.updates, self.fire.admin_id
        self.user(admin)
        action = weighted(src, ((6, "citizen"), (3, "command"), (1, "upload"), (2, "group")))
        if action == "command":
            names = [
                c
                for c in self.commands
                if c in ("flows", "admins", "stats", "focal", "bindqueue", "block", "unblock", "case", "queue")
            ]
            return Batch([up.message(admin, admin, text=self.command_text(names or self.commands))], "admin command")
        if action == "upload":
            n = next(up.files)
            content = pick(
                src, ("spec_version: 1\nid: report\n", "{", "steps: []", hostile_text(src), "id: report\n" * 3)
            )
            self.api.files[f"doc{n}"] = content.encode()
            document = {
                "file_id": f"doc{n}",
                "file_unique_id": f"u{n}",
                "file_name": pick(src, FILE_NAMES[:3]),
                "file_size": len(content.encode()),
            }
            return Batch([up.message(admin, admin, kind="document", extra={"document": document})], "flow upload")
        if action == "group":
            return self.in_group(admin)
        return self.citizen(admin)


def unescape_visible(text: str) -> str:
    """The text a reader sees of the bot's HTML (for tests that look for the citizen's words)."""
    return unescape(re.sub(r"<[^>]+>", "", text))


def alias_bomb() -> str:
    """Nine levels of nine aliases: 387 million strings once expanded, in 371 bytes."""
    lines = ["spec_version: 1", "id: report", 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"
