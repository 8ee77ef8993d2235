"""Callback data bound to a conversation and a step, so a stale or forged press changes nothing.

Format ``<session id>.<step tag>.<button id>``: the session id is random per conversation and the
step tag is a short hash of the step id. At most 6 + 1 + 4 + 1 + 38 bytes, under Telegram's 64.
Language buttons outside a conversation use ``lang.<code>`` and /forget's ``forget.yes|no``; the session
id is hex, so neither prefix can be one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

LANGUAGE_PREFIX = "lang."
FORGET_PREFIX = "forget."


def step_tag(step: str) -> str:
    return hashlib.blake2s(step.encode(), digest_size=2).hexdigest()


def encode(session_id: str, step: str, button: str) -> str:
    return f"{session_id}.{step_tag(step)}.{button}"


@dataclass(frozen=True, slots=True)
class Press:
    session_id: str
    tag: str
    button: str

    def matches(self, session_id: str, step: str | None) -> bool:
        return step is not None and self.session_id == session_id and self.tag == step_tag(step)


def decode(data: str) -> Press | None:
    parts = data.split(".", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return Press(*parts)


_ID = re.compile(r"[0-9]{1,18}")


def record_id(text: str) -> int | None:
    """A database id or Telegram user id from callback data or an argument: ASCII digits that fit in
    SQLite's 64-bit INTEGER. ``str.isdigit`` would pass "²" (which int() rejects) and 56 digits."""
    return int(text) if _ID.fullmatch(text) else None
