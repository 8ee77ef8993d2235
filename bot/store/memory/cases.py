"""Cases in focal queues, held in memory: the same guarded transitions and relayed questions as SQLite's.

Each method reads and changes the tables without awaiting, so a transition, its audit entry and its
deliveries land together, and two claims at once give one claim and one refused, audited attempt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.clock import now_iso
from bot.store.records import (
    CLAIMED,
    CONNECTED_LIMIT,
    NEW,
    NO_OPEN_ASK,
    OPEN_STATUSES,
    WAITING,
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

from .file_rows import waiting_files
from .store import MemoryStore, QuestionRow

_CHANGEABLE = frozenset(
    {"status", "queue", "claimed_by", "claimed_name", "claimed_at", "outcome", "closed_at", "reminded", "queued_at"}
)
_CASE_ROW_FIELDS = frozenset({"queued_at"})  # kept in CaseRow, not in StoredReport
_SLA_BATCH = 500  # as SQLite's unclaimed_since reads at most this many


class MemoryCases:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    # ---- queues and officers ---------------------------------------------------------------------

    async def bind(self, key: str, chat_id: int, lang: str, by: int | None) -> None:
        t = self.store.tables
        t.queues[key] = QueueBinding(key, chat_id, lang)
        t.audit.append(AuditEntry(now_iso(), by, "", "bind_queue", None, key, True, str(chat_id)))

    async def bindings(self) -> dict[str, QueueBinding]:
        return {key: self.store.tables.queues[key] for key in sorted(self.store.tables.queues)}

    async def add_officer(self, queue: str, user_id: int, by: int | None) -> None:
        t = self.store.tables
        t.focal_members.setdefault((queue, user_id), now_iso())
        t.audit.append(AuditEntry(now_iso(), by, "", "add_officer", None, queue, True, str(user_id)))

    async def remove_officer(self, queue: str, user_id: int, by: int | None) -> bool:
        t = self.store.tables
        removed = t.focal_members.pop((queue, user_id), None) is not None
        t.audit.append(AuditEntry(now_iso(), by, "", "remove_officer", None, queue, True, str(user_id)))
        return removed

    async def officer_queues(self, user_id: int) -> list[str]:
        return sorted(queue for queue, user in self.store.tables.focal_members if user == user_id)

    async def officers(self) -> list[tuple[str, int]]:
        return sorted(self.store.tables.focal_members)

    # ---- cases -----------------------------------------------------------------------------------

    async def case(self, report_id: int) -> StoredReport | None:
        found = self.store.tables.reports.get(report_id)
        return _copy(found) if found is not None else None

    async def open_cases(self, queues: Sequence[str], limit: int = 50) -> list[StoredReport]:
        wanted = set(queues)
        found = [r for r in self.store.tables.reports.values() if r.queue in wanted and r.status in OPEN_STATUSES]
        return [_copy(r) for r in _limited(sorted(found, key=lambda r: (not r.priority, r.id)), limit)]

    async def count_open(self, queues: Sequence[str]) -> int:
        wanted = set(queues)
        return sum(1 for r in self.store.tables.reports.values() if r.queue in wanted and r.status in OPEN_STATUSES)

    async def find_cases(self, query: CaseQuery) -> list[StoredReport]:
        found = sorted(self._selected(query), key=lambda r: (not r.priority, r.id))
        return [_copy(r) for r in found[query.offset : query.offset + query.limit]]

    async def count_cases(self, query: CaseQuery) -> int:
        return len(self._selected(query))

    def _selected(self, query: CaseQuery) -> list[StoredReport]:
        """The reports ``query`` selects, as SQLite's case_where does."""
        if query.limit < 0 or query.offset < 0:
            raise ValueError("a case query's limit and offset are not negative")
        t = self.store.tables
        overdue = query.overdue_before is not None or query.overdue_before_priority is not None

        def selects(r: StoredReport) -> bool:
            if overdue:
                before = query.overdue_before_priority if r.priority else query.overdue_before
                if r.status != NEW or before is None or t.case_rows[r.id].queued_at > before:
                    return False
            return (
                (query.queues is None or r.queue in query.queues)
                and r.status in query.statuses
                and (query.minor is None or r.minor == query.minor)
                and (query.priority is None or r.priority == query.priority)
                and (query.claimed_by is None or r.claimed_by == query.claimed_by)
                and (query.reference is None or r.reference == query.reference)
            )

        return [r for r in t.reports.values() if selects(r)]

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
        t = self.store.tables
        found = t.reports.get(report_id)
        moved = found is not None and (
            (queue is not None and found.queue != queue) or (unclaimed and found.claimed_by is not None)
        )
        if found is None or found.status not in tuple(expected) or moved:  # a str is its letters, as SQL binds it
            t.audit.append(_refused(audit, "case had moved on"))
            return None
        row_changes = {k: v for k, v in changes.items() if k in _CASE_ROW_FIELDS}
        changed = replace(found, **{k: v for k, v in changes.items() if k not in _CASE_ROW_FIELDS})
        t.reports[report_id] = changed
        if row_changes:
            t.case_rows[report_id] = replace(t.case_rows[report_id], **row_changes)
        t.audit.append(audit)
        t.enqueue(deliveries)
        return _copy(changed)

    # ---- which message shows which case ----------------------------------------------------------

    async def remember_message(self, chat_id: int, message_id: int, report_id: int, kind: str) -> None:
        messages = self.store.tables.case_messages
        messages.pop((chat_id, message_id), None)  # INSERT OR REPLACE: the replacement is a new row
        messages[(chat_id, message_id)] = (report_id, kind, time.time())

    async def message_case(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        found = self.store.tables.case_messages.get((chat_id, message_id))
        return (found[0], found[1]) if found is not None else None

    async def case_messages(self, report_id: int, kind: str = "card") -> list[tuple[int, int]]:
        shown = [
            (at, key)
            for key, (case_id, case_kind, at) in self.store.tables.case_messages.items()
            if case_id == report_id and case_kind == kind
        ]
        return [key for _, key in sorted(shown, key=lambda item: item[0])]

    # ---- questions relayed between an officer and the citizen ------------------------------------

    async def open_ask(self, report_id: int, officer_id: int, chat_id: int, prompt_message_id: int | None) -> None:
        self.store.tables.asks[(report_id, officer_id)] = (chat_id, prompt_message_id, time.time())

    async def pending_ask(self, report_id: int, officer_id: int, within: float) -> int | None:
        """The prompt message id (or 0) of the officer's open Ask on the case, if opened within ``within`` s."""
        found = self.store.tables.asks.get((report_id, officer_id))
        if found is None or found[2] < time.time() - within:
            return None
        return found[1] if found[1] is not None else 0

    async def ask(
        self, report_id: int, officer_id: int, text: str, audit: AuditEntry, delivery: Outgoing
    ) -> int | None:
        """Record the officer's question, close their Ask, mark the case waiting and queue the relay.

        The Ask is used up even when the case turns out to be closed, as in SQLite, where its delete
        commits with the refusal's audit entry.
        """
        t = self.store.tables
        if t.asks.pop((report_id, officer_id), None) is None:
            return NO_OPEN_ASK
        found = t.reports.get(report_id)
        if found is None or found.status not in OPEN_STATUSES:
            t.audit.append(_refused(audit, "case is closed"))
            return None
        t.reports[report_id] = replace(found, status=WAITING)
        question_id = t.next_id("questions")
        t.questions[question_id] = QuestionRow(report_id, officer_id, text, now_iso())
        t.audit.append(audit)
        keyed = Outgoing(
            delivery.kind,
            delivery.target,
            f"{delivery.dedupe_key}:{question_id}",
            report_id,
            delivery.priority,
            {**delivery.payload, "question_id": question_id},
        )
        t.enqueue([keyed])
        return question_id

    async def question(self, question_id: int) -> tuple[int, str] | None:
        """(report id, text) of a question."""
        found = self.store.tables.questions.get(question_id)
        return (found.report_id, found.text) if found is not None else None

    async def question_shown(self, question_id: int, citizen_message_id: int) -> None:
        found = self.store.tables.questions.get(question_id)
        if found is not None:
            found.citizen_message_id = citizen_message_id

    async def open_question(self, chat_key: str, reply_to: int | None, exact: bool = False) -> tuple[int, int] | None:
        """(question id, report id) the citizen's message answers: the question replied to, else (unless
        ``exact``) the newest unanswered one, on a case still open."""
        t = self.store.tables
        shown = []
        for question_id in sorted(t.questions, reverse=True):
            row = t.questions[question_id]
            report = t.reports.get(row.report_id)
            if report is None or report.chat_key != chat_key or report.status not in OPEN_STATUSES:
                continue
            if row.citizen_message_id is not None:
                shown.append((question_id, row))
        if reply_to is not None:
            match = next(((q, row) for q, row in shown if row.citizen_message_id == reply_to), None)
            if match is not None:
                return match[0], match[1].report_id
        if exact:
            return None
        newest = next(((q, row) for q, row in shown if row.answered_at is None), None)
        return (newest[0], newest[1].report_id) if newest is not None else None

    async def answer(self, question_id: int, report_id: int, audit: AuditEntry, delivery: Outgoing) -> None:
        """The citizen answered: record it, put the case back (claimed, or new if nobody claimed it) once
        none of its questions waits for an answer, and queue the relay to the officers."""
        t = self.store.tables
        question = t.questions.get(question_id)
        if question is not None:
            if question.answered_at is None:
                question.answered_at = now_iso()
            text = delivery.payload.get("text")
            if text is not None:
                question.answer = str(text)
        found = t.reports.get(report_id)
        unanswered = any(q.report_id == report_id and q.answered_at is None for q in t.questions.values())
        if found is not None and found.status == WAITING and not unanswered:
            t.reports[report_id] = replace(found, status=NEW if found.claimed_by is None else CLAIMED)
        t.audit.append(audit)
        t.enqueue([delivery])

    async def thread(self, report_id: int) -> list[Exchange]:
        return [
            Exchange(question_id, row.asked_by, row.text, row.asked_at, row.answer, row.answered_at)
            for question_id, row in sorted(self.store.tables.questions.items())
            if row.report_id == report_id
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
        t = self.store.tables
        found = t.reports.get(report_id)
        if found is None or found.status not in OPEN_STATUSES:
            t.audit.append(_refused(audit, "case is closed"))
            return None
        addition_id = t.next_id("additions")
        t.additions[addition_id] = (report_id, text, now_iso())
        changed = replace(found, evidence=(*found.evidence, *links))
        t.reports[report_id] = changed
        after = max((r.entry.position for r in t.evidence_files.values() if r.entry.report_id == report_id), default=0)
        t.evidence_files.update(waiting_files(report_id, files, lambda: t.next_id("evidence_files"), start=after + 1))
        t.audit.append(audit)
        t.enqueue([keyed_addition(delivery, report_id, addition_id)])
        return _copy(changed)

    async def additions(self, report_id: int) -> list[tuple[str, str]]:
        return [
            (added_at, text)
            for _, (case_id, text, added_at) in sorted(self.store.tables.additions.items())
            if case_id == report_id
        ]

    async def connected(self, report_id: int) -> list[Connected]:
        t = self.store.tables
        mine = t.case_keys.get(report_id, frozenset())
        if not mine:
            return []
        others = sorted(
            (other for other, keys in t.case_keys.items() if other != report_id and keys & mine), reverse=True
        )
        return [(other, t.reports[other].reference, t.reports[other].queue) for other in others[:CONNECTED_LIMIT]]

    # ---- service levels --------------------------------------------------------------------------

    async def unclaimed_since(self, level: int, before: str, before_priority: str) -> list[StoredReport]:
        """New cases queued before the threshold (a shorter one for priority ones) not yet raised to ``level``."""
        t = self.store.tables
        found = [
            r
            for r in t.reports.values()
            if r.status == NEW
            and r.reminded < level
            and t.case_rows[r.id].queued_at <= (before_priority if r.priority else before)
        ]
        return [_copy(r) for r in found[:_SLA_BATCH]]

    async def raise_level(self, report_ids: Sequence[int], level: int, deliveries: Sequence[Outgoing]) -> None:
        if not report_ids:
            return
        t = self.store.tables
        for report_id in set(report_ids):
            found = t.reports.get(report_id)
            if found is not None:
                t.reports[report_id] = replace(found, reminded=max(found.reminded, level))
        for report_id in report_ids:
            t.audit.append(AuditEntry(now_iso(), None, "sla", f"reminder_{level}", report_id, None, True))
        t.enqueue(deliveries)


def _copy(report: StoredReport) -> StoredReport:
    """A report as a caller gets it: its answers are its own, as if read back from a database."""
    return replace(report, answers=json.loads(json.dumps(report.answers)))


def _limited(found: list[StoredReport], limit: int) -> list[StoredReport]:
    """SQLite's LIMIT: a negative one means no limit."""
    return found if limit < 0 else found[:limit]


def _refused(entry: AuditEntry, why: str) -> AuditEntry:
    return replace(entry, allowed=False, detail=why)
