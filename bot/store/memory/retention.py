"""Retention and erasure over the memory tables, as ``bot/store/sqlite/retention.py`` does it in SQLite.

Drafts expire, closed cases lose what identifies the citizen (answers, chat, links, files, questions with their
answers, what she added, the deliveries and Asks about them, the match keys of connected cases) and keep what
statistics need, and /forget detaches a chat from its reports and deletes their files (the match keys stay: they
are about the abuser, not her).
Nothing awaits in the middle of a change, so each call is atomic on the event loop.
"""

from __future__ import annotations

from dataclasses import replace

from bot.clock import now_iso
from bot.store.records import AuditEntry, Forgotten

from .store import MemoryStore

BATCH = 500  # cases per audit entry, as SQLite anonymises them a transaction at a time


class MemoryRetention:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def expire_drafts(self, before_iso: str) -> int:
        """Delete unfinished reports untouched since ``before_iso``, on any revision."""
        sessions = self.store.tables.sessions
        old = [key for key, row in sessions.items() if row.updated_at < before_iso]
        for key in old:
            del sessions[key]
        return len(old)

    async def anonymise_closed(self, before_iso: str) -> int:
        """Anonymise cases closed before ``before_iso``; one audit entry per batch, as SQLite writes them."""
        t = self.store.tables
        due = [
            report.id
            for report in t.reports.values()
            if report.closed_at is not None
            and report.closed_at < before_iso
            and t.case_rows[report.id].anonymised_at is None
        ]
        for start in range(0, len(due), BATCH):
            ids = set(due[start : start + BATCH])
            at = now_iso()
            for report_id in ids:
                t.reports[report_id] = replace(t.reports[report_id], answers={}, chat_key=None, evidence=())
                t.case_rows[report_id] = replace(t.case_rows[report_id], anonymised_at=at)
            for question_id in [q for q, row in t.questions.items() if row.report_id in ids]:
                del t.questions[question_id]
            for addition_id in [a for a, row in t.additions.items() if row[0] in ids]:
                del t.additions[addition_id]
            for file_id in [f for f, row in t.evidence_files.items() if row.entry.report_id in ids]:
                del t.evidence_files[file_id]
            for row_id in [o for o, row in t.outbox.items() if row.report_id in ids]:
                del t.outbox[row_id]
            for ask in [key for key in t.asks if key[0] in ids]:
                del t.asks[ask]
            for report_id in ids:
                t.case_keys.pop(report_id, None)  # a case kept for its figures names nobody
            t.audit.append(AuditEntry(at, None, "system", "anonymise", None, None, True, f"{len(ids)} closed cases"))
        return len(due)

    async def forget(self, chat_key: str, target: str) -> Forgotten:
        """The citizen's /forget: the draft goes, submitted reports lose the link to this chat, and
        nothing more is sent to ``target``. The reports stay with the agency (reachable by reference and PIN)."""
        t = self.store.tables
        draft = t.sessions.pop(chat_key, None) is not None
        mine = [report for report in t.reports.values() if report.chat_key == chat_key]
        # Her files go with the link to her chat: she asked for what she sent to be forgotten.
        hers = {report.id for report in mine}
        for file_id in [f for f, row in t.evidence_files.items() if row.entry.report_id in hers]:
            del t.evidence_files[file_id]
        for report in mine:
            t.reports[report.id] = replace(report, chat_key=None)
        for row_id in [o for o, row in t.outbox.items() if row.target == target]:
            del t.outbox[row_id]
        t.chat_messages.pop(chat_key, None)
        t.chats.pop(chat_key, None)
        sender = t.senders.get(chat_key)
        if sender is not None and not sender.blocked and sender.spam_marks == 0:
            del t.senders[chat_key]  # a block or spam marks stay: one command must not let a flooder start again
        detail = f"draft={int(draft)} reports={len(mine)}"
        t.audit.append(AuditEntry(now_iso(), None, "citizen", "forget", None, None, True, detail))
        return Forgotten(draft, len(mine))
