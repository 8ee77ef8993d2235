"""A store held in process memory: for tests, flow checks and benchmarks that must not touch a disk.

It honours the same contract as the SQLite store (``tests/store/contract/``): one atomic step,
references unique, the case card and receipt written with the report, dedupe keys unique in the
outbox. Every table of the SQLite schema that a book reads or writes has its counterpart here, and
the books of ``bot/store/memory/`` share them, as SQLite's books share one database. Nothing here
awaits in the middle of a change, so each call is atomic on the event loop without a lock.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace

from bot.clock import now_iso
from bot.engine.session import Session
from bot.store.base import Store
from bot.store.ports import Books, ReferenceTaken
from bot.store.records import (
    HOLD_SECONDS,
    NEW,
    SENDING,
    AuditEntry,
    Candidate,
    ChatState,
    DeskSession,
    NewReport,
    Outgoing,
    QueueBinding,
    Revision,
    StoredReport,
)
from bot.store.single import no_chat_lock

from .file_rows import FileRow, waiting_files


@dataclass(slots=True)
class SessionRow:
    revision_id: int | None
    state: str  # JSON, so a test sees what a real store keeps
    updated_at: str


@dataclass(slots=True)
class OutboxRow:
    id: int
    kind: str
    target: str
    dedupe_key: str
    report_id: int | None
    priority: bool
    payload: str  # JSON, as SQLite keeps it (a caller's dict is never shared)
    not_before: float
    created_at: float
    state: str
    attempts: int = 0
    sent_at: float | None = None
    last_error: str | None = None
    lease_until: float | None = None  # while ``sending``: until when its claim (or hold) stands
    owner: str | None = None  # the instance that claimed it


@dataclass(slots=True)
class QuestionRow:
    report_id: int
    asked_by: int
    text: str
    asked_at: str
    citizen_message_id: int | None = None
    answered_at: str | None = None
    answer: str | None = None  # the latest answer's text


@dataclass(slots=True)
class SenderRow:
    spam_marks: int = 0
    blocked: bool = False
    blocked_by: int | None = None
    blocked_at: str | None = None
    why: str = ""


@dataclass(slots=True)
class PassRow:
    user_id: int
    name: str
    expires_at: float
    used_at: float | None = None


@dataclass(slots=True)
class CaseRow:
    """What the reports table holds beyond ``StoredReport``."""

    queued_at: str
    anonymised_at: str | None = None


@dataclass
class Tables:
    """The memory backend's tables, one attribute per SQLite table."""

    flow_revisions: dict[int, Revision] = field(default_factory=dict)
    live_flows: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    reports: dict[int, StoredReport] = field(default_factory=dict)  # by id, in id order
    case_rows: dict[int, CaseRow] = field(default_factory=dict)
    chats: dict[str, ChatState] = field(default_factory=dict)
    chat_messages: dict[str, dict[int, float]] = field(default_factory=dict)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)  # by id, in id order
    audit: list[AuditEntry] = field(default_factory=list)
    queues: dict[str, QueueBinding] = field(default_factory=dict)
    focal_members: dict[tuple[str, int], str] = field(default_factory=dict)  # (queue, user) -> added at
    case_messages: dict[tuple[int, int], tuple[int, str, float]] = field(default_factory=dict)  # -> report, kind, at
    asks: dict[tuple[int, int], tuple[int, int | None, float]] = field(default_factory=dict)  # -> chat, prompt, at
    questions: dict[int, QuestionRow] = field(default_factory=dict)
    additions: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id -> report, text, added at
    senders: dict[str, SenderRow] = field(default_factory=dict)
    admins: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # user -> added by, added at
    flow_candidates: dict[int, Candidate] = field(default_factory=dict)
    pin_failures: dict[int, tuple[str, str, float]] = field(default_factory=dict)  # id -> reference, chat, at
    pin_locks: dict[str, float] = field(default_factory=dict)  # reference -> until
    desk_passes: dict[str, PassRow] = field(default_factory=dict)  # token hash -> pass
    desk_sessions: dict[str, DeskSession] = field(default_factory=dict)  # session hash -> session
    case_keys: dict[int, frozenset[str]] = field(default_factory=dict)  # report -> its match keys
    evidence_files: dict[int, FileRow] = field(default_factory=dict)  # by id, in id order
    _ids: dict[str, itertools.count[int]] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        """Ids as SQLite's AUTOINCREMENT gives them: increasing, never re-used."""
        return next(self._ids.setdefault(table, itertools.count(1)))

    def enqueue(self, items: Iterable[Outgoing], report_id: int | None = None) -> None:
        """Add deliveries; an existing dedupe key is left as it is (as SQLite's INSERT OR IGNORE)."""
        taken = {row.dedupe_key for row in self.outbox.values()}
        now = time.time()
        for item in items:
            if item.dedupe_key in taken:
                continue
            taken.add(item.dedupe_key)
            row_id = self.next_id("outbox")
            self.outbox[row_id] = OutboxRow(
                id=row_id,
                kind=item.kind,
                target=item.target,
                dedupe_key=item.dedupe_key,
                report_id=report_id if report_id is not None else item.report_id,
                priority=item.priority,
                payload=json.dumps(item.payload, ensure_ascii=False),
                not_before=item.not_before,
                created_at=now,
                state=item.state,
                # Held by the adapter showing it: if that instance dies, another's courier sends it after the hold.
                lease_until=now + HOLD_SECONDS if item.state == SENDING else None,
            )

    def save_chat(self, state: ChatState) -> None:
        """Store the chat's state unless the stored one is of a newer update (another instance's)."""
        stored = self.chats.get(state.chat_key)
        if stored is None or stored.last_update_id <= state.last_update_id:
            self.chats[state.chat_key] = state


