"""The memory backend's outbox: the same states, order and receipt rules as the SQLite outbox.

A citizen's receipt holds her PIN in clear form, so, as in SQLite, its row is deleted once it is
sent or can never be; every other entry is kept with its final state. Claims carry a lease as in
the other backends, although one process owns these tables: the contract is the same everywhere.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from bot.store.records import DEAD, LEASE_SECONDS, PENDING, SENDING, SENT, Delivery, Outgoing

from .store import MemoryStore, OutboxRow

RECEIPT = "receipt"


class MemoryOutbox:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, items: Sequence[Outgoing]) -> None:
        self.store.tables.enqueue(items)

    async def due(self, now: float | None = None, limit: int = 5000) -> list[Delivery]:
        """Pending entries whose time has come, and claims whose lease ran out: priority first, then oldest."""
        now = time.time() if now is None else now
        rows = [
            row
            for row in self.store.tables.outbox.values()
            if (row.state == PENDING and row.not_before <= now) or _lapsed(row, now)
        ]
        rows.sort(key=lambda row: (not row.priority, row.id))
        return [_delivery(row) for row in (rows if limit < 0 else rows[:limit])]  # SQLite: a negative LIMIT is none

    async def next_due_at(self) -> float | None:
        return min((row.not_before for row in self.store.tables.outbox.values() if row.state == PENDING), default=None)

    async def mark_sending(self, ids: Sequence[int], owner: str = "", lease: float = LEASE_SECONDS) -> list[int]:
        """Claim the pending entries among ``ids``, and those whose lease ran out; returns the ids claimed."""
        now = time.time()
        outbox = self.store.tables.outbox
        claimed: list[int] = []
        for row_id in dict.fromkeys(ids):
            row = outbox.get(row_id)
            if row is None or not (row.state == PENDING or _lapsed(row, now)):
                continue
            row.state, row.owner, row.lease_until = SENDING, owner, now + lease
            row.attempts += 1
            claimed.append(row_id)
        return claimed

    async def mark_sent(self, ids: Sequence[int]) -> None:
        at = time.time()

        def sent(row: OutboxRow) -> None:
            row.state, row.sent_at, row.last_error = SENT, at, None

        self._set(ids, sent)

    async def retry(self, ids: Sequence[int], not_before: float, error: str) -> None:
        def again(row: OutboxRow) -> None:
            row.state, row.not_before, row.last_error = PENDING, not_before, error

        self._set(ids, again)

    async def release(self, ids: Sequence[int]) -> None:
        """Back to pending without counting an attempt (the worker took more than it could send)."""

        def back(row: OutboxRow) -> None:
            row.state = PENDING
            row.attempts = max(row.attempts - 1, 0)

        self._set(ids, back)

    async def mark_dead(self, ids: Sequence[int], error: str) -> None:
        def dead(row: OutboxRow) -> None:
            row.state, row.last_error = DEAD, error

        self._set(ids, dead)

    async def undelivered_receipt(self, target: str) -> Delivery | None:
        """The newest receipt for ``target`` that has not reached it (held, waiting or being retried)."""
        found = [
            row
            for row in self.store.tables.outbox.values()
            if row.kind == RECEIPT and row.target == target and row.state in (PENDING, SENDING)
        ]
        return _delivery(max(found, key=lambda row: row.id)) if found else None

    async def settle_receipt(self, dedupe_key: str, delivered: bool) -> None:
        """A held receipt was shown (the row goes, and the PIN with it) or could not be (the courier retries)."""
        outbox = self.store.tables.outbox
        for row in [row for row in outbox.values() if row.kind == RECEIPT and row.dedupe_key == dedupe_key]:
            if delivered:
                del outbox[row.id]
            elif row.state == SENDING:
                row.state, row.not_before = PENDING, time.time()
                row.owner = row.lease_until = None

    async def recover_in_flight(self) -> int:
        """At the courier's start-up: every entry left ``sending`` goes back to pending, running lease or
        not (as in SQLite: the tables belong to this one process). Returns how many."""
        in_flight = [row for row in self.store.tables.outbox.values() if row.state == SENDING]
        for row in in_flight:
            row.state = PENDING
            row.owner = row.lease_until = None
        return len(in_flight)

    async def sent_since(self, since: float) -> list[tuple[str, float]]:
        now = time.time()
        found: set[tuple[str, float]] = set()
        for row in self.store.tables.outbox.values():
            if row.state == SENT and row.sent_at is not None and row.sent_at >= since:
                found.add((row.target, row.sent_at))
            elif row.state == SENDING and row.lease_until is not None:
                claimed = row.lease_until - LEASE_SECONDS
                if since <= claimed <= now:
                    found.add((row.target, claimed))
        return sorted(found, key=lambda pair: (pair[1], pair[0]))

    async def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.store.tables.outbox.values():
            found[row.state] = found.get(row.state, 0) + 1
        return dict(sorted(found.items()))

    def _set(self, ids: Sequence[int], change: Callable[[OutboxRow], None]) -> None:
        """Change each listed entry once (as ``UPDATE … WHERE id IN``), ending its claim, then drop the
        receipts it finished."""
        outbox = self.store.tables.outbox
        for row_id in dict.fromkeys(ids):
            row = outbox.get(row_id)
            if row is None:
                continue
            change(row)
            row.owner = row.lease_until = None
            if row.kind == RECEIPT and row.state in (SENT, DEAD):
                del outbox[row_id]


def _lapsed(row: OutboxRow, now: float) -> bool:
    """A claim (or hold) whose lease ran out before ``now``: its instance died, the entry is free."""
    return row.state == SENDING and row.lease_until is not None and row.lease_until < now


def _delivery(row: OutboxRow) -> Delivery:
    return Delivery(
        id=row.id,
        kind=row.kind,
        target=row.target,
        dedupe_key=row.dedupe_key,
        report_id=row.report_id,
        priority=row.priority,
        payload=json.loads(row.payload),
        attempts=row.attempts,
        created_at=row.created_at,
    )
