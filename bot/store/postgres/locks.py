"""Advisory locks that let several instances share one PostgreSQL database.

* A chat's lock (``Sessions.chat_lock``): a session-level ``pg_advisory_lock`` on a pool connection,
  held for the whole of one update's handling, so a chat's updates run one at a time whichever
  instance gets them. Returning the connection to the pool frees it in any case: asyncpg resets a
  connection on release with ``pg_advisory_unlock_all()``, shielded from cancellation.
* A role's leader (``Leadership``): ``pg_try_advisory_lock`` on a connection of its own, outside the
  pool, kept open while leading. When the leader's process dies, PostgreSQL ends its session and the
  lock goes with it; another instance's next ``lead()`` takes the role.

The keys hash the schema in, so two deployments in two schemas of one database never share a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg

from .database import Database

log = logging.getLogger(__name__)

# The bigint key of a chat's lock and of a role's, from ($1 schema, $2 chat key or role).
CHAT_KEY = "hashtextextended('nccia-report-bot chat ' || $1 || ' ' || $2, 0)"
ROLE_KEY = "hashtextextended('nccia-report-bot lead ' || $1 || ' ' || $2, 0)"
CHECK_TIMEOUT = 2.0  # seconds a leader's connection has to answer before the lead is given up


class ChatLocks:
    """Each chat's turns one at a time across instances."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # A held chat lock keeps a pool connection while its update's reads and writes take others: were
        # every connection held by a chat lock, those would wait for ever. A quarter of the pool (at
        # least two) is kept for them.
        self._slots = asyncio.Semaphore(max(1, database.max_size - max(2, database.max_size // 4)))

    @contextlib.asynccontextmanager
    async def hold(self, chat_key: str) -> AsyncIterator[None]:
        schema = self.database.schema or ""
        async with self._slots, self.database.pool.acquire() as conn:
            # Waits while another instance handles this chat (up to the pool's command timeout).
            await conn.execute(f"SELECT pg_advisory_lock({CHAT_KEY})", schema, chat_key)
            try:
                yield
            finally:
                try:
                    await conn.execute(f"SELECT pg_advisory_unlock({CHAT_KEY})", schema, chat_key)
                except Exception as exc:  # the release's reset, or the connection's end, frees it anyway
                    log.warning("a chat lock was not released explicitly (%s)", type(exc).__name__)


class Leaders:
    """``Leadership`` over PostgreSQL: one advisory lock per role, on a dedicated connection."""

    def __init__(self, database: Database, check_timeout: float = CHECK_TIMEOUT) -> None:
        self.database = database
        self.check_timeout = check_timeout
        # One connection per role, kept between calls: a follower retries on it every second too, and
        # opening a connection that often would cost more than the query.
        self._conns: dict[str, asyncpg.Connection[asyncpg.Record]] = {}
        self._leading: set[str] = set()
        self._turns: dict[str, asyncio.Lock] = {}  # one call per role at a time: a connection runs one query

    async def lead(self, role: str) -> bool:
        async with self._turns.setdefault(role, asyncio.Lock()):
            if not self.database.is_open:
                return False
            conn = self._conns.get(role)
            try:
                if role in self._leading and conn is not None:
                    # Still alive? A lost connection means PostgreSQL has (or soon will have) freed the lock.
                    await conn.fetchval("SELECT 1", timeout=self.check_timeout)
                    return True
                if conn is None or conn.is_closed():
                    conn = self._conns[role] = await self.database.connect()
                won = await conn.fetchval(
                    f"SELECT pg_try_advisory_lock({ROLE_KEY})",
                    self.database.schema or "",
                    role,
                    timeout=self.check_timeout,
                )
            except Exception as exc:  # any failure: not leading; the next call starts on a new connection
                log.warning("leadership of %s lost or not reachable (%s)", role, type(exc).__name__)
                self._drop(role)
                return False
            if won:
                self._leading.add(role)
            return bool(won)

    async def step_down(self, role: str) -> None:
        async with self._turns.setdefault(role, asyncio.Lock()):
            conn = self._conns.pop(role, None)
            leading = role in self._leading
            self._leading.discard(role)
            if conn is None:
                return
            try:
                if leading:  # at once, rather than when the server notices the session's end
                    await conn.execute(
                        f"SELECT pg_advisory_unlock({ROLE_KEY})",
                        self.database.schema or "",
                        role,
                        timeout=self.check_timeout,
                    )
                await conn.close(timeout=self.check_timeout)
            except Exception:  # the session ends with its connection, and the lock with it
                conn.terminate()

    async def close(self) -> None:
        """Step down from every role (the store is closing)."""
        for role in list(self._conns):
            await self.step_down(role)

    def _drop(self, role: str) -> None:
        self._leading.discard(role)
        conn = self._conns.pop(role, None)
        if conn is not None:
            conn.terminate()  # not close(): a dead peer would keep a graceful close waiting
