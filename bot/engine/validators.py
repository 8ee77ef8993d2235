"""Checks on free-text answers. Each returns ``Valid(stored value)`` or ``Invalid(reason)``.

A check may also transform: ``phone`` stores E.164 (+923001234567) whatever the citizen typed, and
``date`` stores an ISO date of day, month or year precision, so officers read one format.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers

from .dates import parse_approx_date
from .model import ValidatorSpec
from .outcome import N_, Invalid, Outcome, Reason, Valid

TOO_SHORT = N_("Please write at least {min} characters.")
TOO_LONG = N_("This is too long: {length} characters. Please keep it under {max} characters.")
NO_MATCH = N_("This does not look right. Please check it and try again.")
NOT_NUMBER = N_("Please send a number, for example 12.")
OUT_OF_RANGE = N_("Please send a number from {min} to {max}.")
NOT_PHONE = N_("This does not look like a phone number. Please send it like 03001234567 or +923001234567.")


def check(spec: ValidatorSpec, text: str, today: date) -> Outcome[str]:
    kind, params = spec.kind, spec.params
    if kind == "length":
        return _length(text, _int(params.get("min")), _int(params.get("max")))
    if kind == "pattern":
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
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Invalid(Reason(NOT_PHONE))
    if not phonenumbers.is_valid_number(number):
        return Invalid(Reason(NOT_PHONE))
    return Valid(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