class MemoryStore(Store):
    def __init__(self) -> None:
        self.tables = Tables()

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def books(self, admin_ids: frozenset[int] = frozenset()) -> Books:
        from .books import memory_books  # the books import this module

        return memory_books(self, admin_ids)

    # ---- revisions ---------------------------------------------------------------------------------

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        t = self.tables
        digest = hashlib.sha256(content.encode()).hexdigest()
        existing = next((r for r in t.flow_revisions.values() if r.flow_id == flow_id and r.hash == digest), None)
        if existing is None:
            existing = Revision(t.next_id("flow_revisions"), flow_id, digest, content, author, now_iso())
            t.flow_revisions[existing.id] = existing
        t.live_flows[flow_id] = existing.id
        return existing

    async def live_revision(self, flow_id: str) -> Revision | None:
        revision_id = self.tables.live_flows.get(flow_id)
        return self.tables.flow_revisions.get(revision_id) if revision_id is not None else None

    async def revision(self, revision_id: int) -> Revision | None:
        return self.tables.flow_revisions.get(revision_id)

    async def revisions(self, flow_id: str) -> list[Revision]:
        return sorted((r for r in self.tables.flow_revisions.values() if r.flow_id == flow_id), key=lambda r: -r.id)

    # ---- sessions and chats --------------------------------------------------------------------------

    async def load_session(self, chat_key: str) -> Session | None:
        row = self.tables.sessions.get(chat_key)
        return Session.from_json(row.state) if row is not None else None

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        t = self.tables
        report_id = None
        if report is not None:
            if any(r.reference == report.reference for r in t.reports.values()):
                raise ReferenceTaken(report.reference)
            report_id = t.next_id("reports")
            fields = {
                k: getattr(report, k) for k in NewReport.__slots__ if k not in ("deliveries", "match_keys", "files")
            }
            fields["created_at"] = report.created_at or now_iso()
            fields["answers"] = json.loads(json.dumps(report.answers))  # stored, not shared with the caller
            t.reports[report_id] = StoredReport(id=report_id, status=NEW, **fields)
            t.case_rows[report_id] = CaseRow(queued_at=fields["created_at"])
            t.enqueue(report.deliveries, report_id)
            if report.match_keys:
                t.case_keys[report_id] = frozenset(report.match_keys)
            t.evidence_files.update(waiting_files(report_id, report.files, lambda: t.next_id("evidence_files")))
        if session.finished:
            t.sessions.pop(chat_key, None)
        else:
            t.sessions[chat_key] = SessionRow(session.revision, session.to_json(), now_iso())
        if chat is not None:
            t.save_chat(chat)
        return report_id

    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int:
        t = self.tables
        old = [k for k, row in t.sessions.items() if row.updated_at < before_iso and row.revision_id != keep_revision]
        for key in old:
            del t.sessions[key]
        return len(old)

    async def chat_state(self, chat_key: str) -> ChatState | None:
        return self.tables.chats.get(chat_key)

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        self.tables.save_chat(state)
        await self.remember_messages(state.chat_key, remember, sent_at)

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        known = self.tables.chat_messages.setdefault(chat_key, {})
        for mid in message_ids:
            known.setdefault(mid, sent_at)

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        return sorted(self.tables.chat_messages.pop(chat_key, {}).items())

    def chat_lock(self, chat_key: str) -> AbstractAsyncContextManager[None]:
        return no_chat_lock()  # the tables live in this process alone (single.py)

    # ---- reports ---------------------------------------------------------------------------------------

    def _copy(self, report: StoredReport) -> StoredReport:
        return replace(report, answers=json.loads(json.dumps(report.answers)))

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        return next((self._copy(r) for r in self.tables.reports.values() if r.reference == reference), None)

    async def report_by_id(self, report_id: int) -> StoredReport | None:
        found = self.tables.reports.get(report_id)
        return self._copy(found) if found is not None else None

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]:
        return [self._copy(r) for r in self.tables.reports.values() if r.chat_key == chat_key]

    async def count_reports(self) -> int:
        return len(self.tables.reports)

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        return sum(1 for r in self.tables.reports.values() if r.chat_key == chat_key and r.created_at >= since_iso)

    async def reports_created(
        self, since_iso: str, until_iso: str | None, after_id: int, limit: int
    ) -> list[StoredReport]:
        found = [
            self._copy(r)
            for r in self.tables.reports.values()
            if r.id > after_id and r.created_at >= since_iso and (until_iso is None or r.created_at < until_iso)
        ]
        return found[:limit]
