"""What officers do to a case, as transitions of the case book (no Telegram here).

Each action is one transaction: the status change, its audit entry, and the deliveries it causes
(the citizen's update, the card in another queue). Citizen updates name the event, not the words:
the courier writes them in the citizen's language when it sends them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.cases.deliveries import new_case_delivery
from bot.cases.ids import queue_target, target_of_key
from bot.clock import now_iso
from bot.store.ports import Audit, Books, Cases, Senders
from bot.store.records import (
    CLAIMED,
    NEW,
    OPEN_STATUSES,
    RESOLVED,
    SPAM,
    WAITING,
    AuditEntry,
    EvidenceLink,
    NewFile,
    Outgoing,
    StoredReport,
)


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    name: str


def citizen_target(report: StoredReport) -> str | None:
    """The citizen's chat as an outbox target, or None for an anonymous report."""
    return target_of_key(report.chat_key)


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
    """Every officer's action on a case and every audit entry about one go through here."""

    def __init__(self, cases: Cases, audit: Audit, senders: Senders, spam_threshold: int = 3) -> None:
        self.cases = cases
        self.audit = audit
        self.senders = senders  # a Spam mark counts against the sender
        self.spam_threshold = spam_threshold

    @classmethod
    def over(cls, books: Books, spam_threshold: int = 3) -> Casework:
        """Casework over one backend's books."""
        return cls(books.cases, books.audit, books.senders, spam_threshold)

    async def record(self, actor: Actor, action: str, report: StoredReport, detail: str = "") -> None:
        """Audit an action that changes nothing (opening a card, viewing the full report or the phone)."""
        await self.audit.record(_entry(actor, action, report, detail))

    async def refused(self, actor: Actor, action: str, report: StoredReport | None, why: str) -> None:
        """Audit an action that was not allowed (a press by someone outside the queue, a forged button)."""
        await self.audit.record(
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
            await self.refused(actor, "claim", report, "already claimed")
            return None
        changes = {
            "status": CLAIMED if report.status == NEW else WAITING,
            "claimed_by": actor.user_id,
            "claimed_name": actor.name,
            "claimed_at": now_iso(),
        }
        # Unclaimed and still in its queue in the same write: a case left waiting by a desk question has
        # no claim yet, and two officers pressing Claim at once must give one claim.
        return await self.cases.transition(
            report.id,
            expected,
            changes,
            _entry(actor, "claim", report),
            _notify(report, "claimed"),
            queue=report.queue,
            unclaimed=True,
        )

    async def resolve(self, report: StoredReport, actor: Actor, outcome: str) -> StoredReport | None:
        changes: dict[str, object] = {"status": RESOLVED, "outcome": outcome, "closed_at": now_iso()}
        if report.claimed_by is None:
            changes.update(claimed_by=actor.user_id, claimed_name=actor.name)
        return await self.cases.transition(
            report.id,
            OPEN_STATUSES,
            changes,
            _entry(actor, "resolve", report, outcome),
            _notify(report, "resolved", outcome=outcome),
            queue=report.queue,  # not a case that moved to another queue since the officer saw it
        )

    async def spam(self, report: StoredReport, actor: Actor) -> StoredReport | None:
        # The sender is not told: telling an abuser which reports were seen through helps them.
        changes = {"status": SPAM, "closed_at": now_iso(), "claimed_by": actor.user_id, "claimed_name": actor.name}
        entry = _entry(actor, "spam", report)
        changed = await self.cases.transition(report.id, OPEN_STATUSES, changes, entry, queue=report.queue)
        if changed is not None and report.chat_key is not None:
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
        entry = _entry(actor, "transfer", report, f"to {queue}")
        return await self.cases.transition(report.id, OPEN_STATUSES, changes, entry, [delivery], queue=report.queue)

    async def ask(self, report: StoredReport, actor: Actor, question: str) -> int | None:
        """Relay an officer's question to the citizen. None when the case is closed or anonymous."""
        target = citizen_target(report)
        if target is None:
            return None
        delivery = Outgoing(kind="question", target=target, dedupe_key=f"question:{report.id}", report_id=report.id)
        return await self.cases.ask(report.id, actor.user_id, question, _entry(actor, "ask", report), delivery)

    async def answer(
        self, chat_key: str, reply_to: int | None, text: str, message_id: int, exact: bool = False
    ) -> StoredReport | None:
        """Relay a citizen's answer to the case's queue. None when no question of theirs is open.

        ``exact``: only a reply to the question's own message counts (the citizen is filling in a report).
        """
        found = await self.cases.open_question(chat_key, reply_to, exact)
        if found is None:
            return None
        question_id, report_id = found
        report = await self.cases.case(report_id)
        if report is None or report.queue is None:
            return None
        delivery = Outgoing(
            kind="answer",
            target=queue_target(report.queue),
            dedupe_key=f"answer:{question_id}:{message_id}",
            report_id=report.id,
            priority=report.priority,
            payload={"question_id": question_id, "text": text},
        )
        audit = AuditEntry(
            now_iso(), None, "citizen", "answer", report.id, report.queue, True, f"question {question_id}"
        )
        await self.cases.answer(question_id, report.id, audit, delivery)
        return report

    async def add_information(
        self, report: StoredReport, text: str, links: Sequence[EvidenceLink], files: Sequence[NewFile] = ()
    ) -> StoredReport | None:
        """What the citizen adds to her open case after sending it (/add): kept with the case, its links
        appended to the evidence, relayed to the case's queue. None when the case is closed (or has no
        queue to tell); the refusal is audited. The audit entry counts the links and files and never holds
        the text. ``files`` (of an adult's case only) wait to be fetched, as a report's own do.
        """
        links = tuple(links)
        detail = f"{len(links)} link" if len(links) == 1 else f"{len(links)} links"
        if files:
            detail += f", {len(files)} file" if len(files) == 1 else f", {len(files)} files"
        audit = AuditEntry(now_iso(), None, "citizen", "add_information", report.id, report.queue, True, detail)
        if report.queue is None:
            await self.audit.record(replace(audit, allowed=False, detail="no queue"))
            return None
        delivery = Outgoing(
            kind="addition",
            target=queue_target(report.queue),
            dedupe_key=f"addition:{report.id}",  # the store appends the addition's id
            report_id=report.id,
            priority=report.priority,
            payload={"text": text, "links": [link.url for link in links], "files": len(files)},
        )
        return await self.cases.add_information(report.id, text, links, audit, delivery, tuple(files))
