"""Bad user input is a value (``Valid | Invalid``), never an exception.

An ``Invalid`` carries a ``Reason``: an English gettext msgid plus parameters. The engine never
translates; the adapter looks the msgid up in the ``locales/`` catalogue of the citizen's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

ParamValue = str | int


def N_(msgid: str) -> str:
    """Mark ``msgid`` for ``pybabel extract`` without translating it here (the engine has no locale)."""
    return msgid


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an input was refused, as a catalogue msgid with ``str.format`` parameters."""

    msgid: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Valid(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: Reason


Outcome = Valid[T] | Invalid
