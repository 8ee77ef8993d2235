"""The durable outbox (PostgreSQL): deliveries to queues and citizens, written with the change they report.

An entry goes ``pending`` -> ``sending`` (just before the Bot API call) -> ``sent`` | ``dead``. A
citizen's receipt is written ``sending`` (the adapter shows it at once) and deleted once it is sent.
After a crash, entries still ``sending`` are the deliveries that were in flight: they are sent
again, so a crash can duplicate at most those, and loses none.

Several instances share this outbox. ``mark_sending`` claims atomically: of the entries asked for,
only those still free are taken (``FOR UPDATE SKIP LOCKED``: one another instance is claiming at the
same moment is left to it), each for a lease. An instance that dies leaves its claims to run out;
``due`` then offers them again, and another instance's courier sends them. ``recover_in_flight``
takes back only claims whose lease ran out, never a live instance's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import asyncpg

from bot.store.keyring import Keyring
from bot.store.records import DEAD, LEASE_SECONDS, PENDING, SENDING, SENT, Delivery, Outgoing

from .database import Connection, affected
from .rows import enqueue, outbox_rows
from .store import PostgresStore

__all__ = ["DEAD", "PENDING", "SENDING", "SENT", "Outbox"]
_COLUMNS = "id, kind, target, dedupe_key, report_id, priority, payload, attempts, created_at"
_UNCLAIM = "owner = NULL, lease_until = NULL"  # every change that ends a claim clears it
# Of the ids asked for ($1), those free now ($2): pending, or claimed with a lease that ran out. Rows
# locked by another instance's claim under way are skipped rather than waited for (it takes them),
# and locking in id order means two claims never deadlock.
_CLAIM = (
    "WITH free AS (SELECT id FROM outbox WHERE id = ANY($1::bigint[]) "
    "AND (state = 'pending' OR (state = 'sending' AND lease_until < $2)) ORDER BY id FOR UPDATE SKIP LOCKED) "
    "UPDATE outbox SET state = 'sending', owner = $3, lease_until = $4, attempts = attempts + 1 "
    "FROM free WHERE outbox.id = free.id RETURNING outbox.id"
)


class Outbox:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.database = store.database

    async def add(self, items: Sequence[Outgoing]) -> None:
        rows = outbox_rows(items, self.store.keyring)
        await self.database.write(lambda conn: enqueue(conn, rows))

    async def due(self, now: float | None = None, limit: int = 5000) -> list[Delivery]:
        """Pending entries whose time has come, and claims whose lease ran out (a dead instance's):
        priority (child cases) first, then oldest first."""
        now = time.time() if now is None else now
        rows = await self.database.fetch(
            f"SELECT {_COLUMNS} FROM outbox WHERE (state = $1 AND not_before <= $2) "
            "OR (state = $3 AND lease_until < $2) ORDER BY priority DESC, id LIMIT $4",
            PENDING,
            float(now),
            SENDING,
            limit,
        )
        return [_delivery(row, self.store.keyring) for row in rows]

    async def next_due_at(self) -> float | None:
        found = await self.database.fetchval("SELECT min(not_before) FROM outbox WHERE state = $1", PENDING)
        return float(found) if found is not None else None

    async def mark_sending(self, ids: Sequence[int], owner: str = "", lease: float = LEASE_SECONDS) -> list[int]:
        """Claim the free entries among ``ids`` in one transaction; returns the ids claimed, in the order given."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        now = time.time()

        async def claim(conn: Connection) -> set[int]:
            rows = await conn.fetch(_CLAIM, wanted, now, owner, now + lease)
            return {int(row[0]) for row in rows}

        claimed = await self.database.write(claim)
        return [row_id for row_id in wanted if row_id in claimed]

    async def mark_sent(self, ids: Sequence[int]) -> None:
        await self._set(ids, "state = $2, sent_at = $3, last_error = NULL", SENT, time.time())

    async def retry(self, ids: Sequence[int], not_before: float, error: str) -> None:
        await self._set(ids, "state = $2, not_before = $3, last_error = $4", PENDING, float(not_before), error)

    async def release(self, ids: Sequence[int]) -> None:
        """Back to pending without counting an attempt (the worker took more than it could send)."""
        await self._set(ids, "state = $2, attempts = greatest(attempts - 1, 0)", PENDING)

    async def mark_dead(self, ids: Sequence[int], error: str) -> None:
        await self._set(ids, "state = $2, last_error = $3", DEAD, error)

    # ---- receipts: a citizen's reference and PIN ---------------------------------------------------

    async def undelivered_receipt(self, target: str) -> Delivery | None:
        """The newest receipt for ``target`` that has not reached it (held, waiting or being retried)."""
        row = await self.database.fetchrow(
            f"SELECT {_COLUMNS} FROM outbox WHERE kind = 'receipt' AND target = $1 AND state IN ($2, $3) "
            "ORDER BY id DESC LIMIT 1",
            target,
            PENDING,
            SENDING,
        )
        return _delivery(row, self.store.keyring) if row else None

    async def settle_receipt(self, dedupe_key: str, delivered: bool) -> None:
        """The adapter that held a receipt showed it (the row goes: the PIN is kept nowhere in clear
        form after that), or could not (the courier retries it)."""

        async def settle(conn: Connection) -> None:
            if delivered:
                await conn.execute("DELETE FROM outbox WHERE kind = 'receipt' AND dedupe_key = $1", dedupe_key)
            else:
                await conn.execute(
                    f"UPDATE outbox SET state = $1, not_before = $2, {_UNCLAIM} WHERE kind = 'receipt' "
                    "AND dedupe_key = $3 AND state = $4",
                    PENDING,
                    time.time(),
                    dedupe_key,
                    SENDING,
                )

        await self.database.write(settle)

    async def recover_in_flight(self) -> int:
        """At start-up: entries left ``sending`` whose lease ran out, or that have none (claimed before
        leases), go back to pending. A running lease may be another live instance's delivery: it is left
        to its holder (or to ``due`` once it runs out). Returns how many."""
        now = time.time()

        async def recover(conn: Connection) -> int:
            return affected(
                await conn.execute(
                    f"UPDATE outbox SET state = $1, {_UNCLAIM} WHERE state = $2 "
                    "AND (lease_until IS NULL OR lease_until < $3)",
                    PENDING,
                    SENDING,
                    now,
                )
            )

        return await self.database.write(recover)

    async def sent_since(self, since: float) -> list[tuple[str, float]]:
        rows = await self.database.fetch(
            "SELECT target, sent_at AS at FROM outbox WHERE state = 'sent' AND sent_at >= $1 "
            "UNION SELECT target, lease_until - $2 FROM outbox WHERE state = 'sending' "
            "AND lease_until - $2 BETWEEN $1 AND $3 ORDER BY at",
            since,
            LEASE_SECONDS,
            time.time(),
        )
        return [(str(row[0]), float(row[1])) for row in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.database.fetch("SELECT state, count(*) FROM outbox GROUP BY state")
        return {str(state): int(n) for state, n in rows}

    async def _set(self, ids: Sequence[int], assignments: str, *values: object) -> None:
        """``assignments`` use $2...; the ids are $1 (each listed id changes once, unknown ones nothing)."""
        if not ids:
            return
        wanted = list(ids)

        async def update(conn: Connection) -> None:
            await conn.execute(
                f"UPDATE outbox SET {assignments}, {_UNCLAIM} WHERE id = ANY($1::bigint[])", wanted, *values
            )
            # A receipt holds the citizen's PIN: once it is sent (or can never be), nothing of it is kept.
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[]) AND kind = 'receipt' AND state IN ($2, $3)",
                wanted,
                SENT,
                DEAD,
            )

        await self.database.write(update)


def _delivery(row: asyncpg.Record, keyring: Keyring) -> Delivery:
    return Delivery(
        id=int(row[0]),
        kind=str(row[1]),
        target=str(row[2]),
        dedupe_key=str(row[3]),
        report_id=int(row[4]) if row[4] is not None else None,
        priority=bool(row[5]),
        payload=json.loads(keyring.open(str(row[6]), "outbox.payload")),
        attempts=int(row[7]),
        created_at=float(row[8]),
    )
