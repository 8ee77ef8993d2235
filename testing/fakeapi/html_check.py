"""Telegram's HTML parse mode, as strictly as Telegram applies it: the text a reader sees, or an error.

Telegram refuses unknown or unbalanced tags and any bare ``<``, ``>`` or ``&`` that is not part of a
tag or entity; a bot that forgets to escape user text fails exactly here.
"""

from __future__ import annotations

import html
import re

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]")


class EntityError(Exception):
    pass


def visible_text(source: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for match in TOKEN.finditer(source):
        out.append(source[position : match.start()])
        position = match.end()
        token = match.group(0)
        if match.group(2):
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in ALLOWED:
                raise EntityError(f'Unsupported start tag "{name}" at byte offset {match.start()}')
            if closing:
                if not stack or stack[-1] != name:
                    raise EntityError(f'Unmatched end tag at byte offset {match.start()}, expected "</{name}>"')
                stack.pop()
            else:
                stack.append(name)
        elif match.group(4):
            out.append(html.unescape(token))
        else:
            raise EntityError(f"Character '{token}' is reserved and must be escaped (byte offset {match.start()})")
    out.append(source[position:])
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
