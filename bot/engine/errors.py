"""Faults of the flow engine. Bad citizen input is never an exception (see ``outcome``).

EngineError
├── FlowLoadError        a flow file cannot be loaded; carries every located LoadProblem
└── SessionError         a stored session does not fit its flow (corrupt or from another flow)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """One located reason a flow cannot load, e.g. ``steps[4].next: unknown step 'reveiw' (line 57)``."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        prefix = f"{self.path}: " if self.path else ""
        return f"{prefix}{self.message}{where}"


class EngineError(Exception):
    """Base of every fault raised by ``bot.engine``."""


class FlowLoadError(EngineError):
    def __init__(self, problems: list[LoadProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SessionError(EngineError):
    """A session names a step or state its flow does not have."""
