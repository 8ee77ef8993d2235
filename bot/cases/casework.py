"""What officers do to a case, as transitions of the case book (no Telegram here).

Each action is one transaction: the status change, its audit entry, and the deliveries it causes
(the citizen's update, the card in another queue). Citizen updates name the event, not the words:
the courier writes them in the citizen's language when it sends them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.records import (
    CLAIMED,
    NEW,
    OPEN_STATUSES,
    RESOLVED,
    SPAM,
    WAITING,
    AuditEntry,
    Outgoing,
    StoredReport,
)
from bot.store.sqlite.cases import CaseBook
from bot.store.sqlite.database import new_case_delivery
from bot.store.sqlite.senders import SenderBook


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    name: str


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def citizen_target(report: StoredReport) -> str | None:
    """The citizen's chat as an outbox target, or None for an anonymous report."""
    if report.chat_key is None or not report.chat_key.startswith("tg:"):
        return None
    return "chat:" + report.chat_key.removeprefix("tg:")


def _entry(actor: Actor, action: str, report: StoredReport, detail: str = "") -> AuditEntry:
    return AuditEntry(now_iso(), actor.user_id, actor.name, action, report.id, report.queue, True, detail)


def _notify(report: StoredReport, event: str, **payload: str) -> list[Outgoing]:
    target = citizen_target(report)
    if target is None:
        return []
    return [
        Outgoing(
            kind="notify",
            target=target,
            dedupe_key=f"notify:{report.id}:{event}:{time.time_ns()}",
            report_id=report.id,
            payload={"event": event, **payload},
        )
    ]


class Casework:
    def __init__(self, book: CaseBook, senders: SenderBook | None = None, spam_threshold: int = 3) -> None:
        self.book = book
        self.senders = senders  # a Spam mark counts against the sender; None: not counted
        self.spam_threshold = spam_threshold

    async def refused(self, actor: Actor, action: str, report: StoredReport | None, why: str) -> None:
        """Audit an action that was not allowed (a press by someone outside the queue, a forged button)."""
        await self.book.audit(
            AuditEntry(
                now_iso(),
                actor.user_id,
                actor.name,
                action,
                report.id if report else None,
                report.queue if report else None,
                False,
                why,
            )
        )

    async def claim(self, report: StoredReport, actor: Actor) -> StoredReport | None:
        expected = (NEW,) if report.status == NEW else (WAITING,)
        if report.claimed_by is not None or report.status not in (NEW, WAITING):
            await self.book.audit(
                AuditEntry(
                    now_iso(), actor.user_id, actor.name, "claim", report.id, report.queue, False, "already claimed"
                )
            )
            return None
        changes = {
            "status": CLAIMED if report.status == NEW else WAITING,
            "claimed_by": actor.user_id,
            "claimed_name": actor.name,
            "claimed_at": now_iso(),
        }
        return await self.book.transition(
            report.id, expected, changes, _entry(actor, "claim", report), _notify(report, "claimed")
        )

    async def resolve(self, report: StoredReport, actor: Actor, outcome: str) -> StoredReport | None:
        changes: dict[str, object] = {"status": RESOLVED, "outcome": outcome, "closed_at": now_iso()}
        if report.claimed_by is None:
            changes.update(claimed_by=actor.user_id, claimed_name=actor.name)
        return await self.book.transition(
            report.id,
            OPEN_STATUSES,
            changes,
            _entry(actor, "resolve", report, outcome),
            _notify(report, "resolved", outcome=outcome),
        )

    async def spam(self, report: StoredReport, actor: Actor) -> StoredReport | None:
        # The sender is not told: telling an abuser which reports were seen through helps them.
        changes = {"status": SPAM, "closed_at": now_iso(), "claimed_by": actor.user_id, "claimed_name": actor.name}
        changed = await self.book.transition(report.id, OPEN_STATUSES, changes, _entry(actor, "spam", report))
        if changed is not None and report.chat_key is not None and self.senders is not None:
            await self.senders.mark_spam(report.chat_key, report.id, self.spam_threshold)
        return changed

    async def transfer(self, report: StoredReport, actor: Actor, queue: str) -> StoredReport | None:
        changes = {
            "status": NEW,
            "queue": queue,
            "claimed_by": None,
            "claimed_name": None,
            "claimed_at": None,
            "reminded": 0,
            "queued_at": now_iso(),
        }
        delivery = new_case_delivery(report.id, report.reference, queue, report.priority, transfer=time.time_ns())
        return await self.book.transition(
            report.id, OPEN_STATUSES, changes, _entry(actor, "transfer", report, f"to {queue}"), [delivery]
        )

    async def ask(self, report: StoredReport, actor: Actor, question: str) -> int | None:
        """Relay an officer's question to the citizen. None when the case is closed or anonymous."""
        target = citizen_target(report)
        if target is None:
            return None
        delivery = Outgoing(kind="question", target=target, dedupe_key=f"question:{report.id}", report_id=report.id)
        return await self.book.ask(report.id, actor.user_id, question, _entry(actor, "ask", report), delivery)

    async def answer(
        self, chat_key: str, reply_to: int | None, text: str, message_id: int, exact: bool = False
    ) -> StoredReport | None:
        """Relay a citizen's answer to the case's queue. None when no question of theirs is open.

        ``exact``: only a reply to the question's own message counts (the citizen is filling in a report).
        """
        found = await self.book.open_question(chat_key, reply_to, exact)
        if found is None:
            return None
        question_id, report_id = found
        report = await self.book.case(report_id)
        if report is None or report.queue is None:
            return None
        delivery = Outgoing(
            kind="answer",
            target=f"queue:{report.queue}",
            dedupe_key=f"answer:{question_id}:{message_id}",
            report_id=report.id,
            priority=report.priority,
            payload={"question_id": question_id, "text": text},
        )
        audit = AuditEntry(
            now_iso(), None, "citizen", "answer", report.id, report.queue, True, f"question {question_id}"
        )
        await self.book.answer(question_id, report.id, audit, delivery)
        return report
