"""What a citizen's turn learns after its step is stored, written in batches rather than once per turn.

A turn's one durable write is its engine step (with the chat's state, in one transaction), made
before the reply is sent, so that the citizen never sees a question the database does not hold. The
reply's message ids (for /exit to delete), the message now carrying the question, and the receipt
shown are known only once the reply has gone. They are kept here and written for every chat at once,
every ``FLUSH_SECONDS`` and at shutdown: one transaction for a second's worth of turns, instead of a
second fsync that every press would wait for.

The next turn of the same chat takes its chat's entry out (``take``) and puts it back when it ends
(``keep``), so a batch never writes a chat while a turn of it is under way. Where several instances
share the database, nothing is deferred (see ``deferred``). A crash loses at most
the last batch: /exit then cannot delete the last second's messages, and a held receipt is sent
again by the courier; neither loses a report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

from bot.cases.receipts import Receipts
from bot.logs import fault
from bot.store.ports import Sessions
from bot.store.records import ChatState

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5


@dataclass(slots=True)
class Bookkeeping:
    """A chat's state as its last turn left it, and the message ids not yet written."""

    state: ChatState
    remember: list[int] = field(default_factory=list)
    sent_at: float = 0.0


class Ledger:
    def __init__(
        self, sessions: Sessions, receipts: Receipts, *, deferred: bool = True, interval: float = FLUSH_SECONDS
    ) -> None:
        self.sessions = sessions
        self.receipts = receipts
        # Deferred only where this process alone serves the database. Instances sharing one (PostgreSQL)
        # hand a chat's next update to whichever gets it: that one must find the question's message
        # stored, or it edits an older one. Then each turn writes its bookkeeping before its lock goes.
        self.deferred = deferred
        self.interval = interval
        self._pending: dict[int, Bookkeeping] = {}
        self._shown: list[str] = []  # receipts the citizen has seen: their PINs leave the outbox
        self.batches = 0  # for the benchmarks: how many writes the bookkeeping of many turns took

    def __len__(self) -> int:
        return len(self._pending)

    def take(self, chat_id: int) -> Bookkeeping | None:
        """The chat's unwritten bookkeeping, handed to the turn that starts (it holds the chat's lock)."""
        return self._pending.pop(chat_id, None)

    async def keep(self, chat_id: int, entry: Bookkeeping) -> None:
        """The chat's bookkeeping as its turn ends: written with the next batch or, not deferred, now."""
        self._pending[chat_id] = entry
        if not self.deferred:
            await self.flush()

    def shown(self, receipt: str) -> None:
        """A receipt reached the citizen: its held copy (with the PIN) is deleted with the next batch."""
        self._shown.append(receipt)

    async def flush(self) -> None:
        """Write everything kept so far: the writes are handed in together, so they share one commit."""
        pending, self._pending = self._pending, {}
        shown, self._shown = self._shown, []
        if not pending and not shown:
            return
        chats = list(pending.items())
        writes: list[Awaitable[None]] = [
            self.sessions.save_chat_state(entry.state, remember=entry.remember, sent_at=entry.sent_at)
            for _, entry in chats
        ]
        writes += [self.receipts.settle(key, True) for key in shown]
        results = await asyncio.gather(*writes, return_exceptions=True)
        self.batches += 1
        failed = 0
        for (chat_id, entry), result in zip(chats, results, strict=False):
            if isinstance(result, Exception):
                failed += 1
                # Kept for the next batch, unless a newer turn of that chat has already put its own.
                self._pending.setdefault(chat_id, entry)
        for key, result in zip(shown, results[len(chats) :], strict=True):
            if isinstance(result, Exception):
                failed += 1
                self._shown.append(key)
        if failed:
            first = next(r for r in results if isinstance(r, Exception))
            log.error("chat bookkeeping not written; tried again", extra={**fault(first), "writes": failed})

    async def run(self) -> None:
        """Flush every ``interval`` until cancelled; the last flush is the caller's (``close``)."""
        while True:
            await asyncio.sleep(self.interval)
            with contextlib.suppress(Exception):  # logged by flush; the loop must go on
                await self.flush()

    async def close(self) -> None:
        """Write what is left, at shutdown, before the store closes."""
        await self.flush()
