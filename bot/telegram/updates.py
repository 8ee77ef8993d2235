"""How updates enter the application: a bounded queue and an Application that keeps no per-chat sets.

PTB's fetcher makes one task per update as fast as the queue yields them; a burst of 10,000 updates
became 10,000 waiting tasks, and the memory they took was not given back to the system after the
burst (RSS 153 MB at 10,000 sessions). The queue below yields an update only while fewer than
``in_flight`` are being handled, and a full queue makes the Updater (or the webhook) wait, so updates
wait at Telegram instead of in our memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ExtBot, Job
from telegram.request import BaseRequest

from bot.logs import fault

from . import metrics

log = logging.getLogger(__name__)
START_RETRY_FIRST, START_RETRY_MOST = 1.0, 60.0  # seconds between tries of getMe at start: doubling, capped
DEFAULT_NONE: Any = BaseRequest.DEFAULT_NONE
JSONDict = dict[str, Any]


class BoundedUpdateQueue(asyncio.Queue):  # type: ignore[type-arg]
    def __init__(self, in_flight: int, maxsize: int) -> None:
        super().__init__(maxsize)
        self._slots = asyncio.Semaphore(in_flight)

    async def get(self) -> Any:
        # PTB calls task_done() when an update's handling ends (and for its stop signal), which frees
        # the slot taken here.
        await self._slots.acquire()
        try:
            return await super().get()
        except BaseException:
            self._slots.release()
            raise

    def task_done(self) -> None:
        super().task_done()
        self._slots.release()


class BotApplication(Application):  # type: ignore[type-arg]
    """Without persistence, PTB still adds every chat and user id it sees to two sets that only a
    persistence run empties: one entry per citizen for ever. We keep all state in SQLite."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)

    async def initialize(self) -> None:
        """Start-up waits for Telegram instead of exiting: a network that is down when the service
        starts (a reboot, a proxy not up yet) costs a few warnings, not a restart loop of tracebacks.
        A wrong token still ends the start at once (InvalidToken is not a NetworkError)."""
        delay = START_RETRY_FIRST
        while True:
            try:
                await self.bot.initialize()  # getMe; the Application's own initialize does not ask again
                break
            except NetworkError as exc:
                if isinstance(exc, BadRequest):
                    raise
                log.warning(
                    "Telegram could not be reached at start (%s); trying again in %.0f s",
                    metrics.error_kind(exc),
                    delay,
                    extra=fault(exc),
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY_MOST)
        await super().initialize()

    async def process_update(self, update: object) -> None:
        """Every update counted and timed for /metrics, whichever handler takes it."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
            metrics.UPDATES.labels(metrics.chat_kind(update)).inc()


class _NoUpdateDump(logging.Filter):
    """PTB logs a batch it cannot parse at CRITICAL with its whole content (citizens' words): drop that
    record; ``ReadableBot`` logs the update's id instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


for _name in ("telegram.Bot", "telegram.ext.ExtBot"):
    logging.getLogger(_name).addFilter(_NoUpdateDump())


class ReadableBot(ExtBot[Any]):
    """A bot whose long polling survives an update PTB cannot parse.

    PTB parses a whole getUpdates batch at once; one update it cannot read (a ``from`` without
    ``first_name``, a field of a newer Bot API) failed the batch, the same batch came back at the
    next call, and polling ended for good while the batch was logged at CRITICAL tens of thousands
    of times. Here such a batch is read again update by update, and an unreadable one becomes an
    empty update with its id: no handler takes it, and the offset moves past it.
    """

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | timedelta | None = None,  # noqa: ASYNC109  # the Bot API's long-poll timeout, as PTB names it
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        try:
            return await super().get_updates(
                offset,
                limit,
                timeout,
                allowed_updates,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
                api_kwargs=api_kwargs,
            )
        except TelegramError:
            raise
        except Exception:  # a parse failure of any kind: read the batch one by one
            log.warning("a batch of updates could not be read as a whole; reading it one by one")
        # The batch is still at Telegram: it is confirmed only by the next call's offset.
        data: JSONDict = {"offset": offset, "limit": limit, "timeout": 0, "allowed_updates": allowed_updates}
        raw = await self._post("getUpdates", data, read_timeout=read_timeout, connect_timeout=connect_timeout)
        updates = []
        for item in raw if isinstance(raw, list) else []:
            try:
                update = Update.de_json(item, self)
            except Exception:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int):
                    continue
                log.warning("an update could not be read and was skipped", extra={"update_id": update_id})
                update = Update(update_id)
            self.insert_callback_data(update)
            updates.append(update)
        return tuple(updates)
