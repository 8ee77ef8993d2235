"""The default store: one SQLite file in WAL mode, reached through aiosqlite.

WAL lets readers (status checks, the outbox) run while a step commits. ``synchronous=FULL`` makes
each committed step survive a power cut, not only a crash of the process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.engine.session import Session

from .base import ReferenceTaken, Store
from .migrations import MIGRATIONS
from .records import ChatState, EvidenceLink, NewReport, Revision, StoredReport

_REPORT_COLUMNS = (
    "id, reference, pin_hash, flow_id, revision_id, chat_key, language, category, province, minor, "
    "status, answers, created_at"
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore(Store):
    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self._db: aiosqlite.Connection | None = None
        # One connection serves every chat; its transactions must not interleave (a second BEGIN
        # inside the first fails, and a stray write would join someone else's transaction).
        self._writing = asyncio.Lock()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so one step is exactly one transaction.
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self.db.execute("PRAGMA journal_mode=WAL")
        await self.db.execute(f"PRAGMA synchronous={self.synchronous}")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        version = await self.schema_version()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version={number}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise

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

    async def load_session(self, chat_key: str) -> Session | None:
        async with self.db.execute("SELECT state FROM sessions WHERE chat_key = ?", (chat_key,)) as cur:
            row = await cur.fetchone()
        return Session.from_json(row[0]) if row else None

    async def commit_step(self, chat_key: str, session: Session, report: NewReport | None = None) -> int | None:
        async with self._writing:
            report_id: int | None = None
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                if report is not None:
                    report_id = await self._insert_report(report)
                if session.finished:
                    await self.db.execute("DELETE FROM sessions WHERE chat_key = ?", (chat_key,))
                else:
                    await self.db.execute(
                        "INSERT INTO sessions (chat_key, revision_id, state, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (chat_key) DO UPDATE SET revision_id = excluded.revision_id, "
                        "state = excluded.state, updated_at = excluded.updated_at",
                        (chat_key, session.revision, session.to_json(), now_iso()),
                    )
                await self.db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                await self.db.execute("ROLLBACK")
                if "reports.reference" in str(exc):
                    raise ReferenceTaken(report.reference if report else "") from None
                raise
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            return report_id

    async def _insert_report(self, report: NewReport) -> int:
        cur = await self.db.execute(
            "INSERT INTO reports (reference, pin_hash, flow_id, revision_id, chat_key, language, category, "
            "province, minor, answers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                json.dumps(report.answers, ensure_ascii=False),
                report.created_at or now_iso(),
            ),
        )
        report_id = cur.lastrowid
        assert report_id is not None
        await self.db.executemany(
            "INSERT INTO evidence (report_id, position, url, platform) VALUES (?, ?, ?, ?)",
            [(report_id, i, link.url, link.platform) for i, link in enumerate(report.evidence)],
        )
        return report_id

    async def _reports(self, where: str, arg: Any) -> list[StoredReport]:
        async with self.db.execute(f"SELECT {_REPORT_COLUMNS} FROM reports WHERE {where} ORDER BY id", (arg,)) as cur:
            rows = list(await cur.fetchall())
        result = []
        for row in rows:
            async with self.db.execute(
                "SELECT url, platform FROM evidence WHERE report_id = ? ORDER BY position", (row[0],)
            ) as cur:
                evidence = tuple(EvidenceLink(url, platform) for url, platform in await cur.fetchall())
            result.append(
                StoredReport(
                    id=row[0],
                    reference=row[1],
                    pin_hash=row[2],
                    flow_id=row[3],
                    revision_id=row[4],
                    chat_key=row[5],
                    language=row[6],
                    category=row[7],
                    province=row[8],
                    minor=bool(row[9]),
                    status=row[10],
                    answers=json.loads(row[11]),
                    created_at=row[12],
                    evidence=evidence,
                )
            )
        return result

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        found = await self._reports("reference = ?", reference)
        return found[0] if found else None

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
        async with self.db.execute(
            "SELECT chat_key, lang, active, last_update_id, question_message_id FROM chats WHERE chat_key = ?",
            (chat_key,),
        ) as cur:
            row = await cur.fetchone()
        return ChatState(row[0], row[1], bool(row[2]), row[3], row[4]) if row else None

    async def save_chat_state(self, state: ChatState) -> None:
        async with self._writing:
            await self.db.execute(
                "INSERT INTO chats (chat_key, lang, active, last_update_id, question_message_id, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_key) DO UPDATE SET lang = excluded.lang, "
                "active = excluded.active, last_update_id = excluded.last_update_id, "
                "question_message_id = excluded.question_message_id, updated_at = excluded.updated_at",
                (
                    state.chat_key,
                    state.lang,
                    int(state.active),
                    state.last_update_id,
                    state.question_message_id,
                    now_iso(),
                ),
            )

    async def remember_messages(self, chat_key: str, message_ids: list[int], sent_at: float) -> None:
        async with self._writing:
            await self.db.executemany(
                "INSERT OR IGNORE INTO chat_messages (chat_key, message_id, sent_at) VALUES (?, ?, ?)",
                [(chat_key, mid, sent_at) for mid in message_ids],
            )

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        async with self._writing:
            async with self.db.execute(
                "DELETE FROM chat_messages WHERE chat_key = ? RETURNING message_id, sent_at", (chat_key,)
            ) as cur:
                rows = await cur.fetchall()
            return sorted((int(r[0]), float(r[1])) for r in rows)
