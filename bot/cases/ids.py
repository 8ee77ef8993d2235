"""How a chat is named: ``tg:<id>`` as the store keys conversations and reports, ``chat:<id>`` or
``queue:<key>`` as the outbox addresses a delivery. This module alone builds and reads those strings."""

from __future__ import annotations

CHAT_KEY_PREFIX = "tg:"  # a Telegram chat; other prefixes are chats of other adapters (the console's)
CHAT_TARGET, QUEUE_TARGET = "chat:", "queue:"


def chat_key(chat_id: int) -> str:
    """The store's key of a Telegram chat."""
    return f"{CHAT_KEY_PREFIX}{chat_id}"


def chat_of_key(key: str | None) -> int | None:
    """The Telegram chat id of a store key; None for an anonymous report or another adapter's chat."""
    if key is None or not key.startswith(CHAT_KEY_PREFIX):
        return None
    try:
        return int(key.removeprefix(CHAT_KEY_PREFIX))
    except ValueError:
        return None


def chat_target(chat_id: int) -> str:
    """The outbox target of a private or group chat."""
    return f"{CHAT_TARGET}{chat_id}"


def queue_target(queue: str) -> str:
    """The outbox target of a focal queue: resolved to its group when sent, so a re-bound queue still gets it."""
    return f"{QUEUE_TARGET}{queue}"


def target_of_key(key: str | None) -> str | None:
    """Where deliveries to the chat of a store key go; None where nothing can be delivered."""
    chat_id = chat_of_key(key)
    return chat_target(chat_id) if chat_id is not None else None


def parse_target(target: str) -> tuple[str, str]:
    """("chat", id) or ("queue", key) of an outbox target; ValueError for anything else."""
    kind, sep, rest = target.partition(":")
    if not sep or kind not in ("chat", "queue") or not rest:
        raise ValueError(f"not an outbox target: {target!r}")
    return kind, rest
