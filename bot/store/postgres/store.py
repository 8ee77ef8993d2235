"""The PostgreSQL backend: revisions, sessions and reports, and the way to its books.

What citizens tell us is sealed by the keyring before it is written, in the same columns as SQLite
(``SEALED``). SQLite keeps its key in a file beside the database; a PostgreSQL server has no such
place we own, so the key comes from DATA_KEY or DATA_KEY_FILE, or is handed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg

from bot.clock import now_iso
from bot.config import key_environment
from bot.engine.session import Session
from bot.problems import ConfigError
from bot.store.base import Store
from bot.store.keyring import Keyring, load_keyring
from bot.store.ports import Books, ReferenceTaken
from bot.store.records import (
    ChatState,
    NewReport,
    Revision,
    StoredReport,
)

from .database import MAX_POOL, Connection, Database, affected
from .locks import ChatLocks, Leaders
from .reports import EVIDENCE_COLUMNS, REPORT_COLUMNS, insert_report, report_from_row, seal_report
from .rows import enqueue, remember_ids, save_chat

# (table, key, column) of every value sealed by the keyring: the same as SQLite's.
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

REVISION_COLUMNS = "id, flow_id, hash, content, author, created_at"


class PostgresStore(Store):
    def __init__(
        self,
        dsn: str,
        *,
        keyring: Keyring | None = None,
        schema: str | None = None,
        min_pool: int = 1,
        max_pool: int = MAX_POOL,
    ) -> None:
        """``dsn`` is ``postgresql://user@host:port/database``; ``schema``, when given, holds every table
        (created if missing); the pool keeps ``min_pool`` to ``max_pool`` connections (see MAX_POOL)."""
        self.database = Database(dsn, schema=schema, min_size=min_pool, max_size=max_pool)
        self._keyring = keyring
        self.chat_locks = ChatLocks(self.database)
        # The store's, not the books': books() may be called many times, and close() must step down.
        self.leaders = Leaders(self.database)

    @property
    def keyring(self) -> Keyring:
        """Seals what citizens tell us (see keyring.py): DATA_KEY, else DATA_KEY_FILE."""
        if self._keyring is None:
            self._keyring = keyring_from(key_environment())
        return self._keyring

    def books(self, admin_ids: frozenset[int] = frozenset()) -> Books:
        from .books import postgres_books  # the books import this module

        return postgres_books(self, admin_ids)

    async def open(self) -> None:
        self.keyring  # noqa: B018  # before connecting: a missing key fails before the database is touched
        await self.database.open()
        try:
            if await self.database.schema_version():
                await self._check_key()
            await self.database.migrate()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        await self.leaders.close()  # first: another instance takes the roles at once
        await self.database.close()

    async def schema_version(self) -> int:
        return await self.database.schema_version()

    async def _check_key(self) -> None:
        """Fail at start-up, not in a citizen's conversation, when the key is not the database's.

        Runs before migrating: a column a later migration adds is not there yet, and holds nothing."""
        rows = await self.database.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        )
        present = {(str(table), str(column)) for table, column in rows}
        for table, key, column in SEALED:
            if (table, column) not in present:
                continue
            value = await self.database.fetchval(
                f"SELECT {column} FROM {table} WHERE {column} LIKE 'enc1:%' ORDER BY {key} DESC LIMIT 1"
            )
            if value is not None:
                self.keyring.open_bytes(str(value), f"{table}.{column}")

    async def reseal(self, batch: int = 1000) -> dict[str, int]:
        """Seal every value not sealed with the current key, a batch per transaction so the bot can keep
        running. A value changed meanwhile by another writer is left to it (it seals with the current key).
        Returns how many values changed per column."""
        changed: dict[str, int] = {}
        ring = self.keyring
        prefix = f"enc1:{ring.current}:%"
        for table, key, column in SEALED:
            name, done, last = f"{table}.{column}", 0, None
            while True:
                after = "" if last is None else f"AND {key} > $3"
                rows = await self.database.fetch(
                    f"SELECT {key}, {column} FROM {table} WHERE {column} NOT LIKE $1 {after} ORDER BY {key} LIMIT $2",
                    prefix,
                    LARGE.get(name, batch),
                    *(() if last is None else (last,)),
                )
                if not rows:
                    break
                sealed = [(ring.reseal(str(value), name), k, value) for k, value in rows]
                update = f"UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3"
                await self.database.write(partial(_update_all, update, sealed))
                done += len(rows)
                last = rows[-1][0]
            changed[name] = done
        return changed

    # ---- revisions -----------------------------------------------------------------------------------

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        digest = hashlib.sha256(content.encode()).hexdigest()

        async def publish(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO flow_revisions (flow_id, hash, content, author, created_at) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (flow_id, hash) DO NOTHING",
                flow_id,
                digest,
                content,
                author,
                now_iso(),
            )
            await conn.execute(
                "INSERT INTO live_flows (flow_id, revision_id) "
                "SELECT $1, id FROM flow_revisions WHERE flow_id = $1 AND hash = $2 "
                "ON CONFLICT (flow_id) DO UPDATE SET revision_id = excluded.revision_id",
                flow_id,
                digest,
            )

        await self.database.write(publish)
        revision = await self.live_revision(flow_id)
        assert revision is not None
        return revision

    async def _one_revision(self, where: str, arg: Any) -> Revision | None:
        row = await self.database.fetchrow(f"SELECT {REVISION_COLUMNS} FROM flow_revisions WHERE {where}", arg)
        return Revision(*row) if row else None

    async def live_revision(self, flow_id: str) -> Revision | None:
        return await self._one_revision("id = (SELECT revision_id FROM live_flows WHERE flow_id = $1)", flow_id)

    async def revision(self, revision_id: int) -> Revision | None:
        return await self._one_revision("id = $1", revision_id)

    async def revisions(self, flow_id: str) -> list[Revision]:
        rows = await self.database.fetch(
            f"SELECT {REVISION_COLUMNS} FROM flow_revisions WHERE flow_id = $1 ORDER BY id DESC", flow_id
        )
        return [Revision(*row) for row in rows]

    # ---- sessions and chats ----------------------------------------------------------------------------

    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int:
        async def expire(conn: Connection) -> int:
            return affected(
                await conn.execute(
                    "DELETE FROM sessions WHERE updated_at < $1 AND revision_id IS DISTINCT FROM $2::bigint",
                    before_iso,
                    keep_revision,
                )
            )

        return await self.database.write(expire)

    async def load_session(self, chat_key: str) -> Session | None:
        state = await self.database.fetchval("SELECT state FROM sessions WHERE chat_key = $1", chat_key)
        return Session.from_json(self.keyring.open(state, "sessions.state")) if state is not None else None

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        state = None if session.finished else self.keyring.seal(session.to_json(), "sessions.state")
        sealed = seal_report(report, self.keyring) if report is not None else None

        async def step(conn: Connection) -> int | None:
            report_id: int | None = None
            if report is not None and sealed is not None:
                try:
                    report_id = await insert_report(conn, report, sealed)
                except asyncpg.exceptions.UniqueViolationError as exc:
                    if exc.constraint_name == "reports_reference_unique":
                        # The transaction is rolled back: neither the session nor the chat state moves.
                        raise ReferenceTaken(report.reference) from None
                    raise
                await enqueue(conn, [(*row[:3], report_id, *row[4:]) for row in sealed.deliveries])
            if state is None:
                await conn.execute("DELETE FROM sessions WHERE chat_key = $1", chat_key)
            else:
                await conn.execute(
                    "INSERT INTO sessions (chat_key, revision_id, state, updated_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (chat_key) DO UPDATE SET revision_id = excluded.revision_id, "
                    "state = excluded.state, updated_at = excluded.updated_at",
                    chat_key,
                    session.revision,
                    state,
                    now_iso(),
                )
            if chat is not None:
                await save_chat(conn, chat)
            return report_id

        return await self.database.write(step)

    async def chat_state(self, chat_key: str) -> ChatState | None:
        row = await self.database.fetchrow(
            "SELECT chat_key, lang, active, last_update_id, question_message_id FROM chats WHERE chat_key = $1",
            chat_key,
        )
        return ChatState(row[0], row[1], bool(row[2]), row[3], row[4]) if row else None

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        async def save(conn: Connection) -> None:
            await save_chat(conn, state)
            if remember:
                await remember_ids(conn, state.chat_key, remember, sent_at)

        await self.database.write(save)

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        await self.database.write(lambda conn: remember_ids(conn, chat_key, message_ids, sent_at))

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        async def forget(conn: Connection) -> list[tuple[int, float]]:
            rows = await conn.fetch(
                "DELETE FROM chat_messages WHERE chat_key = $1 RETURNING message_id, sent_at", chat_key
            )
            return sorted((int(r[0]), float(r[1])) for r in rows)

        return await self.database.write(forget)

    def chat_lock(self, chat_key: str) -> AbstractAsyncContextManager[None]:
        """An advisory lock per chat, held across instances for one update's handling (locks.py)."""
        return self.chat_locks.hold(chat_key)

    # ---- reports -----------------------------------------------------------------------------------------

    async def reports_where(
        self, where: str, *args: Any, limit: int | None = None, order: str = "id", offset: int = 0
    ) -> list[StoredReport]:
        """Reports matching an SQL condition over the report columns ($1... for ``args``; for this
        backend's books), with their evidence."""
        sql = f"SELECT {REPORT_COLUMNS}, {EVIDENCE_COLUMNS} FROM reports WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        rows = await self.database.fetch(sql, *args)
        return [report_from_row(row, self.keyring) for row in rows]

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        found = await self.reports_where("reference = $1", reference)
        return found[0] if found else None

    async def report_by_id(self, report_id: int) -> StoredReport | None:
        found = await self.reports_where("id = $1", report_id)
        return found[0] if found else None

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]:
        return await self.reports_where("chat_key = $1", chat_key)

    async def count_reports(self) -> int:
        return int(await self.database.fetchval("SELECT count(*) FROM reports"))

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        return int(
            await self.database.fetchval(
                "SELECT count(*) FROM reports WHERE chat_key = $1 AND created_at >= $2", chat_key, since_iso
            )
        )

    async def reports_created(
        self, since_iso: str, until_iso: str | None, after_id: int, limit: int
    ) -> list[StoredReport]:
        where, args = "id > $1 AND created_at >= $2", [after_id, since_iso]
        if until_iso is not None:
            where += " AND created_at < $3"
            args.append(until_iso)
        return await self.reports_where(where, *args, limit=limit)


def keyring_from(environ: dict[str, str]) -> Keyring:
    """DATA_KEY, else DATA_KEY_FILE (``config.key_environment()``); a ConfigError naming them when neither is set."""
    if not environ.get("DATA_KEY", "").strip() and not environ.get("DATA_KEY_FILE"):
        raise ConfigError(
            "the PostgreSQL store needs its data key: set DATA_KEY (make one with 'main.py keys new') or "
            "DATA_KEY_FILE (a file holding it); unlike SQLite there is no key file beside the database"
        )
    # With DATA_KEY or DATA_KEY_FILE set, load_keyring never looks beside its database path; a file
    # that is missing is refused rather than created (a new key could not open what is stored).
    return load_keyring(Path("postgresql"), environ, create=False)


async def _update_all(sql: str, rows: list[tuple[Any, ...]], conn: Connection) -> None:
    await conn.executemany(sql, rows)
