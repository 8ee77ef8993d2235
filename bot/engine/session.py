"""A citizen's place in a flow, as plain data the store saves after every step.

Immutable: the runner returns a new session, so a failed store commit leaves the old one intact.
``answers`` maps a step id to its JSON value (str, list of str, list of link dicts) or ``None`` when
the citizen skipped it; a step never reached has no key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import SessionError

Answer = Any  # JSON: str | list[str] | list[dict[str, str]] | None

ACTIVE, SUBMITTING, COMPLETED, CANCELLED = "active", "submitting", "completed", "cancelled"
HISTORY_CAP = 30


@dataclass(frozen=True, slots=True)
class Session:
    flow_id: str
    revision: int
    lang: str
    step: str | None
    status: str = ACTIVE
    answers: Mapping[str, Answer] = field(default_factory=dict)
    history: tuple[str, ...] = ()  # asked steps, for /back; capped at HISTORY_CAP
    attempts: int = 0  # refused inputs at the current step
    editing: bool = False  # changing one answer from the review: return there afterwards
    draft: tuple[str, ...] = ()  # ticks of a multi-select not yet confirmed with Done
    vars: Mapping[str, str] = field(default_factory=dict)  # reference, pin, campaign tag…
    id: str = ""  # random per conversation: binds chat buttons to it, so an old button cannot act

    @property
    def finished(self) -> bool:
        return self.status in (COMPLETED, CANCELLED)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Session:
        try:
            data = json.loads(raw)
            data["history"] = tuple(data["history"])
            data["draft"] = tuple(data["draft"])
            return cls(**data)
        except (ValueError, KeyError, TypeError) as exc:
            raise SessionError(f"stored session is not readable: {exc}") from None
