"""Plain records the store reads and writes, independent of the backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    flow_id: str
    hash: str
    content: str
    author: str
    created_at: str


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    url: str
    platform: str


@dataclass(frozen=True, slots=True)
class NewReport:
    """A report as submitted. ``chat_key`` is None for anonymous reports (no way back to the sender)."""

    reference: str
    pin_hash: str
    flow_id: str
    revision_id: int
    chat_key: str | None
    language: str
    category: str | None
    province: str | None
    minor: bool
    answers: dict[str, Any]
    evidence: tuple[EvidenceLink, ...] = ()
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    reference: str
    pin_hash: str
    flow_id: str
    revision_id: int
    chat_key: str | None
    language: str
    category: str | None
    province: str | None
    minor: bool
    status: str
    answers: dict[str, Any]
    created_at: str
    evidence: tuple[EvidenceLink, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ChatState:
    """What the Telegram adapter remembers of a chat between updates (not report content)."""

    chat_key: str
    lang: str
    active: bool = True  # False once Telegram said the user blocked the bot
    last_update_id: int = 0  # updates at or below this were handled (Telegram redelivers after a crash)
    question_message_id: int | None = None  # the message holding the current question's buttons
