"""Fetching the files of adults' reports once, so the case holds its evidence and not only Telegram's reference.

A report's files are written waiting in its own transaction (``NewReport.files``; a child case never has
any, so nothing of a child's is ever fetched). The keeper takes waiting files under a lease (two instances
never fetch the same one), downloads each with getFile, hashes it (SHA-256), and stores it sealed with the
hash, in one transaction with its audit entry: the case's custody log. A file over the size limit, or
one Telegram no longer has, is marked failed with the reason; a passing fault leaves it for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.clock import now_iso
from bot.logs import fault
from bot.store.ports import EvidenceFiles
from bot.store.records import FILE_ATTEMPTS, AuditEntry, FileToFetch

log = logging.getLogger(__name__)

POLL_SECONDS = 30.0  # a look even when nobody woke it: leases run out, faults pass
BATCH = 4  # files per round: each holds up to the size limit in memory while it is hashed and sealed


class EvidenceKeeper:
    def __init__(self, files: EvidenceFiles, max_bytes: int, clock: Callable[[], float] = time.time) -> None:
        self.files, self.max_bytes, self.clock = files, max_bytes, clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A report (maybe with files) was stored: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, bot: Bot) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.fetch_round(bot) == BATCH:
                    pass  # more may be waiting
            except Exception as exc:  # the store or network failing must not end fetching for good
                log.error("evidence fetch round failed", extra=fault(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def fetch_round(self, bot: Bot) -> int:
        """Fetch the waiting files nobody holds, up to ``BATCH``; how many were taken."""
        taken = await self.files.to_fetch(self.clock(), limit=BATCH)
        for item in taken:
            await self._fetch(bot, item)
        return len(taken)

    async def _fetch(self, bot: Bot, item: FileToFetch) -> None:
        if item.size > self.max_bytes:
            await self._failed(item, f"over the {self.max_bytes // 1_000_000} MB limit ({item.size} bytes)")
            return
        try:
            handle = await bot.get_file(item.source)
            content = bytes(await handle.download_as_bytearray())
        except (BadRequest, Forbidden) as exc:  # Telegram will not give it: no point asking again
            await self._failed(item, f"Telegram refused it: {exc.message}")
            return
        except TelegramError as exc:  # a network fault or flood control: the next round tries again
            if item.attempts >= FILE_ATTEMPTS:
                await self._failed(item, f"still failing after {item.attempts} attempts: {type(exc).__name__}")
            else:
                log.warning("evidence file not fetched yet", extra={"report_id": item.report_id, **fault(exc)})
                await self.files.fail(item.id, type(exc).__name__, final=False)
            return
        if len(content) > self.max_bytes:
            await self._failed(item, f"over the {self.max_bytes // 1_000_000} MB limit ({len(content)} bytes)")
            return
        digest = hashlib.sha256(content).hexdigest()
        detail = f"{item.kind}, {len(content)} bytes, sha256 {digest}"
        entry = AuditEntry(now_iso(), None, "system", "file_kept", item.report_id, item.queue, True, detail)
        if await self.files.keep(item.id, content, digest, entry):
            log.info("evidence file kept", extra={"report_id": item.report_id, "bytes": len(content)})

    async def _failed(self, item: FileToFetch, why: str) -> None:
        entry = AuditEntry(now_iso(), None, "system", "file_failed", item.report_id, item.queue, False, why)
        await self.files.fail(item.id, why, entry, final=True)
        log.warning("evidence file not kept: %s", why, extra={"report_id": item.report_id})
