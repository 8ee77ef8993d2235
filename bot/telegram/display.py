"""The last step of every Bot API call: Urdu texts made bidi-safe (``bot.bidi``) as they leave.

Applied in the transport (``http.AiohttpRequest``) so that every user-visible text is covered, however
it was built: a citizen's question, a receipt from the courier, an officer's card, an admin's
reply, a button, a menu description, a toast. Only Urdu lines change; the fields are PTB's own
encoding (strings as they are, everything else JSON).
"""

from __future__ import annotations

import json
from typing import Any

from bot.bidi import has_urdu, isolate, isolate_html

_TEXT_FIELDS = ("text", "caption")
_JSON_FIELDS = ("reply_markup", "commands")


def for_bot_api(fields: dict[str, str]) -> dict[str, str]:
    """``fields`` with their user-visible Urdu texts isolated; untouched when they hold no Urdu."""
    if not any(name in fields for name in (*_TEXT_FIELDS, *_JSON_FIELDS)):
        return fields  # getUpdates, answerCallbackQuery without text, deleteMessage…
    out = dict(fields)
    html = fields.get("parse_mode", "").upper() == "HTML"
    for name in _TEXT_FIELDS:
        if name in out and has_urdu(out[name]):
            out[name] = isolate_html(out[name]) if html else isolate(out[name])
    for name in _JSON_FIELDS:
        # PTB writes JSON with \u escapes: the Urdu shows only once the field is read back.
        if name in out and ("\\u06" in out[name] or has_urdu(out[name])):
            decoded = json.loads(out[name])
            out[name] = json.dumps(_labels(decoded), ensure_ascii=False, separators=(",", ":"))
    return out


def _labels(value: Any) -> Any:
    """Button texts and command descriptions, wherever they sit in a keyboard or a command list."""
    if isinstance(value, list):
        return [_labels(item) for item in value]
    if isinstance(value, dict):
        return {
            k: (isolate(v) if k in ("text", "description") and isinstance(v, str) else _labels(v))
            for k, v in value.items()
        }
    return value
