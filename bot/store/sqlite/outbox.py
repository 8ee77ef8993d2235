"""The durable outbox: deliveries to queues and citizens, written with the change they report.

An entry goes ``pending`` -> ``sending`` (just before the Bot API call) -> ``sent`` | ``dead``. A
citizen's receipt is written ``sending`` (the adapter shows it at once) and deleted once it is sent.
After a crash, entries still ``sending`` are the deliveries that were in flight: they are sent
again (Telegram may or may not have shown them), so a crash can duplicate at most those, and
loses none. A claim holds its entries for a lease, as in PostgreSQL (one contract), but one process
delivers from the file: at its start every claim found is a dead run's, and ``recover_in_flight``
takes them all back without waiting for their leases.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from bot.store.keyring import Keyring
from bot.store.records import DEAD, LEASE_SECONDS, PENDING, SENDING, SENT, Delivery, Outgoing

from .database import placeholders
from .rows import ENQUEUE, outbox_rows
from .store import SqliteStore

__all__ = ["DEAD", "PENDING", "SENDING", "SENT", "Outbox"]
_COLUMNS = "id, kind, target, dedupe_key, report_id, priority, payload, attempts, created_at"
# A claim (or a held receipt) whose lease ran out: its holder died, the entry is free again.
_LAPSED = "(state = 'sending' AND lease_until < ?)"
# Every change that ends a claim clears it.
_UNCLAIM = "owner = NULL, lease_until = NULL"


class Outbox:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.database = store.database

    async def add(self, items: Sequence[Outgoing]) -> None:
        rows = outbox_rows(items, self.store.keyring)
        await self.database.write(lambda conn: conn.executemany(ENQUEUE, rows))

    async def due(self, now: float | None = None, limit: int = 5000) -> list[Delivery]:
        """Pending entries whose time has come, and claims whose lease ran out: priority (child cases)
        first, then oldest first."""
        now = time.time() if now is None else now
        rows = await self.database.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE (state = ? AND not_before <= ?) OR {_LAPSED} "
            "ORDER BY priority DESC, id LIMIT ?",
            (PENDING, now, now, limit),
        )
        return [_delivery(row, self.store.keyring) for row in rows]

    async def next_due_at(self) -> float | None:
        row = await self.database.fetchone("SELECT min(not_before) FROM outbox WHERE state = ?", (PENDING,))
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sending(self, ids: Sequence[int], owner: str = "", lease: float = LEASE_SECONDS) -> list[int]:
        """Claim the pending entries among ``ids``, and those whose lease ran out; returns the ids claimed."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        now = time.time()

        def claim(conn: sqlite3.Connection) -> set[int]:
            rows = conn.execute(
                f"UPDATE outbox SET state = ?, owner = ?, lease_until = ?, attempts = attempts + 1 "
                f"WHERE id IN ({placeholders(wanted)}) AND (state = ? OR {_LAPSED}) RETURNING id",
                (SENDING, owner, now + lease, *wanted, PENDING, now),
            ).fetchall()
            return {int(row[0]) for row in rows}

        claimed = await self.database.write(claim)
        return [row_id for row_id in wanted if row_id in claimed]

    async def mark_sent(self, ids: Sequence[int]) -> None:
        await self._set(ids, "state = ?, sent_at = ?, last_error = NULL", SENT, time.time())

    async def retry(self, ids: Sequence[int], not_before: float, error: str) -> None:
        await self._set(ids, "state = ?, not_before = ?, last_error = ?", PENDING, not_before, error)

    async def release(self, ids: Sequence[int]) -> None:
        """Back to pending without counting an attempt (the worker took more than it could send)."""
        await self._set(ids, "state = ?, attempts = max(attempts - 1, 0)", PENDING)

    async def mark_dead(self, ids: Sequence[int], error: str) -> None:
        await self._set(ids, "state = ?, last_error = ?", DEAD, error)

    # ---- receipts: a citizen's reference and PIN ---------------------------------------------------

    async def undelivered_receipt(self, target: str) -> Delivery | None:
        """The newest receipt for ``target`` that has not reached it (held, waiting or being retried)."""
        row = await self.database.fetchone(
            f"SELECT {_COLUMNS} FROM outbox WHERE kind = 'receipt' AND target = ? AND state IN (?, ?) "
            "ORDER BY id DESC LIMIT 1",
            (target, PENDING, SENDING),
        )
        return _delivery(row, self.store.keyring) if row else None

    async def settle_receipt(self, dedupe_key: str, delivered: bool) -> None:
        """The adapter that held a receipt showed it (the row goes: the PIN is kept nowhere in clear
        form after that), or could not (the courier retries it)."""

        def settle(conn: sqlite3.Connection) -> None:
            if delivered:
                conn.execute("DELETE FROM outbox WHERE kind = 'receipt' AND dedupe_key = ?", (dedupe_key,))
            else:
                conn.execute(
                    f"UPDATE outbox SET state = ?, not_before = ?, {_UNCLAIM} WHERE kind = 'receipt' "
                    "AND dedupe_key = ? AND state = ?",
                    (PENDING, time.time(), dedupe_key, SENDING),
                )

        await self.database.write(settle)

    async def recover_in_flight(self) -> int:
        """At the courier's start-up: every entry left ``sending`` goes back to pending. Returns how many.

        Unlike PostgreSQL's, a lease still running does not keep an entry: one process delivers from a
        SQLite file, so at its start every claim and held receipt found is a dead run's. Waiting for
        their leases would only delay, by up to HOLD_SECONDS, a receipt the crash interrupted."""
        return await self.database.write(
            lambda conn: (
                conn.execute(f"UPDATE outbox SET state = ?, {_UNCLAIM} WHERE state = ?", (PENDING, SENDING)).rowcount
            )
        )

    async def sent_since(self, since: float) -> list[tuple[str, float]]:
        rows = await self.database.fetchall(
            "SELECT DISTINCT target, sent_at FROM outbox WHERE state = ? AND sent_at >= ? "
            "UNION SELECT DISTINCT target, lease_until - ? FROM outbox WHERE state = ? "
            "AND lease_until - ? BETWEEN ? AND ? ORDER BY 2",
            (SENT, since, LEASE_SECONDS, SENDING, LEASE_SECONDS, since, time.time()),
        )
        return [(str(target), float(at)) for target, at in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.database.fetchall("SELECT state, count(*) FROM outbox GROUP BY state")
        return {str(state): int(n) for state, n in rows}

    async def _set(self, ids: Sequence[int], assignments: str, *values: object) -> None:
        if not ids:
            return
        marks = placeholders(ids)

        def update(conn: sqlite3.Connection) -> None:
            conn.execute(f"UPDATE outbox SET {assignments}, {_UNCLAIM} WHERE id IN ({marks})", (*values, *ids))
            # A receipt holds the citizen's PIN: once it is sent (or can never be), nothing of it is kept.
            conn.execute(
                f"DELETE FROM outbox WHERE id IN ({marks}) AND kind = 'receipt' AND state IN (?, ?)", (*ids, SENT, DEAD)
            )

        await self.database.write(update)


def _delivery(row: Sequence[object], keyring: Keyring) -> Delivery:
    return Delivery(
        id=int(row[0]),  # type: ignore[call-overload]
        kind=str(row[1]),
        target=str(row[2]),
        dedupe_key=str(row[3]),
        report_id=int(row[4]) if row[4] is not None else None,  # type: ignore[call-overload]
        priority=bool(row[5]),
        payload=json.loads(keyring.open(str(row[6]), "outbox.payload")),
        attempts=int(row[7]),  # type: ignore[call-overload]
        created_at=float(row[8]),  # type: ignore[arg-type]
    )
