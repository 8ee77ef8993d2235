"""Cases in focal queues: bindings, officers, workflow transitions and relayed questions (PostgreSQL).

Every transition is one transaction holding the status change, its audit entry and the deliveries
it causes, guarded by the status it expects: PostgreSQL re-checks an UPDATE's WHERE on the row once
it holds its lock, so two officers pressing Claim at once (on two instances, even) give one claim and
one "already claimed", as SQLite's single writer does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bot.clock import now_iso
from bot.store.records import (
    CONNECTED_LIMIT,
    FILE_WAITING,
    NO_OPEN_ASK,
    OPEN_STATUSES,
    AuditEntry,
    CaseQuery,
    Connected,
    EvidenceLink,
    Exchange,
    NewFile,
    Outgoing,
    QueueBinding,
    StoredReport,
    keyed_addition,
)

from .audit import audit_row, audit_rows
from .case_query import case_where
from .database import Connection, affected
from .rows import enqueue, outbox_rows
from .store import PostgresStore

_CHANGEABLE = frozenset(
    {"status", "queue", "claimed_by", "claimed_name", "claimed_at", "outcome", "closed_at", "reminded", "queued_at"}
)
_OPEN = f"status IN ({', '.join(repr(s) for s in OPEN_STATUSES)})"

__all__ = ["NO_OPEN_ASK", "CaseBook"]


class CaseBook:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.database = store.database

    # ---- queues and officers ---------------------------------------------------------------------

    async def bind(self, key: str, chat_id: int, lang: str, by: int | None) -> None:
        async def bind(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO queues (key, chat_id, lang, bound_by, bound_at) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, lang = excluded.lang, "
                "bound_by = excluded.bound_by, bound_at = excluded.bound_at",
                key,
                chat_id,
                lang,
                by,
                now_iso(),
            )
            await audit_row(conn, AuditEntry(now_iso(), by, "", "bind_queue", None, key, True, str(chat_id)))

        await self.database.write(bind)

    async def bindings(self) -> dict[str, QueueBinding]:
        rows = await self.database.fetch("SELECT key, chat_id, lang FROM queues ORDER BY key")
        return {str(k): QueueBinding(str(k), int(c), str(lang)) for k, c, lang in rows}

    async def add_officer(self, queue: str, user_id: int, by: int | None) -> None:
        async def add(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO focal_members (queue, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT DO NOTHING",
                queue,
                user_id,
                by,
                now_iso(),
            )
            await audit_row(conn, AuditEntry(now_iso(), by, "", "add_officer", None, queue, True, str(user_id)))

        await self.database.write(add)

    async def remove_officer(self, queue: str, user_id: int, by: int | None) -> bool:
        async def remove(conn: Connection) -> bool:
            status = await conn.execute("DELETE FROM focal_members WHERE queue = $1 AND user_id = $2", queue, user_id)
            await audit_row(conn, AuditEntry(now_iso(), by, "", "remove_officer", None, queue, True, str(user_id)))
            return affected(status) > 0

        return await self.database.write(remove)

    async def officer_queues(self, user_id: int) -> list[str]:
        rows = await self.database.fetch("SELECT queue FROM focal_members WHERE user_id = $1 ORDER BY queue", user_id)
        return [str(row[0]) for row in rows]

    async def officers(self) -> list[tuple[str, int]]:
        rows = await self.database.fetch("SELECT queue, user_id FROM focal_members ORDER BY queue, user_id")
        return [(str(q), int(u)) for q, u in rows]

    # ---- cases -----------------------------------------------------------------------------------

    async def case(self, report_id: int) -> StoredReport | None:
        return await self.store.report_by_id(report_id)

    async def open_cases(self, queues: Sequence[str], limit: int = 50) -> list[StoredReport]:
        if not queues:
            return []
        # Priority first before the limit: a child's case must not fall off a long queue's first page.
        where = f"queue = ANY($1::text[]) AND {_OPEN}"
        return await self.store.reports_where(where, list(queues), limit=limit, order="priority DESC, id")

    async def count_open(self, queues: Sequence[str]) -> int:
        if not queues:
            return 0
        found = await self.database.fetchval(
            f"SELECT count(*) FROM reports WHERE queue = ANY($1::text[]) AND {_OPEN}", list(queues)
        )
        return int(found)

    async def find_cases(self, query: CaseQuery) -> list[StoredReport]:
        found = case_where(query)
        if found is None:
            return []
        where, args = found
        return await self.store.reports_where(
            where, *args, limit=query.limit, offset=query.offset, order="priority DESC, id"
        )

    async def count_cases(self, query: CaseQuery) -> int:
        found = case_where(query)
        if found is None:
            return 0
        where, args = found
        return int(await self.database.fetchval(f"SELECT count(*) FROM reports WHERE {where}", *args))

    async def transition(
        self,
        report_id: int,
        expected: Sequence[str],
        changes: dict[str, Any],
        audit: AuditEntry,
        deliveries: Sequence[Outgoing] = (),
        *,
        queue: str | None = None,
        unclaimed: bool = False,
    ) -> StoredReport | None:
        unknown = set(changes) - _CHANGEABLE
        if unknown:
            raise ValueError(f"not changeable: {sorted(unknown)}")
        if not changes:
            raise ValueError("nothing to change")
        # $1 the case, $2 the statuses expected, then one per change (names from _CHANGEABLE only).
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(changes, start=3))
        rows = outbox_rows(deliveries, self.store.keyring)

        guards = " AND claimed_by IS NULL" if unclaimed else ""
        guarded: tuple[str, ...] = ()
        if queue is not None:
            guards += f" AND queue = ${len(changes) + 3}"
            guarded = (queue,)

        async def transition(conn: Connection) -> bool:
            status = await conn.execute(
                f"UPDATE reports SET {assignments} WHERE id = $1 AND status = ANY($2::text[]){guards}",
                report_id,
                list(expected),
                *changes.values(),
                *guarded,
            )
            if affected(status) == 0:
                await audit_row(conn, _refused(audit, "case had moved on"))
                return False
            await audit_row(conn, audit)
            await enqueue(conn, rows)
            return True

        changed = await self.database.write(transition)
        return await self.case(report_id) if changed else None

    # ---- which message shows which case ----------------------------------------------------------

    async def remember_message(self, chat_id: int, message_id: int, report_id: int, kind: str) -> None:
        async def remember(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO case_messages (chat_id, message_id, report_id, kind, created_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chat_id, message_id) DO UPDATE SET "
                "report_id = excluded.report_id, kind = excluded.kind, created_at = excluded.created_at",
                chat_id,
                message_id,
                report_id,
                kind,
                time.time(),
            )

        await self.database.write(remember)

    async def message_case(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        row = await self.database.fetchrow(
            "SELECT report_id, kind FROM case_messages WHERE chat_id = $1 AND message_id = $2", chat_id, message_id
        )
        return (int(row[0]), str(row[1])) if row else None

    async def case_messages(self, report_id: int, kind: str = "card") -> list[tuple[int, int]]:
        rows = await self.database.fetch(
            "SELECT chat_id, message_id FROM case_messages WHERE report_id = $1 AND kind = $2 ORDER BY created_at",
            report_id,
            kind,
        )
        return [(int(c), int(m)) for c, m in rows]

    # ---- questions relayed between an officer and the citizen ------------------------------------

    async def open_ask(self, report_id: int, officer_id: int, chat_id: int, prompt_message_id: int | None) -> None:
        async def open_ask(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO asks (report_id, officer_id, chat_id, prompt_message_id, opened_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, officer_id) DO UPDATE SET "
                "chat_id = excluded.chat_id, prompt_message_id = excluded.prompt_message_id, "
                "opened_at = excluded.opened_at",
                report_id,
                officer_id,
                chat_id,
                prompt_message_id,
                time.time(),
            )

        await self.database.write(open_ask)

    async def pending_ask(self, report_id: int, officer_id: int, within: float) -> int | None:
        """The prompt message id (or 0) of the officer's open Ask on the case, if opened within ``within`` s."""
        row = await self.database.fetchrow(
            "SELECT prompt_message_id FROM asks WHERE report_id = $1 AND officer_id = $2 AND opened_at >= $3",
            report_id,
            officer_id,
            time.time() - within,
        )
        return (int(row[0]) if row[0] is not None else 0) if row else None

    async def ask(
        self, report_id: int, officer_id: int, text: str, audit: AuditEntry, delivery: Outgoing
    ) -> int | None:
        """Record the officer's question, close their Ask, mark the case waiting and queue the relay.

        ``delivery.payload`` gets the question's id. Returns it, None when the case is closed, or
        ``NO_OPEN_ASK`` when the officer's Ask was already used: the same reply delivered several
        times at once asks the citizen once (the Ask's row is deleted by one transaction only).
        """
        keyring = self.store.keyring
        sealed = keyring.seal(text, "questions.text")

        async def ask(conn: Connection) -> int | None:
            status = await conn.execute(
                "DELETE FROM asks WHERE report_id = $1 AND officer_id = $2", report_id, officer_id
            )
            if affected(status) == 0:
                return NO_OPEN_ASK
            status = await conn.execute(f"UPDATE reports SET status = 'waiting' WHERE id = $1 AND {_OPEN}", report_id)
            if affected(status) == 0:
                await audit_row(conn, _refused(audit, "case is closed"))
                return None
            question_id = int(
                await conn.fetchval(
                    "INSERT INTO questions (report_id, asked_by, text, asked_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    report_id,
                    officer_id,
                    sealed,
                    now_iso(),
                )
            )
            await audit_row(conn, audit)
            payload = {**delivery.payload, "question_id": question_id}
            keyed = Outgoing(
                delivery.kind,
                delivery.target,
                f"{delivery.dedupe_key}:{question_id}",
                report_id,
                delivery.priority,
                payload,
            )
            # Sealed here: the payload's question id is known only inside the transaction.
            await enqueue(conn, outbox_rows([keyed], keyring))
            return question_id

        return await self.database.write(ask)

    async def question(self, question_id: int) -> tuple[int, str] | None:
        """(report id, text) of a question."""
        row = await self.database.fetchrow("SELECT report_id, text FROM questions WHERE id = $1", question_id)
        return (int(row[0]), self.store.keyring.open(str(row[1]), "questions.text")) if row else None

    async def question_shown(self, question_id: int, citizen_message_id: int) -> None:
        async def shown(conn: Connection) -> None:
            await conn.execute(
                "UPDATE questions SET citizen_message_id = $1 WHERE id = $2", citizen_message_id, question_id
            )

        await self.database.write(shown)

    async def open_question(self, chat_key: str, reply_to: int | None, exact: bool = False) -> tuple[int, int] | None:
        """(question id, report id) the citizen's message answers: the question replied to, else (unless
        ``exact``) the newest unanswered one, on a case still open."""
        sql = (
            "SELECT q.id, q.report_id, q.citizen_message_id FROM questions q JOIN reports r ON r.id = q.report_id "
            f"WHERE r.chat_key = $1 AND r.{_OPEN} AND q.citizen_message_id IS NOT NULL "
        )
        rows = await self.database.fetch(sql + "ORDER BY q.id DESC", chat_key)
        if reply_to is not None:
            match = next((r for r in rows if r[2] == reply_to), None)
            if match is not None:
                return int(match[0]), int(match[1])
        if exact:
            return None
        row = await self.database.fetchrow(sql + "AND q.answered_at IS NULL ORDER BY q.id DESC LIMIT 1", chat_key)
        return (int(row[0]), int(row[1])) if row else None

    async def answer(self, question_id: int, report_id: int, audit: AuditEntry, delivery: Outgoing) -> None:
        """The citizen answered: record it, put the case back to claimed, and queue the relay to the officers."""
        rows = outbox_rows([delivery], self.store.keyring)
        text = delivery.payload.get("text")
        sealed = self.store.keyring.seal(str(text), "questions.answer") if text is not None else None

        async def answer(conn: Connection) -> None:
            # The case's row first: two answers to two questions at once are then taken one after the
            # other, and the second sees the first's answer (otherwise each would see the other's
            # question unanswered, and the case would stay waiting).
            await conn.execute("SELECT 1 FROM reports WHERE id = $1 FOR UPDATE", report_id)
            await conn.execute(
                "UPDATE questions SET answered_at = coalesce(answered_at, $1), answer = coalesce($2, answer) "
                "WHERE id = $3",
                now_iso(),
                sealed,
                question_id,
            )
            await conn.execute(
                "UPDATE reports SET status = CASE WHEN claimed_by IS NULL THEN 'new' ELSE 'claimed' END "
                "WHERE id = $1 AND status = 'waiting' AND NOT EXISTS "
                "(SELECT 1 FROM questions WHERE report_id = $1 AND answered_at IS NULL)",
                report_id,
            )
            await audit_row(conn, audit)
            await enqueue(conn, rows)

        await self.database.write(answer)

    async def thread(self, report_id: int) -> list[Exchange]:
        rows = await self.database.fetch(
            "SELECT id, asked_by, text, asked_at, answer, answered_at FROM questions WHERE report_id = $1 ORDER BY id",
            report_id,
        )
        ring = self.store.keyring
        return [
            Exchange(
                int(q),
                int(by),
                ring.open(text, "questions.text"),
                asked_at,
                None if answer is None else ring.open(answer, "questions.answer"),
                answered_at,
            )
            for q, by, text, asked_at, answer, answered_at in rows
        ]

    # ---- what the citizen adds to her case -------------------------------------------------------

    async def add_information(
        self,
        report_id: int,
        text: str,
        links: Sequence[EvidenceLink],
        audit: AuditEntry,
        delivery: Outgoing,
        files: Sequence[NewFile] = (),
    ) -> StoredReport | None:
        keyring = self.store.keyring
        sealed = keyring.seal(text, "additions.text")
        urls = [keyring.seal(link.url, "evidence.url") for link in links]
        sources = [keyring.seal(f.source, "evidence_files.source") for f in files]

        async def add(conn: Connection) -> bool:
            # The case's row locked first: a close on another instance waits for this addition, or this
            # one sees the case closed; two additions at once take their evidence positions in turn.
            found = await conn.fetchval(f"SELECT 1 FROM reports WHERE id = $1 AND {_OPEN} FOR UPDATE", report_id)
            if found is None:
                await audit_row(conn, _refused(audit, "case is closed"))
                return False
            addition_id = int(
                await conn.fetchval(
                    "INSERT INTO additions (report_id, text, added_at) VALUES ($1, $2, $3) RETURNING id",
                    report_id,
                    sealed,
                    now_iso(),
                )
            )
            start = int(
                await conn.fetchval(
                    "SELECT coalesce(max(position) + 1, 0) FROM evidence WHERE report_id = $1", report_id
                )
            )
            if links:
                await conn.executemany(
                    "INSERT INTO evidence (report_id, position, url, platform, received_at) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    [
                        (report_id, start + i, url, link.platform, link.received_at or None)
                        for i, (url, link) in enumerate(zip(urls, links, strict=True))
                    ],
                )
            if files:
                after = int(
                    await conn.fetchval(
                        "SELECT coalesce(max(position), 0) FROM evidence_files WHERE report_id = $1", report_id
                    )
                )
                await conn.executemany(
                    "INSERT INTO evidence_files (report_id, position, kind, mime_type, size, received_at, status, "
                    "source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    [
                        (report_id, after + i, f.kind, f.mime_type, f.size, f.received_at, FILE_WAITING, source)
                        for i, (source, f) in enumerate(zip(sources, files, strict=True), start=1)
                    ],
                )
            await audit_row(conn, audit)
            await enqueue(conn, outbox_rows([keyed_addition(delivery, report_id, addition_id)], keyring))
            return True

        added = await self.database.write(add)
        return await self.case(report_id) if added else None

    async def additions(self, report_id: int) -> list[tuple[str, str]]:
        rows = await self.database.fetch(
            "SELECT added_at, text FROM additions WHERE report_id = $1 ORDER BY id", report_id
        )
        return [(str(at), self.store.keyring.open(str(text), "additions.text")) for at, text in rows]

    async def connected(self, report_id: int) -> list[Connected]:
        rows = await self.database.fetch(
            "SELECT r.id, r.reference, r.queue FROM reports r WHERE r.id IN ("
            "SELECT other.report_id FROM case_keys mine JOIN case_keys other ON other.key = mine.key "
            "WHERE mine.report_id = $1 AND other.report_id <> mine.report_id) ORDER BY r.id DESC LIMIT $2",
            report_id,
            CONNECTED_LIMIT,
        )
        return [(int(found), str(reference), queue) for found, reference, queue in rows]

    # ---- service levels --------------------------------------------------------------------------

    async def unclaimed_since(self, level: int, before: str, before_priority: str) -> list[StoredReport]:
        """New cases queued before the threshold (a shorter one for priority cases) not yet raised to ``level``."""
        return await self.store.reports_where(
            "status = 'new' AND reminded < $1 "
            "AND ((priority AND queued_at <= $2) OR (NOT priority AND queued_at <= $3))",
            level,
            before_priority,
            before,
            limit=500,
        )

    async def raise_level(self, report_ids: Sequence[int], level: int, deliveries: Sequence[Outgoing]) -> None:
        if not report_ids:
            return
        rows = outbox_rows(deliveries, self.store.keyring)
        ids = list(report_ids)

        async def raise_level(conn: Connection) -> None:
            await conn.execute(
                "UPDATE reports SET reminded = greatest(reminded, $1) WHERE id = ANY($2::bigint[])", level, ids
            )
            entries = [AuditEntry(now_iso(), None, "sla", f"reminder_{level}", rid, None, True) for rid in ids]
            await audit_rows(conn, entries)
            await enqueue(conn, rows)

        await self.database.write(raise_level)


def _refused(entry: AuditEntry, why: str) -> AuditEntry:
    return AuditEntry(entry.at, entry.actor, entry.actor_name, entry.action, entry.report_id, entry.queue, False, why)
