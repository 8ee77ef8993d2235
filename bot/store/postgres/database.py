"""One PostgreSQL database behind an asyncpg pool, with one way to write.

asyncpg rather than psycopg 3: written for asyncio on PostgreSQL's binary protocol throughout, faster per
query in published benchmarks, and well kept (MagicStack, steady releases since 2016).

``write`` is the only path that changes the database: a book hands an async function that takes a
connection, and it runs inside one transaction (READ COMMITTED; the books lock what SQLite's single
writer used to serialise). A serialization failure or a deadlock is retried a few times: the work
must only touch the database, so running it again is safe. A lost connection is not retried: a
COMMIT whose answer never came may have happened. Once handed in, a write finishes even if
its caller is cancelled, as the SQLite backend's do, and ``close`` waits for it.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.problems import ConfigError

from . import migrations

T = TypeVar("T")
if TYPE_CHECKING:  # generic in the stubs only
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]
else:
    Connection = PoolConnectionProxy
# A write runs inside its own transaction, on a connection of the pool.
Work = Callable[[Connection], Awaitable[T]]

RETRIES = 5  # attempts of a write that hit a serialization failure or a deadlock
_RETRYABLE = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    # Another instance migrated the schema under this one's prepared statements: asyncpg has dropped
    # them and retries by itself outside a transaction, but inside one the whole transaction must go again.
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
)
# A held chat lock (Sessions.chat_lock) keeps a pool connection for the whole of an update's handling,
# beside the short ones its reads and writes take: 20 rather than asyncpg's 10, so a burst of chats
# does not queue behind each other. Two instances then hold at most ~40 of PostgreSQL's default 100.
MAX_POOL = 20
CONNECT_TIMEOUT = 10.0  # seconds for a connection of its own (Database.connect) to open
APPLICATION = "nccia-report-bot"  # application_name of every connection: pg_stat_activity shows them
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# pg_advisory_xact_lock(key): one migration at a time per schema, whichever instance starts first.
_MIGRATE_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('nccia-report-bot migrate ' || $1, 0))"


class Database:
    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = MAX_POOL,
        command_timeout: float | None = 60.0,
        close_timeout: float = 10.0,
    ) -> None:
        if not dsn.startswith(("postgresql://", "postgres://")):
            raise ConfigError("a PostgreSQL database is given as postgresql://user@host:port/database")
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ConfigError(f"PostgreSQL schema {schema!r}: letters, digits and _ only, not starting with a digit")
        if not 1 <= min_size <= max_size:
            raise ConfigError(f"PostgreSQL pool sizes: need 1 <= min ({min_size}) <= max ({max_size})")
        self.dsn = dsn
        self.schema = schema
        self.min_size, self.max_size = min_size, max_size
        self.command_timeout = command_timeout
        self.close_timeout = close_timeout
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._writes: set[asyncio.Task[Any]] = set()

    async def open(self) -> None:
        # Every connection of the pool looks in the store's schema first (created by migrate()).
        settings = {"search_path": f'"{self.schema}"'} if self.schema else {}
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self.min_size,
            max_size=self.max_size,
            command_timeout=self.command_timeout,
            server_settings={"application_name": APPLICATION, **settings},
        )

    async def connect(self) -> asyncpg.Connection[asyncpg.Record]:
        """A connection of its own, outside the pool, for a session-level lock held while it lives
        (leadership): a pool would reset it, and the lock with it, whenever it went back."""
        if not self.is_open:
            raise RuntimeError("database is not open")
        return await asyncpg.connect(
            self.dsn,
            timeout=CONNECT_TIMEOUT,
            command_timeout=self.command_timeout,
            server_settings={"application_name": APPLICATION},
        )

    async def close(self) -> None:
        if self._writes:
            # Writes already handed in are committed (or fail) before the pool goes.
            await asyncio.gather(*self._writes, return_exceptions=True)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), self.close_timeout)
            except TimeoutError:
                pool.terminate()  # a connection still held by a stuck reader: do not hang the shutdown

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    # ---- reading ---------------------------------------------------------------------------------------

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` with a connection of the pool, outside any transaction; it must not write."""
        async with self.pool.acquire() as conn:
            return await work(conn)

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: object) -> Any:
        return await self.pool.fetchval(sql, *args)

    # ---- writing ---------------------------------------------------------------------------------------

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in one transaction and return its result once committed, or raise its exception
        (nothing of it is kept). A cancelled caller does not cancel the transaction: it is shielded."""
        task = asyncio.ensure_future(self._transact(work))
        self._writes.add(task)
        task.add_done_callback(self._settled)
        return await asyncio.shield(task)

    def _settled(self, task: asyncio.Task[Any]) -> None:
        self._writes.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here too: a cancelled caller no longer reads it

    async def _transact(self, work: Work[T]) -> T:
        attempt = 1
        while True:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    return await work(conn)
            except _RETRYABLE:
                if attempt >= RETRIES:
                    raise
            # Jittered backoff, so the transactions that collided do not collide again.
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
            attempt += 1

    # ---- schema ------------------------------------------------------------------------------------------

    async def schema_version(self) -> int:
        async with self.pool.acquire() as conn:
            return await _version(conn)

    async def migrate(self) -> int:
        """Create the schema if needed and apply the migrations after the version found, all in one
        transaction under an advisory lock: two instances starting together migrate once. Returns the
        version now."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(_MIGRATE_LOCK, self.schema or "")
            if self.schema is not None:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                # Set again: a search path naming a schema that did not exist yet is resolved anew.
                await conn.execute(f'SET LOCAL search_path TO "{self.schema}"')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            found = await _version(conn)
            scripts = migrations.MIGRATIONS
            for number, script in enumerate(scripts[found:], start=found + 1):
                await conn.execute(script)  # no arguments: the simple protocol runs a whole script
                await conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES ($1, to_char(now() AT TIME ZONE 'UTC', "
                    '\'YYYY-MM-DD"T"HH24:MI:SS"+00:00"\'))',
                    number,
                )
            return max(found, len(scripts))


async def _version(conn: Connection) -> int:
    if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


def affected(status: str) -> int:
    """The row count in a command's status (``UPDATE 3``, ``DELETE 0``, ``INSERT 0 1``)."""
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else 0
