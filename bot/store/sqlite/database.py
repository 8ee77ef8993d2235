"""The default store: one SQLite file in WAL mode, reached through aiosqlite.

WAL lets readers (status checks, the outbox) run while a step commits. ``synchronous=FULL`` makes
each committed step survive a power cut, not only a crash of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.engine.session import Session
from bot.store.base import ReferenceTaken, Store
from bot.store.keyring import Keyring, load_keyring, new_key, parse_keys
from bot.store.records import ChatState, EvidenceLink, NewReport, Outgoing, Revision, StoredReport
from bot.store.sqlite.migrations import MIGRATIONS, statements

# (table, key, column) of every value sealed by the keyring; reseal() walks them in key order.
SEALED = (
    ("sessions", "chat_key", "state"),
    ("reports", "id", "answers"),
    ("evidence", "id", "url"),
    ("outbox", "id", "payload"),
    ("questions", "id", "text"),
)
SEALED_SINCE = 5  # the schema version from which values are sealed

REPORT_COLUMNS = (
    "id, reference, pin_hash, flow_id, revision_id, chat_key, language, category, province, minor, "
    "status, answers, created_at, queue, priority, claimed_by, claimed_name, claimed_at, outcome, closed_at, reminded"
)


T = TypeVar("T")
# A write runs on the connection's own thread, inside the transaction of its batch (see write()).
Write = Callable[[sqlite3.Connection], T]
Outcome = tuple[Any, Exception | None]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


log = logging.getLogger(__name__)


class SqliteStore(Store):
    def __init__(self, path: str | Path, *, synchronous: str = "FULL", keyring: Keyring | None = None) -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self._db: aiosqlite.Connection | None = None
        self._keyring = keyring
        # One connection serves every chat; its transactions must not interleave (a second BEGIN
        # inside the first fails, and a stray write would join someone else's transaction).
        self._writing = asyncio.Lock()
        # Group commit: the citizens' writes that arrive while a commit is under way share the next one.
        self._queued: list[tuple[Write[Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    @property
    def keyring(self) -> Keyring:
        """Seals what citizens tell us (see keyring.py); DATA_KEY or the key file beside the database."""
        if self._keyring is None:
            if str(self.path) == ":memory:":
                self._keyring = Keyring(parse_keys(new_key(), "memory"), "memory")
            else:
                self._keyring = load_keyring(self.path)
        return self._keyring

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # 0600 from the start: SQLite would create it 0644 under a usual umask
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so one step is exactly one transaction.
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await self.db.execute("PRAGMA journal_mode=WAL")
            await self.db.execute(f"PRAGMA synchronous={self.synchronous}")
            await self.db.execute("PRAGMA foreign_keys=ON")
            await self.db.execute("PRAGMA busy_timeout=5000")
            # Erased and anonymised rows are overwritten on disk, not left in free pages.
            await self.db.execute("PRAGMA secure_delete=ON")
            self.keyring  # noqa: B018  # load (or create) the key before the first write, so a bad key fails here
            await self._migrate()
            if str(self.path) != ":memory:":
                _owner_only(self.path)  # only once it proved to be our database: never chmod a stranger's file
        except BaseException:
            # Not a database, or a newer schema: close the connection, or its thread keeps the process alive.
            await self.close()
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, serialised with every other write of this store."""
        async with self._writing:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def write(self, work: Write[T]) -> T:
        """Run ``work`` in a durable transaction shared with the other writes waiting at the time.

        A commit with ``synchronous=FULL`` costs an fsync; a hundred citizens each waiting for their
        own would queue behind each other. Each ``work`` runs in its own savepoint, so one that fails
        is undone alone and its caller gets the exception; the others commit. The whole batch runs
        on the SQLite thread in one trip (commit_batch): under load, each trip between the event
        loop and that thread waits for the GIL, up to 5 ms, and a batch of a few dozen writes made a
        few hundred trips when each statement was its own. Returns once the batch is on disk.
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await done

    async def _in_thread(self, function: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``function`` with the raw connection on aiosqlite's thread, in one trip.

        aiosqlite has no public call for this; ``_execute`` is what its own methods use (0.17 to
        0.22), and every write goes through here, so a change there fails the whole suite at once.
        """
        db = self.db
        result: T = await db._execute(function, db._conn)  # type: ignore[no-untyped-call]
        return result

    async def _commit_queued(self) -> None:
        while self._queued:
            # One batch per hold of the lock: the officers' and the courier's transactions, waiting
            # on the same (first-come-first-served) lock, get their turn between two batches.
            async with self._writing:
                batch, self._queued = self._queued, []
                works = [work for work, _ in batch]
                running = asyncio.ensure_future(self._in_thread(partial(commit_batch, works=works)))
                try:
                    await asyncio.shield(running)
                except asyncio.CancelledError:
                    # Once handed to the thread the batch commits or fails as a whole: its callers
                    # learn which even though this task is being cancelled.
                    await asyncio.wait([running])
                    self._settle(batch, running)
                    raise
                except Exception:
                    pass  # the transaction failed: _settle hands its error to every caller
                self._settle(batch, running)

    @staticmethod
    def _settle(batch: list[tuple[Write[Any], asyncio.Future[Any]]], running: asyncio.Future[list[Outcome]]) -> None:
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

    async def close(self) -> None:
        if self._committer is not None and not self._committer.done():
            # Writes already handed in are committed before the connection goes.
            with contextlib.suppress(Exception):
                await self._committer
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        version = await self.schema_version()
        if version >= SEALED_SINCE:
            await self._check_key()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements(script):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version={number}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
        if version and version < SEALED_SINCE:
            await self.reseal()  # a database from before sealing: nothing stays in the clear

    async def _check_key(self) -> None:
        """Fail at start-up, not in a citizen's conversation, when the key is not the database's."""
        for table, _, column in SEALED:
            async with self.db.execute(
                f"SELECT {column} FROM {table} WHERE {column} LIKE 'enc1:%' ORDER BY rowid DESC LIMIT 1"
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                self.keyring.open(str(row[0]), f"{table}.{column}")

    async def reseal(self, batch: int = 1000) -> dict[str, int]:
        """Seal every value not sealed with the current key (plain ones included), a batch per
        transaction so the bot can keep running. Returns how many values changed per column."""
        changed: dict[str, int] = {}
        ring = self.keyring
        prefix = f"enc1:{ring.current}:%"
        for table, key, column in SEALED:
            name, done, last = f"{table}.{column}", 0, None
            while True:
                after = "" if last is None else f"AND {key} > ?"
                async with self.db.execute(
                    f"SELECT {key}, {column} FROM {table} WHERE {column} NOT LIKE ? {after} ORDER BY {key} LIMIT ?",
                    (prefix, *(() if last is None else (last,)), batch),
                ) as cur:
                    rows = list(await cur.fetchall())
                if not rows:
                    break
                async with self.transaction() as db:
                    await db.executemany(
                        f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                        [(ring.seal(ring.open(str(value), name), name), k) for k, value in rows],
                    )
                done += len(rows)
                last = rows[-1][0]
            changed[name] = done
        return changed

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        async with self._writing:
            digest = hashlib.sha256(content.encode()).hexdigest()
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                await self.db.execute(
                    "INSERT OR IGNORE INTO flow_revisions (flow_id, hash, content, author, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (flow_id, digest, content, author, now_iso()),
                )
                await self.db.execute(
                    "INSERT INTO live_flows (flow_id, revision_id) "
                    "SELECT flow_id, id FROM flow_revisions WHERE flow_id = ? AND hash = ? "
                    "ON CONFLICT (flow_id) DO UPDATE SET revision_id = excluded.revision_id",
                    (flow_id, digest),
                )
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            revision = await self.live_revision(flow_id)
            assert revision is not None
            return revision

    async def _one_revision(self, where: str, arg: Any) -> Revision | None:
        async with self.db.execute(
            f"SELECT id, flow_id, hash, content, author, created_at FROM flow_revisions WHERE {where}", (arg,)
        ) as cur:
            row = await cur.fetchone()
        return Revision(*row) if row else None

    async def live_revision(self, flow_id: str) -> Revision | None:
        return await self._one_revision("id = (SELECT revision_id FROM live_flows WHERE flow_id = ?)", flow_id)

    async def revision(self, revision_id: int) -> Revision | None:
        return await self._one_revision("id = ?", revision_id)

    async def revisions(self, flow_id: str) -> list[Revision]:
        async with self.db.execute(
            "SELECT id, flow_id, hash, content, author, created_at FROM flow_revisions WHERE flow_id = ? "
            "ORDER BY id DESC",
            (flow_id,),
        ) as cur:
            return [Revision(*row) for row in await cur.fetchall()]

    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int:
        """Drop unfinished sessions untouched since ``before_iso`` that are not on ``keep_revision``
        (the live one). Returns how many; their chats simply start afresh next time."""
        async with self.transaction() as db:
            cur = await db.execute(
                "DELETE FROM sessions WHERE updated_at < ? AND revision_id IS NOT ?", (before_iso, keep_revision)
            )
            return cur.rowcount

    async def load_session(self, chat_key: str) -> Session | None:
        # execute_fetchall: one trip to the SQLite thread, not three (execute, fetch, close); every update reads this.
        rows = list(await self.db.execute_fetchall("SELECT state FROM sessions WHERE chat_key = ?", (chat_key,)))
        return Session.from_json(self.keyring.open(rows[0][0], "sessions.state")) if rows else None

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        def step(conn: sqlite3.Connection) -> int | None:
            report_id: int | None = None
            if report is not None:
                try:
                    report_id = self._insert_report(conn, report)
                except sqlite3.IntegrityError as exc:
                    if "reports.reference" in str(exc):
                        raise ReferenceTaken(report.reference) from None
                    raise
                deliveries = []
                if report.queue is not None:
                    # The case's delivery is written with the case: a crash cannot lose one without the other.
                    deliveries.append(new_case_delivery(report_id, report.reference, report.queue, report.priority))
                if report.receipt is not None:
                    # So is the citizen's receipt: a reference and PIN that never arrive make her report twice.
                    deliveries.append(replace(report.receipt, report_id=report_id))
                conn.executemany(ENQUEUE, outbox_rows(deliveries, self.keyring))
            if session.finished:
                conn.execute("DELETE FROM sessions WHERE chat_key = ?", (chat_key,))
            else:
                conn.execute(
                    "INSERT INTO sessions (chat_key, revision_id, state, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (chat_key) DO UPDATE SET revision_id = excluded.revision_id, "
                    "state = excluded.state, updated_at = excluded.updated_at",
                    (chat_key, session.revision, self.keyring.seal(session.to_json(), "sessions.state"), now_iso()),
                )
            if chat is not None:
                _save_chat(conn, chat)
            return report_id

        return await self.write(step)

    def _insert_report(self, conn: sqlite3.Connection, report: NewReport) -> int:
        created = report.created_at or now_iso()
        cur = conn.execute(
            "INSERT INTO reports (reference, pin_hash, flow_id, revision_id, chat_key, language, category, "
            "province, minor, answers, created_at, queue, priority, queued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.reference,
                report.pin_hash,
                report.flow_id,
                report.revision_id,
                report.chat_key,
                report.language,
                report.category,
                report.province,
                int(report.minor),
                self.keyring.seal(json.dumps(report.answers, ensure_ascii=False), "reports.answers"),
                created,
                report.queue,
                int(report.priority),
                created,
            ),
        )
        report_id = cur.lastrowid
        assert report_id is not None
        conn.executemany(
            "INSERT INTO evidence (report_id, position, url, platform) VALUES (?, ?, ?, ?)",
            [
                (report_id, i, self.keyring.seal(link.url, "evidence.url"), link.platform)
                for i, link in enumerate(report.evidence)
            ],
        )
        return report_id

    async def _reports(self, where: str, *args: Any, limit: int | None = None) -> list[StoredReport]:
        sql = f"SELECT {REPORT_COLUMNS} FROM reports WHERE {where} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        async with self.db.execute(sql, args) as cur:
            rows = list(await cur.fetchall())
        evidence: dict[int, list[EvidenceLink]] = {int(row[0]): [] for row in rows}
        if rows:
            marks = ",".join("?" * len(rows))
            async with self.db.execute(
                f"SELECT report_id, url, platform FROM evidence WHERE report_id IN ({marks}) "
                "ORDER BY report_id, position",
                [row[0] for row in rows],
            ) as cur:
                for report_id, url, platform in await cur.fetchall():
                    evidence[int(report_id)].append(EvidenceLink(self.keyring.open(url, "evidence.url"), platform))
        return [report_from_row(row, tuple(evidence[int(row[0])]), self.keyring) for row in rows]

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        found = await self._reports("reference = ?", reference)
        return found[0] if found else None

    async def report_by_id(self, report_id: int) -> StoredReport | None:
        found = await self._reports("id = ?", report_id)
        return found[0] if found else None

    async def reports_where(self, where: str, *args: Any, limit: int | None = None) -> list[StoredReport]:
        """Reports matching an SQL condition over the report columns (for the case book)."""
        return await self._reports(where, *args, limit=limit)

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]:
        return await self._reports("chat_key = ?", chat_key)

    async def count_reports(self) -> int:
        async with self.db.execute("SELECT count(*) FROM reports") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM reports WHERE chat_key = ? AND created_at >= ?", (chat_key, since_iso)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def chat_state(self, chat_key: str) -> ChatState | None:
        rows = list(
            await self.db.execute_fetchall(
                "SELECT chat_key, lang, active, last_update_id, question_message_id FROM chats WHERE chat_key = ?",
                (chat_key,),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return ChatState(row[0], row[1], bool(row[2]), row[3], row[4])

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        def save(conn: sqlite3.Connection) -> None:
            _save_chat(conn, state)
            if remember:
                _remember(conn, state.chat_key, remember, sent_at)

        await self.write(save)

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        def save(conn: sqlite3.Connection) -> None:
            _remember(conn, chat_key, message_ids, sent_at)

        await self.write(save)

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        def forget(conn: sqlite3.Connection) -> list[tuple[int, float]]:
            rows = conn.execute(
                "DELETE FROM chat_messages WHERE chat_key = ? RETURNING message_id, sent_at", (chat_key,)
            ).fetchall()
            return sorted((int(r[0]), float(r[1])) for r in rows)

        return await self.write(forget)


def _owner_only(path: Path) -> None:
    """The database file, and the -wal and -shm files SQLite creates with its mode, readable by us alone:
    an older file readable by others is tightened, with a warning."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            mode = file.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(file, 0o600)
                log.warning("%s could be read by other users (mode %o); now 600", file, mode)


def commit_batch(conn: sqlite3.Connection, *, works: list[Write[Any]]) -> list[Outcome]:
    """One transaction for a batch of writes, each in a savepoint; runs on the SQLite thread."""
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


def _save_chat(conn: sqlite3.Connection, state: ChatState) -> None:
    conn.execute(
        "INSERT INTO chats (chat_key, lang, active, last_update_id, question_message_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_key) DO UPDATE SET lang = excluded.lang, "
        "active = excluded.active, last_update_id = excluded.last_update_id, "
        "question_message_id = excluded.question_message_id, updated_at = excluded.updated_at",
        (state.chat_key, state.lang, int(state.active), state.last_update_id, state.question_message_id, now_iso()),
    )


def _remember(conn: sqlite3.Connection, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO chat_messages (chat_key, message_id, sent_at) VALUES (?, ?, ?)",
        [(chat_key, mid, sent_at) for mid in message_ids],
    )


def report_from_row(row: Iterable[Any], evidence: tuple[EvidenceLink, ...], keyring: Keyring) -> StoredReport:
    r = list(row)
    return StoredReport(
        id=r[0],
        reference=r[1],
        pin_hash=r[2],
        flow_id=r[3],
        revision_id=r[4],
        chat_key=r[5],
        language=r[6],
        category=r[7],
        province=r[8],
        minor=bool(r[9]),
        status=r[10],
        answers=json.loads(keyring.open(r[11], "reports.answers")),
        created_at=r[12],
        evidence=evidence,
        queue=r[13],
        priority=bool(r[14]),
        claimed_by=r[15],
        claimed_name=r[16],
        claimed_at=r[17],
        outcome=r[18],
        closed_at=r[19],
        reminded=int(r[20]),
    )


def new_case_delivery(report_id: int, reference: str, queue: str, priority: bool, transfer: int = 0) -> Outgoing:
    """The delivery of a case card to its queue; the key makes it appear once per queue it is sent to."""
    return Outgoing(
        kind="case",
        target=f"queue:{queue}",
        dedupe_key=f"case:{reference}:{queue}:{transfer}",
        report_id=report_id,
        priority=priority,
    )


ENQUEUE = (
    "INSERT OR IGNORE INTO outbox (kind, target, dedupe_key, report_id, priority, payload, not_before, created_at, "
    "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def outbox_rows(items: Iterable[Outgoing], keyring: Keyring) -> list[tuple[Any, ...]]:
    """Rows for ENQUEUE. Payloads are sealed: a question or an answer relayed between officer and
    citizen is in them."""
    now = time.time()
    return [
        (
            item.kind,
            item.target,
            item.dedupe_key,
            item.report_id,
            int(item.priority),
            keyring.seal(json.dumps(item.payload, ensure_ascii=False), "outbox.payload"),
            item.not_before,
            now,
            item.state,
        )
        for item in items
    ]


async def enqueue(db: aiosqlite.Connection, items: Iterable[Outgoing], keyring: Keyring) -> None:
    """Add deliveries inside the caller's transaction; an existing dedupe key is left as it is."""
    await db.executemany(ENQUEUE, outbox_rows(items, keyring))
