"""A case as the desk shows it: the card's fields, in the reader's language, as plain values.

The words are the card's own (``telegram/card.py``), so the group card and the desk page agree.
Templates escape every value; nothing here is HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.cases.preservation import Preservation
from bot.cases.reports import DANGER_MENTIONED, phone_given
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.records import (
    FILE_FAILED,
    FILE_KEPT,
    NEW,
    WAITING,
    AuditEntry,
    Connected,
    EvidenceFile,
    Exchange,
    StoredReport,
)
from bot.telegram import card
from bot.telegram.focal import texts as focal_texts

from . import texts
from .roles import Role


@dataclass(frozen=True, slots=True)
class Row:
    """One case in the list."""

    id: int
    reference: str
    queue: str
    received: str
    status: str
    category: str
    child: bool
    priority: bool
    overdue: bool
    mine: bool


@dataclass(frozen=True, slots=True)
class Said:
    """One question of the thread, with its answer."""

    asked_by: str
    asked_at: str
    question: str
    answer: str | None
    answered_at: str | None


@dataclass(frozen=True, slots=True)
class Event:
    at: str
    who: str
    what: str
    detail: str
    allowed: bool


@dataclass(frozen=True, slots=True)
class FileRow:
    """One line of the case's custody log of files (``EvidenceFiles.files``)."""

    position: int
    kind: str
    size: str
    received_at: str
    state: str  # kept (with when), being fetched, or why it could not be kept
    sha256: str


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    reference: str
    status: str
    is_open: bool
    claimable: bool
    danger: bool
    flags: list[str]
    fields: list[tuple[str, str]]
    account: str
    evidence: list[tuple[str, str, str, str]]  # platform, link, when received, SHA-256 of the link
    suspects: str
    files: list[FileRow]
    preserve: list[str]  # how to keep each linked platform's posts, a line per platform
    phone: str | None  # only for the claiming officer and admins
    thread: list[Said] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    # Other reports naming the same account: (id, reference) of those the reader may open, and how many
    # more are in queues they may not see (only counted, as on the group card).
    connected: list[tuple[int, str]] = field(default_factory=list)
    connected_hidden: int = 0
    additions: list[tuple[str, str]] = field(default_factory=list)  # (when, text): what the citizen added


def row(report: StoredReport, flow: Flow, lang: str, role: Role, overdue_before: tuple[str, str]) -> Row:
    before, before_priority = overdue_before
    threshold = before_priority if report.priority else before
    return Row(
        id=report.id,
        reference=report.reference,
        queue=card.province_name(flow, report.queue, lang),
        received=card.local_time(report.created_at),
        status=card.officer_status(report, lang),
        category=card.answer_of(flow, report, "category", lang) or t(lang, focal_texts.NOT_GIVEN),
        child=report.minor,
        priority=report.priority,
        # The list's badge reads the time received; a transferred case's clock restarts with its
        # new queue, which the "Overdue only" filter (queued_at) knows and this badge does not.
        overdue=report.status == NEW and report.created_at <= threshold,
        mine=report.claimed_by == role.user_id,
    )


def case_view(
    report: StoredReport,
    flow: Flow,
    lang: str,
    role: Role,
    thread: list[Exchange],
    trail: list[AuditEntry],
    connected: Sequence[Connected] = (),
    additions: Sequence[tuple[str, str]] = (),
    files: Sequence[EvidenceFile] = (),
    preserve: Preservation | None = None,
) -> CaseView:
    """The case page's values; ``connected``: ``Cases.connected`` of the case (an admin may open every one,
    an officer those of their queues); ``additions``: ``Cases.additions``, what the citizen added after sending;
    ``files``: ``EvidenceFiles.files``, the custody log (the files themselves come from the bot, /files)."""
    fields = card.card_fields(report, flow, lang)
    if report.outcome:
        fields.append((t(lang, texts.OUTCOME), card.outcome_text(report.outcome, lang)))
    # As in Telegram: the number for the officer who claimed the case, and for admins.
    phone = phone_given(report) if report.claimed_by == role.user_id or role.admin else None
    names = {e.actor: e.actor_name for e in trail if e.actor is not None and e.actor_name}
    linked = [(other, reference) for other, reference, queue in connected if role.may_see(queue)]
    return CaseView(
        id=report.id,
        reference=report.reference,
        status=report.status,
        is_open=report.open,
        claimable=report.claimed_by is None and report.status in (NEW, WAITING),
        danger=report.answers.get(DANGER_MENTIONED) == "yes",
        flags=card.priority_flags(report, flow, lang),
        fields=fields,
        account=card.answer_of(flow, report, "account", "en") or "",
        evidence=[
            (link.platform, link.url, card.local_time(link.received_at or report.created_at), card.link_hash(link.url))
            for link in report.evidence
        ],
        suspects=card.answer_of(flow, report, "suspects", "en") or "",
        files=[_file_row(f, lang) for f in files],
        preserve=preserve.lines_for((x.platform for x in report.evidence), lang) if preserve else [],
        phone=phone,
        connected=linked,
        connected_hidden=len(connected) - len(linked),
        additions=[(card.local_time(at), text) for at, text in additions],
        thread=[
            Said(
                names.get(x.asked_by, str(x.asked_by)),
                card.local_time(x.asked_at),
                x.question,
                x.answer,
                card.local_time(x.answered_at) if x.answered_at else None,
            )
            for x in thread
        ],
        timeline=[
            Event(
                card.local_time(e.at),
                e.actor_name or "—",
                t(lang, texts.ACTION_NAMES[e.action]) if e.action in texts.ACTION_NAMES else e.action,
                _detail(e, lang),
                e.allowed,
            )
            for e in trail
        ],
    )


def _detail(entry: AuditEntry, lang: str) -> str:
    """What the timeline says beside an action: the outcome, the queue, or why it was refused."""
    if not entry.allowed:
        return entry.detail
    if entry.action == "resolve":
        return card.outcome_text(entry.detail, lang)
    return entry.detail if entry.action == "transfer" else ""


def _file_row(entry: EvidenceFile, lang: str) -> FileRow:
    if entry.status == FILE_KEPT:
        state = t(lang, texts.FILE_KEPT_AT, time=card.local_time(entry.kept_at or ""))
    elif entry.status == FILE_FAILED:
        state = t(lang, texts.FILE_NOT_KEPT, note=entry.note)
    else:
        state = t(lang, texts.FILE_FETCHING)
    received = card.local_time(entry.received_at)
    return FileRow(entry.position, entry.kind, card.size_text(entry.size), received, state, entry.sha256 or "")
