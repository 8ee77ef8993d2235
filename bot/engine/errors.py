"""Faults of the flow engine. Bad citizen input is never an exception (see ``outcome``).

EngineError
├── FlowLoadError        a flow file cannot be loaded; carries every located LoadProblem
└── SessionError         a stored session does not fit its flow (corrupt or from another flow)

A flow file is typed by an admin and may be hostile, so what a problem quotes from it is cut short
(``clip``) and a long list of problems is summarised (``listed``): forty 10,000-character step ids
once made ninety Telegram messages (issue 20, finding 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUOTED = 40  # characters of an admin's value quoted in a message
MAX_MESSAGE = 300  # characters of one problem's message, whatever it quotes
MAX_PATH = 120
MAX_LISTED = 20  # problems listed before "… and K more"


def clip(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr(value)``, cut to about ``limit`` characters: ``'aaaaaa…' (10000 characters)``."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[: limit - 1] + '…'!r} ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """One located reason a flow cannot load, e.g. ``steps[4].next: unknown step 'reveiw' (line 57)``."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        prefix = f"{_cut(self.path, MAX_PATH)}: " if self.path else ""
        return f"{prefix}{_cut(self.message, MAX_MESSAGE)}{where}"


def listed(problems: Sequence[object], limit: int = MAX_LISTED) -> list[str]:
    """The first ``limit`` problems as lines, then one line for the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    return lines


class EngineError(Exception):
    """Base of every fault raised by ``bot.engine``."""


class FlowLoadError(EngineError):
    def __init__(self, problems: list[LoadProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(listed(problems)))


class SessionError(EngineError):
    """A session names a step or state its flow does not have."""
