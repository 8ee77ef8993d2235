"""The default backend: revisions, sessions and reports in one SQLite file, and the way to its books.

What citizens tell us is sealed by the keyring before it is written (see keyring.py); the columns
it seals are listed in ``SEALED``, and ``reseal`` moves them all to the current key.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any

from bot.clock import now_iso
from bot.config import key_environment
from bot.engine.session import Session
from bot.store.base import Store
from bot.store.keyring import Keyring, load_keyring, new_key, parse_keys
from bot.store.ports import Books, ReferenceTaken
from bot.store.records import (
    ChatState,
    EvidenceLink,
    NewReport,
    Revision,
    StoredReport,
)
from bot.store.single import no_chat_lock

from .database import Database, placeholders
from .reports import REPORT_COLUMNS, insert_report, report_from_row, seal_report
from .rows import ENQUEUE, remember_ids, save_chat

# (table, key, column) of every value sealed by the keyring; reseal() walks them in key order.
SEALED = (
    ("sessions", "chat_key", "state"),
    ("reports", "id", "pin"),  # a legacy scrypt hash (from before PINs were sealed) is sealed as it is
    ("reports", "id", "answers"),
    ("evidence", "id", "url"),
    ("outbox", "id", "payload"),
    ("questions", "id", "text"),
    ("questions", "id", "answer"),  # NULL until answered: reseal and the key checks pass NULL by
    ("additions", "id", "text"),
    ("evidence_files", "id", "source"),  # NULL once the file is kept or failed
    ("evidence_files", "id", "content"),  # bytes, up to the file limit: resealed a few at a time
)
LARGE = {"evidence_files.content": 4}  # a batch of this column's values, instead of reseal's ``batch``
SEALED_SINCE = 5  # the schema version from which values are sealed

log = logging.getLogger(__name__)


class SqliteStore(Store):
    def __init__(self, path: str | Path, *, synchronous: str = "FULL", keyring: Keyring | None = None) -> None:
        self.path = Path(path)
        self.database = Database(path, synchronous=synchronous)
        self._keyring = keyring

    @property
    def keyring(self) -> Keyring:
        """Seals what citizens tell us (see keyring.py); DATA_KEY or the key file beside the database."""
        if self._keyring is None:
            if self.database.in_memory:
                self._keyring = Keyring(parse_keys(new_key(), "memory"), "memory")
            else:
                self._keyring = load_keyring(self.path, key_environment())
        return self._keyring

    def books(self, admin_ids: frozenset[int] = frozenset()) -> Books:
        from .books import sqlite_books  # the books import this module

        return sqlite_books(self, admin_ids)

    async def open(self) -> None:
        found = await self.database.open()
        try:
            self.keyring  # noqa: B018  # load (or create) the key before the first write, so a bad key fails here
            if found >= SEALED_SINCE:
                await self._check_key()
            await self.database.migrate(found)
            if found and found < SEALED_SINCE:
                await self.reseal()  # a database from before sealing: nothing stays in the clear
            if not self.database.in_memory:
                _owner_only(self.path)  # only once it proved to be our database: never chmod a stranger's file
        except BaseException:
            # Not a database, or a newer schema: close the connection, or its thread keeps the process alive.
            await self.close()
            raise

    async def close(self) -> None:
        await self.database.close()

    async def schema_version(self) -> int:
        return await self.database.schema_version()

    async def _check_key(self) -> None:
        """Fail at start-up, not in a citizen's conversation, when the key is not the database's.

        Runs before migrating: a column a later migration adds is not there yet, and holds nothing."""
        for table, _, column in SEALED:
            present = await self.database.fetchall(f"SELECT name FROM pragma_table_info('{table}')")
            if (column,) not in present:
                continue
            row = await self.database.fetchone(
                f"SELECT {column} FROM {table} WHERE {column} LIKE 'enc1:%' ORDER BY rowid DESC LIMIT 1"
            )
            if row is not None:
                self.keyring.open_bytes(str(row[0]), f"{table}.{column}")

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
                rows = await self.database.fetchall(
                    f"SELECT {key}, {column} FROM {table} WHERE {column} NOT LIKE ? {after} ORDER BY {key} LIMIT ?",
                    (prefix, *(() if last is None else (last,)), LARGE.get(name, batch)),
                )
                if not rows:
                    break
                sealed = [(ring.reseal(str(value), name), k) for k, value in rows]
                update = f"UPDATE {table} SET {column} = ? WHERE {key} = ?"
                await self.database.write(partial(_update_all, update, sealed))
                done += len(rows)
                last = rows[-1][0]
            changed[name] = done
        return changed

    # ---- revisions -----------------------------------------------------------------------------------

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        digest = hashlib.sha256(content.encode()).hexdigest()

        def publish(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO flow_revisions (flow_id, hash, content, author, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (flow_id, digest, content, author, now_iso()),
            )
            conn.execute(
                "INSERT INTO live_flows (flow_id, revision_id) "
                "SELECT flow_id, id FROM flow_revisions WHERE flow_id = ? AND hash = ? "
                "ON CONFLICT (flow_id) DO UPDATE SET revision_id = excluded.revision_id",
                (flow_id, digest),
            )

        await self.database.write(publish)
        revision = await self.live_revision(flow_id)
        assert revision is not None
        return revision

    async def _one_revision(self, where: str, arg: Any) -> Revision | None:
        row = await self.database.fetchone(
            f"SELECT id, flow_id, hash, content, author, created_at FROM flow_revisions WHERE {where}", (arg,)
        )
        return Revision(*row) if row else None

    async def live_revision(self, flow_id: str) -> Revision | None:
        return await self._one_revision("id = (SELECT revision_id FROM live_flows WHERE flow_id = ?)", flow_id)

    async def revision(self, revision_id: int) -> Revision | None:
        return await self._one_revision("id = ?", revision_id)

    async def revisions(self, flow_id: str) -> list[Revision]:
        rows = await self.database.fetchall(
            "SELECT id, flow_id, hash, content, author, created_at FROM flow_revisions WHERE flow_id = ? "
            "ORDER BY id DESC",
            (flow_id,),
        )
        return [Revision(*row) for row in rows]

    # ---- sessions and chats ----------------------------------------------------------------------------

    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int:
        def expire(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "DELETE FROM sessions WHERE updated_at < ? AND revision_id IS NOT ?", (before_iso, keep_revision)
            ).rowcount

        return await self.database.write(expire)

    async def load_session(self, chat_key: str) -> Session | None:
        row = await self.database.fetchone("SELECT state FROM sessions WHERE chat_key = ?", (chat_key,))
        return Session.from_json(self.keyring.open(row[0], "sessions.state")) if row else None

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        # Sealed here, on the event loop's side: the database's thread only runs SQL.
        state = None if session.finished else self.keyring.seal(session.to_json(), "sessions.state")
        sealed = seal_report(report, self.keyring) if report is not None else None

        def step(conn: sqlite3.Connection) -> int | None:
            report_id: int | None = None
            if report is not None and sealed is not None:
                try:
                    report_id = insert_report(conn, report, sealed)
                except sqlite3.IntegrityError as exc:
                    if "reports.reference" in str(exc):
                        raise ReferenceTaken(report.reference) from None
                    raise
                conn.executemany(ENQUEUE, [(*row[:3], report_id, *row[4:]) for row in sealed.deliveries])
            if state is None:
                conn.execute("DELETE FROM sessions WHERE chat_key = ?", (chat_key,))
            else:
                conn.execute(
                    "INSERT INTO sessions (chat_key, revision_id, state, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (chat_key) DO UPDATE SET revision_id = excluded.revision_id, "
                    "state = excluded.state, updated_at = excluded.updated_at",
                    (chat_key, session.revision, state, now_iso()),
                )
            if chat is not None:
                save_chat(conn, chat)
            return report_id

        return await self.database.write(step)

    async def chat_state(self, chat_key: str) -> ChatState | None:
        row = await self.database.fetchone(
            "SELECT chat_key, lang, active, last_update_id, question_message_id FROM chats WHERE chat_key = ?",
            (chat_key,),
        )
        return ChatState(row[0], row[1], bool(row[2]), row[3], row[4]) if row else None

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        def save(conn: sqlite3.Connection) -> None:
            save_chat(conn, state)
            if remember:
                remember_ids(conn, state.chat_key, remember, sent_at)

        await self.database.write(save)

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        await self.database.write(lambda conn: remember_ids(conn, chat_key, message_ids, sent_at))

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        def forget(conn: sqlite3.Connection) -> list[tuple[int, float]]:
            rows = conn.execute(
                "DELETE FROM chat_messages WHERE chat_key = ? RETURNING message_id, sent_at", (chat_key,)
            ).fetchall()
            return sorted((int(r[0]), float(r[1])) for r in rows)

        return await self.database.write(forget)

    def chat_lock(self, chat_key: str) -> AbstractAsyncContextManager[None]:
        return no_chat_lock()  # one process per SQLite file (single.py)

    # ---- reports -----------------------------------------------------------------------------------------

    async def reports_where(
        self, where: str, *args: Any, limit: int | None = None, order: str = "id", offset: int = 0
    ) -> list[StoredReport]:
        """Reports matching an SQL condition over the report columns (for this backend's books)."""
        sql = f"SELECT {REPORT_COLUMNS} FROM reports WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" LIMIT -1 OFFSET {int(offset)}" if limit is None else f" OFFSET {int(offset)}"

        def read(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            rows = conn.execute(sql, args).fetchall()
            if not rows:
                return rows, []
            ids = [row[0] for row in rows]
            links = conn.execute(
                f"SELECT report_id, url, platform, received_at FROM evidence WHERE report_id IN ({placeholders(ids)}) "
                "ORDER BY report_id, position",
                ids,
            ).fetchall()
            return rows, links

        rows, links = await self.database.read(read)
        evidence: dict[int, list[EvidenceLink]] = {int(row[0]): [] for row in rows}
        for report_id, url, platform, received_at in links:
            link = EvidenceLink(self.keyring.open(url, "evidence.url"), platform, received_at or "")
            evidence[int(report_id)].append(link)
        return [report_from_row(row, tuple(evidence[int(row[0])]), self.keyring) for row in rows]

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        found = await self.reports_where("reference = ?", reference)
        return found[0] if found else None

    async def report_by_id(self, report_id: int) -> StoredReport | None:
        found = await self.reports_where("id = ?", report_id)
        return found[0] if found else None

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]:
        return await self.reports_where("chat_key = ?", chat_key)

    async def count_reports(self) -> int:
        row = await self.database.fetchone("SELECT count(*) FROM reports")
        return int(row[0]) if row else 0

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        row = await self.database.fetchone(
            "SELECT count(*) FROM reports WHERE chat_key = ? AND created_at >= ?", (chat_key, since_iso)
        )
        return int(row[0]) if row else 0

    async def reports_created(
        self, since_iso: str, until_iso: str | None, after_id: int, limit: int
    ) -> list[StoredReport]:
        where, args = "id > ? AND created_at >= ?", [after_id, since_iso]
        if until_iso is not None:
            where += " AND created_at < ?"
            args.append(until_iso)
        return await self.reports_where(where, *args, limit=limit)


def _update_all(sql: str, rows: list[tuple[Any, ...]], conn: sqlite3.Connection) -> None:
    conn.executemany(sql, rows)


def _owner_only(path: Path) -> None:
    """The database file, and the -wal and -shm files SQLite creates with its mode, readable by us alone:
    an older file readable by others is tightened, with a warning."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            mode = file.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(file, 0o600)
                log.warning("%s could be read by other users (mode %o); now 600", file, mode)
