"""Structured logs: one JSON object per line, with the fields handlers pass in ``extra``.

Only counts, kinds and identifiers of our own (never report contents, names, phone numbers or links)
go into a record at INFO; the planted-data test in tests/e2e/test_privacy_e2e.py holds us to that.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) else str(value)
        if record.exc_info and record.exc_info[1] is not None:
            entry.update(fault(record.exc_info[1]))
        return json.dumps(entry, ensure_ascii=False)


def fault(exc: BaseException) -> dict[str, str]:
    """Where an exception happened, for an operator reading the log: its type, the innermost line of
    ours it passed through (``where``), the innermost line of all (``origin``, often in a library), and
    the exception it was raised from. Never its message or locals: those may quote what a citizen wrote."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if _is_ours(f.filename)]
    found: dict[str, str] = {"error": type(exc).__name__}
    if ours:
        found["where"] = _line(ours[-1])
    if frames and (not ours or frames[-1] is not ours[-1]):
        found["origin"] = _line(frames[-1])
    cause = exc.__cause__ if exc.__cause__ is not None else None if exc.__suppress_context__ else exc.__context__
    if cause is not None:
        found["cause"] = type(cause).__name__
    return found


def _is_ours(filename: str) -> bool:
    """A file of this project (its package, its tests), not of an installed library."""
    return filename.startswith(str(ROOT)) and "site-packages" not in filename


def _line(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    shown = path.relative_to(ROOT) if _is_ours(frame.filename) else Path(*path.parts[-2:])
    return f"{shown}:{frame.lineno} in {frame.name}"


class Redact(logging.Filter):
    """Replaces secrets (the bot token, the webhook secret) wherever a record would print them.

    python-telegram-bot logs the Bot API URL, which holds the token, at DEBUG ("Set Bot API URL"),
    and a transport error's text or traceback may hold it too: a log shipped to a collector must not
    be a way to take over the bot.
    """

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self._clean(record.getMessage()), None
            if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
                record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


def configure(level: str, fmt: str, secrets: Sequence[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(Redact(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
