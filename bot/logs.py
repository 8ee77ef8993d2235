"""Structured logs: one JSON object per line, with the fields handlers pass in ``extra``.

Only counts, kinds and identifiers of our own (never report contents, names, phone numbers or links)
go into a record at INFO; the planted-data test in tests/e2e/test_privacy_e2e.py holds us to that.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

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
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's message or traceback locals may quote what a citizen wrote.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


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
