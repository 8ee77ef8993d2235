"""What an operator's dashboard reads: counters kept as the bot works, and gauges read from the store
when ``GET /metrics`` is scraped (status.py), in Prometheus' text format (prometheus_client).

No label carries a chat id, a name or anything a citizen typed: destinations are queue keys or "chat",
roles are citizen, officer, admin or background.

Counters live in one registry for the process (a process runs one bot); tests compare before and after.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.store.records import Operational

# The *_created series double every counter's lines and no dashboard here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("bot_updates", "Updates handled, by the chat they came from", ["chat"], registry=REGISTRY)
UPDATE_SECONDS = Histogram(
    "bot_update_seconds",
    "Seconds from an update's turn starting to its handlers ending (waits for the chat's lock included)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter("bot_handler_errors", "Handlers that failed, by role", ["role"], registry=REGISTRY)
API_ERRORS = Counter("bot_api_errors", "Bot API calls that failed, by kind", ["kind"], registry=REGISTRY)
API_PAUSES = Counter("bot_api_retry_after", "429 answers from Telegram (Retry-After)", registry=REGISTRY)
API_LAST_SUCCESS = Gauge(
    "bot_api_last_success_timestamp_seconds", "When a Bot API call last succeeded (Unix time)", registry=REGISTRY
)
DELIVERIES = Gauge(
    "bot_deliveries",
    "Outbox entries by destination (a queue, or chat for citizens and admins) and state (pending, sending, sent, "
    "failed, dead)",
    ["destination", "state"],
    registry=REGISTRY,
)
OVERDUE = Gauge(
    "bot_cases_overdue_unclaimed",
    "Unclaimed cases past their claim time (SLA_MINUTES), by queue",
    ["queue"],
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "bot_delivery_failures",
    "Sends of outbox entries that failed, by destination and outcome (retry: back in the queue; dead: given up)",
    ["destination", "outcome"],
    registry=REGISTRY,
)
SESSIONS = Gauge("bot_sessions_open", "Reports being written (unfinished conversations)", registry=REGISTRY)
STORE_UP = Gauge("bot_store_up", "1 when the database answered the last scrape, else 0", registry=REGISTRY)
BACKUP_LAST = Gauge(
    "bot_backup_last_success_timestamp_seconds", "When a scheduled backup last succeeded (Unix time)", registry=REGISTRY
)
BACKUP_FAILURES = Counter("bot_backup_failures", "Scheduled backups that failed", registry=REGISTRY)
STARTED = Gauge("bot_start_time_seconds", "When this process started (Unix time)", registry=REGISTRY)

# Every role and kind reads 0 from the start: a dashboard's rate() needs the series before the first error.
for _role in ("citizen", "officer", "admin", "background"):
    HANDLER_ERRORS.labels(_role)
for _kind in ("retry_after", "forbidden", "bad_request", "timeout", "network", "other"):
    API_ERRORS.labels(_kind)

_last_success = 0.0


def api_succeeded() -> None:
    global _last_success
    _last_success = time.time()
    API_LAST_SUCCESS.set(_last_success)


def seconds_since_api_success() -> float | None:
    """None before the first successful call."""
    return time.time() - _last_success if _last_success else None


def api_failed(error: BaseException) -> None:
    API_ERRORS.labels(error_kind(error)).inc()
    if isinstance(error, RetryAfter):
        API_PAUSES.inc()


def error_kind(error: BaseException) -> str:
    """A short, fixed name per kind of failure (PTB's BadRequest and TimedOut are NetworkErrors too)."""
    if isinstance(error, RetryAfter):
        return "retry_after"
    if isinstance(error, Forbidden):
        return "forbidden"
    if isinstance(error, BadRequest):
        return "bad_request"
    if isinstance(error, TimedOut):
        return "timeout"
    if isinstance(error, NetworkError):
        return "network"
    return "other"


def chat_kind(update: object) -> str:
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None:
        return "none"
    return "private" if chat.type == ChatType.PRIVATE else "group"


def destination(target: str) -> str:
    """An outbox target as a label: the queue's key, or "chat" (never a chat id)."""
    kind, _, value = target.partition(":")
    return value if kind == "queue" else "chat"


def failures() -> int:
    """Failed sends counted since this process started (both outcomes, every destination)."""
    return int(sum(s.value for m in DELIVERY_FAILURES.collect() for s in m.samples if s.name.endswith("_total")))


def show(figures: Operational) -> None:
    """Set the gauges from the store's figures; a destination or queue that emptied reads 0, not stale."""
    DELIVERIES.clear()
    for (destination, state), count in figures.deliveries.items():
        DELIVERIES.labels(destination, state).set(count)
    OVERDUE.clear()
    for queue, count in figures.overdue.items():
        OVERDUE.labels(queue).set(count)
    SESSIONS.set(figures.sessions_open)
