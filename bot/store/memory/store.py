"""A store held in process memory: for tests and benchmarks that must not touch a disk.

It honours the same contract as ``SqliteStore`` (one atomic step, references unique), so the pure
engine's cost can be measured apart from SQLite's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from bot.engine.session import Session
from bot.store.base import ReferenceTaken, Store
from bot.store.records import ChatState, NewReport, Revision, StoredReport
from bot.store.sqlite.database import now_iso


class MemoryStore(Store):
    def __init__(self) -> None:
        self._revisions: dict[int, Revision] = {}
        self.live: dict[str, int] = {}
        self.sessions: dict[str, str] = {}  # kept as JSON, so a test sees what a real store keeps
        self.reports: list[StoredReport] = []
        self.chats: dict[str, ChatState] = {}
        self.messages: dict[str, dict[int, float]] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        digest = hashlib.sha256(content.encode()).hexdigest()
        existing = next((r for r in self._revisions.values() if r.flow_id == flow_id and r.hash == digest), None)
        if existing is None:
            existing = Revision(len(self._revisions) + 1, flow_id, digest, content, author, now_iso())
            self._revisions[existing.id] = existing
        self.live[flow_id] = existing.id
        return existing

    async def live_revision(self, flow_id: str) -> Revision | None:
        revision_id = self.live.get(flow_id)
        return self._revisions.get(revision_id) if revision_id is not None else None

    async def revision(self, revision_id: int) -> Revision | None:
        return self._revisions.get(revision_id)

    async def revisions(self, flow_id: str) -> list[Revision]:
        return sorted((r for r in self._revisions.values() if r.flow_id == flow_id), key=lambda r: -r.id)

    async def load_session(self, chat_key: str) -> Session | None:
        raw = self.sessions.get(chat_key)
        return Session.from_json(raw) if raw is not None else None

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        report_id = None
        if report is not None:
            if any(r.reference == report.reference for r in self.reports):
                raise ReferenceTaken(report.reference)
            report_id = len(self.reports) + 1
            # No outbox here: the receipt is the adapter's to show (the console prints it at once).
            fields = {k: getattr(report, k) for k in NewReport.__slots__ if k != "receipt"}
            fields["created_at"] = report.created_at or now_iso()
            self.reports.append(StoredReport(id=report_id, status="new", **fields))
        if session.finished:
            self.sessions.pop(chat_key, None)
        else:
            self.sessions[chat_key] = session.to_json()
        if chat is not None:
            self.chats[chat.chat_key] = chat
        return report_id

    async def report_by_reference(self, reference: str) -> StoredReport | None:
        return next((replace(r) for r in self.reports if r.reference == reference), None)

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]:
        return [r for r in self.reports if r.chat_key == chat_key]

    async def count_reports(self) -> int:
        return len(self.reports)

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        return sum(1 for r in self.reports if r.chat_key == chat_key and r.created_at >= since_iso)

    async def chat_state(self, chat_key: str) -> ChatState | None:
        return self.chats.get(chat_key)

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        self.chats[state.chat_key] = state
        await self.remember_messages(state.chat_key, remember, sent_at)

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        known = self.messages.setdefault(chat_key, {})
        for mid in message_ids:
            known.setdefault(mid, sent_at)

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        return sorted(self.messages.pop(chat_key, {}).items())
