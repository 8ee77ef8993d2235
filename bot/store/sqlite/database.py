"""One SQLite file in WAL mode, on a thread of its own, with one way to write.

Every statement runs on the database's own thread (SQLite connections are not shared between
threads), one call per trip: a book hands a function that takes the connection, and ``read`` or
``write`` runs it there. ``write`` is the only path that changes the database: writes that arrive
while a commit is under way share the next transaction (group commit), each in its own savepoint,
so one that fails is undone alone. WAL lets a read run between two batches without waiting for a
whole queue of writes; ``synchronous=FULL`` makes each committed batch survive a power cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from .migrations import MIGRATIONS, statements

T = TypeVar("T")
# A write runs on the database's thread, inside the transaction of its batch.
Work = Callable[[sqlite3.Connection], T]
Outcome = tuple[Any, Exception | None]

log = logging.getLogger(__name__)


class Database:
    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self._conn: sqlite3.Connection | None = None
        self._thread: ThreadPoolExecutor | None = None
        # Group commit: the writes handed in while a batch commits share the next one.
        self._queued: list[tuple[Work[Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    @property
    def in_memory(self) -> bool:
        return str(self.path) == ":memory:"

    async def open(self) -> int:
        """Connect, set the pragmas, and return the schema version found (before migrating)."""
        if not self.in_memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # 0600 from the start: SQLite would create it 0644 under a usual umask
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            self._conn = await self._call(self._connect)
            return await self.read(_user_version)
        except BaseException:
            await self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: BEGIN and COMMIT are ours, so a batch is exactly one transaction.
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        # Erased and anonymised rows are overwritten on disk, not left in free pages.
        conn.execute("PRAGMA secure_delete=ON")
        return conn

    async def close(self) -> None:
        if self._committer is not None and not self._committer.done():
            # Writes already handed in are committed before the connection goes.
            with contextlib.suppress(Exception):
                await self._committer
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._call(conn.close)
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None

    async def _call(self, function: Callable[[], T]) -> T:
        if self._thread is None:
            raise RuntimeError("database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._thread, function)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    # ---- reading ---------------------------------------------------------------------------------------

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` with the connection on its thread, in one trip; it must not write."""
        return await self._call(lambda: work(self._connection()))

    async def fetchall(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return await self.read(lambda conn: conn.execute(sql, args).fetchall())

    async def fetchone(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = await self.read(lambda conn: conn.execute(sql, args).fetchone())
        return row

    # ---- writing ---------------------------------------------------------------------------------------

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a durable transaction shared with the other writes waiting at the time.

        A commit with ``synchronous=FULL`` costs an fsync; a hundred citizens each waiting for their
        own would queue behind each other. The whole batch runs on the database's thread in one trip:
        under load, each trip between the event loop and that thread waits for the GIL. Returns
        ``work``'s result once the batch is on disk, or raises its exception (the others commit).
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await done

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            works = [work for work, _ in batch]
            running = asyncio.ensure_future(self._call(partial(self._commit, works)))
            try:
                await asyncio.shield(running)
            except asyncio.CancelledError:
                # Once handed to the thread the batch commits or fails as a whole: its callers
                # learn which even though this task is being cancelled.
                await asyncio.wait([running])
                _settle(batch, running)
                raise
            except Exception:
                pass  # the transaction failed: _settle hands its error to every caller
            _settle(batch, running)

    def _commit(self, works: list[Work[Any]]) -> list[Outcome]:
        return commit_batch(self._connection(), works)

    # ---- schema ------------------------------------------------------------------------------------------

    async def migrate(self, found: int) -> int:
        """Apply the migrations after ``found``, each in its own transaction; returns the new version."""
        for number, script in enumerate(MIGRATIONS[found:], start=found + 1):
            await self.write(partial(_apply, script=script, number=number))
        return len(MIGRATIONS) if found < len(MIGRATIONS) else found

    async def schema_version(self) -> int:
        return await self.read(_user_version)


def commit_batch(conn: sqlite3.Connection, works: list[Work[Any]]) -> list[Outcome]:
    """One transaction for a batch of writes, each in a savepoint; runs on the database's thread."""
    outcomes: list[Outcome] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for work in works:
            conn.execute("SAVEPOINT one_write")
            try:
                outcomes.append((work(conn), None))
            except Exception as exc:
                conn.execute("ROLLBACK TO one_write")
                outcomes.append((None, exc))
            conn.execute("RELEASE one_write")
        conn.execute("COMMIT")
    except BaseException:
        # The transaction itself failed (disk full, I/O error): nothing of the batch is kept.
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _settle(batch: list[tuple[Work[Any], asyncio.Future[Any]]], running: asyncio.Future[list[Outcome]]) -> None:
    """Hand each caller its result, or the exception of its write or of the whole transaction."""
    failed = RuntimeError("write cancelled") if running.cancelled() else running.exception()
    for k, (_, done) in enumerate(batch):
        if done.done():  # the caller was cancelled; its work is committed all the same
            continue
        if failed is not None:
            done.set_exception(failed if isinstance(failed, Exception) else RuntimeError("write cancelled"))
            continue
        result, error = running.result()[k]
        if error is None:
            done.set_result(result)
        else:
            done.set_exception(error)


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def _apply(conn: sqlite3.Connection, *, script: str, number: int) -> None:
    for statement in statements(script):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version={number}")


def placeholders(values: Sequence[Any]) -> str:
    """``?, ?, ?`` for an IN list of ``values``."""
    return ",".join("?" * len(values))
