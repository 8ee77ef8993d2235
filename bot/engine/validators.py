r"""Checks on free-text answers. Each returns ``Valid(stored value)`` or ``Invalid(reason)``.

A check may also transform: ``phone`` stores E.164 (+923001234567) whatever the citizen typed, and
``date`` stores an ISO date of day, month or year precision, so officers read one format.

An admin's ``pattern`` runs in Python's backtracking ``re`` on the event loop, so a pattern that
backtracks catastrophically freezes every chat: ``(a+)+`` against 29 × "a" + "!" took 18 s (issue
20, finding 6). ``re`` has no time limit and the ``regex`` package's timeout would be one more
dependency, so the loader refuses such patterns instead (``pattern_problem``, a load error that
blocks publishing). It reads the tree of Python's own regex parser and is conservative rather than
clever; it refuses:

- a pattern longer than ``MAX_PATTERN_CHARS``, back-references and conditionals;
- any repeat of variable count inside a repeated group, e.g. ``(a+)+``, ``(a*)*``, ``(\w+\s?)+``
  (a repeat of fixed count, as in ``(\d{3}-)+``, is only shorthand and stays allowed);
- alternatives inside a repeated group unless each is plain text starting with its own letter:
  ``(cat|dog)+`` is allowed; ``(a|a)*`` and ``(a|aa)+`` are not;
- patterns whose repeats and optional parts, one after another, leave more than
  ``PATTERN_BUDGET`` ways to split an answer (``\w*\w*\w*\w*!``, ``a?`` × 21 then ``a`` × 21).

What is left backtracks at most polynomially, and ``check`` runs a pattern only on answers of up to
``MAX_PATTERN_INPUT`` characters (longer ones are refused as too long), which bounds that too: the
worst allowed pattern takes some 40 ms on a 200-character answer (``bench/attack_flow_files.py``).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import date
from math import comb
from typing import Any

from .dates import parse_approx_date
from .model import ValidatorSpec
from .outcome import N_, Invalid, Outcome, Reason, Valid

TOO_SHORT = N_("Please write at least {min} characters.")
TOO_LONG = N_("This is too long: {length} characters. Please keep it under {max} characters.")
NO_MATCH = N_("This does not look right. Please check it and try again.")
NOT_NUMBER = N_("Please send a number, for example 12.")
OUT_OF_RANGE = N_("Please send a number from {min} to {max}.")
NOT_PHONE = N_("This does not look like a phone number. Please send it like 03001234567 or +923001234567.")

MAX_PATTERN_CHARS = 200
MAX_PATTERN_INPUT = 200  # a pattern checks a code, an id or a number; free text has ``length``
PATTERN_BUDGET = 2_000_000  # ways to split an answer among a pattern's repeats: about 40 ms at worst

# Python's own regex parser (``sre_parse`` before 3.11, which now warns when imported).
_sre = importlib.import_module("re._parser")
_op = importlib.import_module("re._constants")
_REPEATS = {_op.MAX_REPEAT, _op.MIN_REPEAT, _op.POSSESSIVE_REPEAT}
_GROUPS = {_op.SUBPATTERN, _op.ASSERT, _op.ASSERT_NOT}
_NESTED = "a repeated group contains another repeat, like (a+)+ or (\\w+\\s?)+; write it without the inner repeat"
_OVERLAP = (
    "a repeated group has alternatives that could match the same text, like (a|aa)+; use a character class "
    "such as [ab]+, or alternatives that each start with a different letter"
)


def check(spec: ValidatorSpec, text: str, today: date) -> Outcome[str]:
    kind, params = spec.kind, spec.params
    if kind == "length":
        return _length(text, _int(params.get("min")), _int(params.get("max")))
    if kind == "pattern":
        if len(text) > MAX_PATTERN_INPUT:
            return Invalid(Reason(TOO_LONG, {"length": len(text), "max": MAX_PATTERN_INPUT}))
        if re.fullmatch(str(params.get("regex", "")), text):
            return Valid(text)
        return Invalid(Reason(NO_MATCH))
    if kind == "number":
        return _number(text, params.get("min"), params.get("max"))
    if kind == "phone":
        return _phone(text, str(params.get("region", "PK")))
    if kind == "date":
        parsed = parse_approx_date(text, today)
        return parsed if isinstance(parsed, Invalid) else Valid(parsed.value.iso)
    raise ValueError(f"unknown validator kind {kind!r}")  # the loader admits only known kinds


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _length(text: str, minimum: int | None, maximum: int | None) -> Outcome[str]:
    if minimum is not None and len(text) < minimum:
        return Invalid(Reason(TOO_SHORT, {"min": minimum}))
    if maximum is not None and len(text) > maximum:
        return Invalid(Reason(TOO_LONG, {"length": len(text), "max": maximum}))
    return Valid(text)


def _number(text: str, minimum: object, maximum: object) -> Outcome[str]:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return Invalid(Reason(NOT_NUMBER))
    low = float(minimum) if isinstance(minimum, int | float) else float("-inf")
    high = float(maximum) if isinstance(maximum, int | float) else float("inf")
    if not low <= value <= high:
        return Invalid(Reason(OUT_OF_RANGE, {"min": str(minimum), "max": str(maximum)}))
    return Valid(str(int(value)) if value.is_integer() else str(value))


def _phone(text: str, region: str) -> Outcome[str]:
    # Imported at the first phone number, not at start: its metadata takes ~30 ms no first reply needs.
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Invalid(Reason(NOT_PHONE))
    if not phonenumbers.is_valid_number(number):
        return Invalid(Reason(NOT_PHONE))
    return Valid(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


class _Unsafe(Exception):
    pass


@dataclass
class _Tally:
    repeats: int = 0  # of variable count, outside repeated groups
    tangled: bool = False  # alternatives or lookarounds add ways the split count below misses


def pattern_problem(regex: str) -> str | None:
    """Why ``regex`` must not be published (it is not a regular expression, or it could backtrack
    catastrophically), or None. See the module docstring for what is refused."""
    if len(regex) > MAX_PATTERN_CHARS:
        return f"the pattern has {len(regex)} characters; the limit is {MAX_PATTERN_CHARS}"
    try:
        re.compile(regex)
        tree = _sre.parse(regex)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return f"bad regular expression: {exc}"
    tally = _Tally()
    try:
        ways = _ways(list(tree), False, tally)
    except _Unsafe as exc:
        return f"this pattern could freeze the bot: {exc}"
    if not tally.tangled:
        # k repeats share at most MAX_PATTERN_INPUT characters: C(n + k, k) ways, far fewer than the product
        # of their ranges when they are unbounded (three `\w*` in a row: 1.4 million, not 8.1).
        ways = min(ways, comb(MAX_PATTERN_INPUT + tally.repeats, tally.repeats))
    if ways > PATTERN_BUDGET:
        return (
            f"this pattern could freeze the bot: its repeats and optional parts (* + ? {{m,n}}) can split a "
            f"{MAX_PATTERN_INPUT}-character answer in about {ways:.2g} ways (the limit is {PATTERN_BUDGET:.2g}); "
            "use fewer of them, or make them match different characters"
        )
    return None


def _ways(items: list[tuple[Any, Any]], repeated: bool, tally: _Tally) -> int:
    """How many ways ``items`` can split an answer (at most), or ``_Unsafe``; ``repeated`` means they
    are inside a group that repeats, where only one way is allowed."""
    total = 1
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            if repeated and low != high:
                raise _Unsafe(_NESTED)
            tally.repeats += low != high and not repeated
            if high > 1:
                _ways(list(body), True, tally)
                total *= max(1, min(high, MAX_PATTERN_INPUT) - min(low, MAX_PATTERN_INPUT) + 1)
            else:
                total *= _ways(list(body), repeated, tally) * (2 if low != high else 1)
        elif op is _op.ATOMIC_GROUP:
            total *= _ways(list(arg), repeated, tally)
        elif op in _GROUPS:  # (group, flags, flags, body) or (direction, body)
            tally.tangled |= op is not _op.SUBPATTERN
            total *= _ways(list(arg[-1]), repeated, tally)
        elif op is _op.BRANCH:
            alternatives = [list(a) for a in arg[1]]
            if repeated:
                _distinct_literals(alternatives)
            else:
                tally.tangled = True
                total *= sum(_ways(a, False, tally) for a in alternatives)
        elif op in (_op.GROUPREF, _op.GROUPREF_EXISTS):
            raise _Unsafe("back-references like \\1 and conditionals like (?(1)…) are not allowed")
    return total


def _distinct_literals(alternatives: list[list[tuple[Any, Any]]]) -> None:
    firsts: set[str] = set()
    for alternative in alternatives:
        if not alternative or any(op is not _op.LITERAL for op, _ in alternative):
            raise _Unsafe(_OVERLAP)
        first = chr(alternative[0][1])
        forms = {first, first.lower(), first.upper(), first.casefold()}
        if forms & firsts:
            raise _Unsafe(_OVERLAP)
        firsts |= forms
