"""Structured log lines: one JSON object, the handler's extra fields, and an exception's type only."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, fault


def record(**extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("bot.telegram.citizen", logging.INFO, "x.py", 1, "quick exit", (), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_a_line_is_one_json_object_with_the_extra_fields() -> None:
    line = JsonFormatter().format(record(deleted=7, chat="private"))
    entry = json.loads(line)
    assert entry["msg"] == "quick exit" and entry["level"] == "INFO" and entry["logger"] == "bot.telegram.citizen"
    assert entry["deleted"] == 7 and entry["chat"] == "private"
    assert "\n" not in line and "args" not in entry and "pathname" not in entry


def test_an_exception_is_logged_by_its_type_not_its_message() -> None:
    try:
        raise ValueError("the citizen wrote: Zarmeena, 03001234567")
    except ValueError:
        rec = logging.LogRecord("bot", logging.ERROR, "x.py", 1, "handler failed", (), None)
        import sys

        rec.exc_info = sys.exc_info()
    line = JsonFormatter().format(rec)
    assert json.loads(line)["error"] == "ValueError"
    assert "Zarmeena" not in line and "0300" not in line


def test_a_fault_names_our_line_the_library_line_and_the_cause_but_never_the_message() -> None:
    def ours() -> None:
        try:
            json.loads("{not json: Zarmeena}")  # the innermost frame is in the json library
        except ValueError as exc:
            raise RuntimeError("could not read Zarmeena's answer") from exc

    try:
        ours()
    except RuntimeError as exc:
        found = fault(exc)
    assert found["error"] == "RuntimeError" and found["cause"] == "JSONDecodeError"
    assert found["where"] == f"tests/test_logs.py:{ours.__code__.co_firstlineno + 4} in ours"
    assert "origin" not in found  # the RuntimeError itself was raised in our line
    try:
        json.loads("{not json}")
    except ValueError as exc:
        library = fault(exc)
    assert library["origin"].startswith("json/") and library["where"].startswith("tests/test_logs.py:")
    assert "Zarmeena" not in json.dumps(found)
