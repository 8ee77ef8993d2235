"""Cases in focal queues: bindings, officers, workflow transitions, relayed questions and the audit trail.

Every transition is one transaction holding the status change, its audit entry and the deliveries
it causes (the citizen's update, a card in another queue), guarded by the status it expects, so two
officers pressing Claim at once give one claim and one "already claimed".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bot.store.records import AuditEntry, Outgoing, QueueBinding, StoredReport
from bot.store.sqlite.database import SqliteStore, enqueue, now_iso

_CHANGEABLE = frozenset(
    {"status", "queue", "claimed_by", "claimed_name", "claimed_at", "outcome", "closed_at", "reminded", "queued_at"}
)


NO_OPEN_ASK = 0  # CaseBook.ask: the officer has no open Ask (another copy of the reply took it)


class CaseBook:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    # ---- queues and officers ---------------------------------------------------------------------

    async def bind(self, key: str, chat_id: int, lang: str, by: int | None) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO queues (key, chat_id, lang, bound_by, bound_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET chat_id = excluded.chat_id, lang = excluded.lang, "
                "bound_by = excluded.bound_by, bound_at = excluded.bound_at",
                (key, chat_id, lang, by, now_iso()),
            )
            await audit_row(db, AuditEntry(now_iso(), by, "", "bind_queue", None, key, True, str(chat_id)))

    async def bindings(self) -> dict[str, QueueBinding]:
        async with self.store.db.execute("SELECT key, chat_id, lang FROM queues ORDER BY key") as cur:
            return {str(k): QueueBinding(str(k), int(c), str(lang)) for k, c, lang in await cur.fetchall()}

    async def add_officer(self, queue: str, user_id: int, by: int | None) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO focal_members (queue, user_id, added_by, added_at) VALUES (?, ?, ?, ?)",
                (queue, user_id, by, now_iso()),
            )
            await audit_row(db, AuditEntry(now_iso(), by, "", "add_officer", None, queue, True, str(user_id)))

    async def remove_officer(self, queue: str, user_id: int, by: int | None) -> bool:
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM focal_members WHERE queue = ? AND user_id = ?", (queue, user_id))
            await audit_row(db, AuditEntry(now_iso(), by, "", "remove_officer", None, queue, True, str(user_id)))
            return cur.rowcount > 0

    async def officer_queues(self, user_id: int) -> list[str]:
        async with self.store.db.execute(
            "SELECT queue FROM focal_members WHERE user_id = ? ORDER BY queue", (user_id,)
        ) as cur:
            return [str(row[0]) for row in await cur.fetchall()]

    async def officers(self) -> list[tuple[str, int]]:
        async with self.store.db.execute("SELECT queue, user_id FROM focal_members ORDER BY queue, user_id") as cur:
            return [(str(q), int(u)) for q, u in await cur.fetchall()]

    # ---- cases -----------------------------------------------------------------------------------

    async def case(self, report_id: int) -> StoredReport | None:
        return await self.store.report_by_id(report_id)

    async def open_cases(self, queues: Sequence[str], limit: int = 50) -> list[StoredReport]:
        if not queues:
            return []
        marks = ",".join("?" * len(queues))
        found = await self.store.reports_where(
            f"queue IN ({marks}) AND status IN ('new', 'claimed', 'waiting')", *queues, limit=limit
        )
        return sorted(found, key=lambda r: (not r.priority, r.id))

    async def count_open(self, queues: Sequence[str]) -> int:
        marks = ",".join("?" * len(queues))
        async with self.store.db.execute(
            f"SELECT count(*) FROM reports WHERE queue IN ({marks}) AND status IN ('new', 'claimed', 'waiting')",
            tuple(queues),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def transition(
        self,
        report_id: int,
        expected: Sequence[str],
        changes: dict[str, Any],
        audit: AuditEntry,
        deliveries: Sequence[Outgoing] = (),
    ) -> StoredReport | None:
        """Apply ``changes`` if the case's status is one of ``expected``; audit either way.

        Returns the changed case, or None (and an audit entry saying why) when the case had moved on.
        """
        unknown = set(changes) - _CHANGEABLE
        if unknown:
            raise ValueError(f"not changeable: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        marks = ",".join("?" * len(expected))
        async with self.store.transaction() as db:
            cur = await db.execute(
                f"UPDATE reports SET {assignments} WHERE id = ? AND status IN ({marks})",
                (*changes.values(), report_id, *expected),
            )
            if cur.rowcount == 0:
                await audit_row(db, _refused(audit, "case had moved on"))
                changed = False
            else:
                await audit_row(db, audit)
                await enqueue(db, deliveries, self.store.keyring)
                changed = True
        return await self.case(report_id) if changed else None

    async def audit(self, entry: AuditEntry) -> None:
        async with self.store.transaction() as db:
            await audit_row(db, entry)

    async def audit_trail(self, report_id: int | None = None) -> list[AuditEntry]:
        where, args = ("WHERE report_id = ?", (report_id,)) if report_id is not None else ("", ())
        async with self.store.db.execute(
            f"SELECT at, actor, actor_name, action, report_id, queue, allowed, detail FROM audit {where} ORDER BY id",
            args,
        ) as cur:
            rows = await cur.fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in rows]

    # ---- which message shows which case ----------------------------------------------------------

    async def remember_message(self, chat_id: int, message_id: int, report_id: int, kind: str) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO case_messages (chat_id, message_id, report_id, kind, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (chat_id, message_id, report_id, kind, time.time()),
            )

    async def message_case(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        async with self.store.db.execute(
            "SELECT report_id, kind FROM case_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]), self.store.keyring.open(str(row[1]), "questions.text")) if row else None

    async def case_messages(self, report_id: int, kind: str = "card") -> list[tuple[int, int]]:
        async with self.store.db.execute(
            "SELECT chat_id, message_id FROM case_messages WHERE report_id = ? AND kind = ? ORDER BY created_at",
            (report_id, kind),
        ) as cur:
            return [(int(c), int(m)) for c, m in await cur.fetchall()]

    # ---- questions relayed between an officer and the citizen ------------------------------------

    async def open_ask(self, report_id: int, officer_id: int, chat_id: int, prompt_message_id: int | None) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO asks (report_id, officer_id, chat_id, prompt_message_id, opened_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (report_id, officer_id, chat_id, prompt_message_id, time.time()),
            )

    async def pending_ask(self, report_id: int, officer_id: int, within: float) -> int | None:
        """The prompt message id (or 0) of the officer's open Ask on the case, if opened within ``within`` s."""
        async with self.store.db.execute(
            "SELECT prompt_message_id FROM asks WHERE report_id = ? AND officer_id = ? AND opened_at >= ?",
            (report_id, officer_id, time.time() - within),
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]) if row[0] is not None else 0) if row else None

    async def ask(
        self, report_id: int, officer_id: int, text: str, audit: AuditEntry, delivery: Outgoing
    ) -> int | None:
        """Record the officer's question, close their Ask, mark the case waiting and queue the relay.

        ``delivery.payload`` gets the question's id. Returns it, None when the case is closed, or
        ``NO_OPEN_ASK`` when the officer's Ask was already used: the same reply delivered several
        times at once asks the citizen once (the Ask is taken in the same transaction as the question).
        """
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM asks WHERE report_id = ? AND officer_id = ?", (report_id, officer_id))
            if cur.rowcount == 0:
                return NO_OPEN_ASK
            cur = await db.execute(
                "UPDATE reports SET status = 'waiting' WHERE id = ? AND status IN ('new', 'claimed', 'waiting')",
                (report_id,),
            )
            if cur.rowcount == 0:
                await audit_row(db, _refused(audit, "case is closed"))
                return None
            cur = await db.execute(
                "INSERT INTO questions (report_id, asked_by, text, asked_at) VALUES (?, ?, ?, ?)",
                (report_id, officer_id, self.store.keyring.seal(text, "questions.text"), now_iso()),
            )
            question_id = cur.lastrowid
            assert question_id is not None
            await audit_row(db, audit)
            payload = {**delivery.payload, "question_id": question_id}
            keyed = Outgoing(
                delivery.kind,
                delivery.target,
                f"{delivery.dedupe_key}:{question_id}",
                report_id,
                delivery.priority,
                payload,
            )
            await enqueue(db, [keyed], self.store.keyring)
            return question_id

    async def question(self, question_id: int) -> tuple[int, str] | None:
        """(report id, text) of a question."""
        async with self.store.db.execute("SELECT report_id, text FROM questions WHERE id = ?", (question_id,)) as cur:
            row = await cur.fetchone()
        return (int(row[0]), self.store.keyring.open(str(row[1]), "questions.text")) if row else None

    async def question_shown(self, question_id: int, citizen_message_id: int) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE questions SET citizen_message_id = ? WHERE id = ?", (citizen_message_id, question_id)
            )

    async def open_question(self, chat_key: str, reply_to: int | None, exact: bool = False) -> tuple[int, int] | None:
        """(question id, report id) the citizen's message answers: the question replied to, else (unless
        ``exact``) the newest unanswered one, on a case still open."""
        sql = (
            "SELECT q.id, q.report_id, q.citizen_message_id FROM questions q JOIN reports r ON r.id = q.report_id "
            "WHERE r.chat_key = ? AND r.status IN ('new', 'claimed', 'waiting') AND q.citizen_message_id IS NOT NULL "
        )
        async with self.store.db.execute(sql + "ORDER BY q.id DESC", (chat_key,)) as cur:
            rows = await cur.fetchall()
        if reply_to is not None:
            match = next((r for r in rows if r[2] == reply_to), None)
            if match is not None:
                return int(match[0]), int(match[1])
        if exact:
            return None
        async with self.store.db.execute(
            sql + "AND q.answered_at IS NULL ORDER BY q.id DESC LIMIT 1", (chat_key,)
        ) as cur:
            row = await cur.fetchone()
        return (int(row[0]), int(row[1])) if row else None

    async def answer(self, question_id: int, report_id: int, audit: AuditEntry, delivery: Outgoing) -> None:
        """The citizen answered: record it, put the case back to claimed, and queue the relay to the officers."""
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE questions SET answered_at = coalesce(answered_at, ?) WHERE id = ?", (now_iso(), question_id)
            )
            await db.execute(
                "UPDATE reports SET status = CASE WHEN claimed_by IS NULL THEN 'new' ELSE 'claimed' END "
                "WHERE id = ? AND status = 'waiting' AND NOT EXISTS "
                "(SELECT 1 FROM questions WHERE report_id = ? AND answered_at IS NULL)",
                (report_id, report_id),
            )
            await audit_row(db, audit)
            await enqueue(db, [delivery], self.store.keyring)

    # ---- service levels --------------------------------------------------------------------------

    async def unclaimed_since(self, level: int, before: str, before_priority: str) -> list[StoredReport]:
        """New cases queued before the threshold (a shorter one for priority cases) not yet raised to ``level``."""
        return await self.store.reports_where(
            "status = 'new' AND reminded < ? "
            "AND ((priority = 1 AND queued_at <= ?) OR (priority = 0 AND queued_at <= ?))",
            level,
            before_priority,
            before,
            limit=500,
        )

    async def raise_level(self, report_ids: Sequence[int], level: int, deliveries: Sequence[Outgoing]) -> None:
        if not report_ids:
            return
        marks = ",".join("?" * len(report_ids))
        async with self.store.transaction() as db:
            await db.execute(
                f"UPDATE reports SET reminded = max(reminded, ?) WHERE id IN ({marks})", (level, *report_ids)
            )
            for report_id in report_ids:
                await audit_row(db, AuditEntry(now_iso(), None, "sla", f"reminder_{level}", report_id, None, True))
            await enqueue(db, deliveries, self.store.keyring)


def _refused(entry: AuditEntry, why: str) -> AuditEntry:
    return AuditEntry(entry.at, entry.actor, entry.actor_name, entry.action, entry.report_id, entry.queue, False, why)


async def audit_row(db: Any, entry: AuditEntry) -> None:
    await db.execute(
        "INSERT INTO audit (at, actor, actor_name, action, report_id, queue, allowed, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.at,
            entry.actor,
            entry.actor_name,
            entry.action,
            entry.report_id,
            entry.queue,
            int(entry.allowed),
            entry.detail,
        ),
    )
