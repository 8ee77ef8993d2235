"""A handler that fails answers in its own role's chat, and the log says where it failed.

Each handler is registered wrapped by ``answering(role, reply)``: a citizen's failed turn gets the
citizen's apology in her chat, an officer's failed press or command gets a short line in the queue
group (or the press's alert), an admin's in the admin's chat; never one role's words in another's.
The log entry carries the exception's type and the file:line it came from (``bot.logs.fault``), never
its message, which may quote what a citizen typed. Errors outside any handler (polling, jobs) are
logged by ``on_unhandled`` only: nobody is waiting for an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.logs import fault

from . import metrics
from .guard import Handler

log = logging.getLogger(__name__)

# The exception itself rides on the log record for observers in this process (a test harness); the JSON
# formatter leaves out attributes starting with "_", and no formatter prints it: its message may quote
# what a citizen typed.
FAULT_ATTRIBUTE = "_fault"
UNHANDLED = "unhandled fault"


def answering(role: str, reply: Handler) -> Callable[[Handler], Handler]:
    """Wrap a handler of ``role``: on a fault, log where, then ``reply`` in the chat it came from."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            try:
                await handler(update, context)
            except ApplicationHandlerStop:
                raise
            except Exception as exc:
                metrics.HANDLER_ERRORS.labels(role).inc()
                where = {"role": role, "handler": _name(handler), FAULT_ATTRIBUTE: exc, **fault(exc)}
                log.error("%s handler failed", role, extra=where)
                try:
                    await reply(update, context)
                except Exception as again:  # the apology failing too must not hide the first fault
                    log.error("%s could not be told of the fault", role, extra={"role": role, **fault(again)})

        return guarded

    return wrap


async def on_unhandled(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's error handler: what no handler caught (a polling round, a job). Nobody to answer."""
    error = context.error
    if error is None:
        return
    if isinstance(error, NetworkError) and update is None:
        # Polling retries by itself; one line a round, not an error: no handler failed.
        log.warning("Telegram could not be reached; retrying", extra=fault(error))
        return
    metrics.HANDLER_ERRORS.labels("background").inc()
    log.error(UNHANDLED, extra={FAULT_ATTRIBUTE: error, **fault(error)})


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", getattr(handler, "__name__", "?"))
