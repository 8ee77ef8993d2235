"""Turning a finished conversation into a report record: the fields routing and the case card need.

The flow's ``report:`` block says which step holds which field, so admins may rename or reorder
steps without touching this code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from bot.cases.deliveries import new_case_delivery
from bot.cases.matching import match_keys
from bot.engine.model import Flow
from bot.engine.session import Answer, Session
from bot.store.records import EvidenceLink, NewFile, NewReport, StoredReport

# Key in a report's answers, "yes" when the citizen typed words saying someone is in danger (the
# runner marks the session ``vars["danger"]``). Kept beside the answers like "attachments", so no
# storage change is needed; a flow should not name a step so.
DANGER_MENTIONED = "danger_mentioned"
# Session variable: when each evidence link first arrived, url -> ISO time (conversation.stamp_links).
LINK_TIMES = "link_times"


def danger_mentioned(session: Session) -> bool:
    return session.vars.get("danger") == "1"


def phone_given(report: StoredReport) -> str | None:
    """The number the citizen gave to be called on, or None: she may have typed one, then chosen to be
    reached through the bot only."""
    phone = report.answers.get("phone") if report.answers.get("contact") == "phone" else None
    return str(phone) if phone else None


def field(flow: Flow, answers: Mapping[str, Answer], name: str) -> Answer:
    step_id = flow.report.get(name)
    return answers.get(step_id) if step_id else None


def is_child_case(flow: Flow, answers: Mapping[str, Answer]) -> bool:
    """A child case gets priority: the victim is under 18, a guardian reports for a child, or child abuse."""
    return bool(
        field(flow, answers, "minor") == "yes"
        or field(flow, answers, "reporter") == "child"
        or field(flow, answers, "category") == "child_abuse"
    )


def is_priority(flow: Flow, answers: Mapping[str, Answer]) -> bool:
    """First in its queue with a shorter reminder time (the child SLA): a child case, harm still going
    on, or danger mentioned while reporting."""
    return (
        is_child_case(flow, answers)
        or field(flow, answers, "ongoing") == "yes"
        or answers.get(DANGER_MENTIONED) == "yes"
    )


def build_report(
    flow: Flow,
    session: Session,
    answers: Mapping[str, Answer],
    *,
    reference: str,
    pin: str,
    chat_key: str,
    created_at: str,
    route: Callable[[str], str | None] | None = None,
    match_key: bytes | None = None,
) -> NewReport:
    """The report record; ``route`` maps its province to a focal queue (None: the report goes to no queue).

    With ``match_key``, what the citizen said about the abuser is kept as keyed hashes (``matching.py``)
    that connect this case with others naming the same account; without one, none are kept.
    """
    evidence_raw = field(flow, answers, "evidence") or []
    # When each link arrived (conversation.stamp_links); one without a time is as old as the report.
    times: dict[str, str] = json.loads(session.vars.get(LINK_TIMES, "{}"))
    evidence = tuple(
        EvidenceLink(str(item["url"]), str(item["platform"]), times.get(str(item["url"]), created_at))
        for item in evidence_raw
        if isinstance(item, dict)
    )
    category = field(flow, answers, "category")
    province = field(flow, answers, "province")
    province_key = str(province) if isinstance(province, str) else "undisclosed"
    anonymous = field(flow, answers, "contact") == "anonymous"
    if danger_mentioned(session):
        answers = {**answers, DANGER_MENTIONED: "yes"}
    queue = route(province_key) if route is not None else None
    priority = is_priority(flow, answers)
    attachments: list[dict[str, Any]] = json.loads(session.vars.get("attachments", "[]"))
    keys = match_keys(flow, answers, match_key) if match_key is not None else ()
    return NewReport(
        reference=reference,
        pin=pin,
        flow_id=flow.id,
        revision_id=session.revision,
        # Anonymous: keep no link from the report back to the Telegram account.
        chat_key=None if anonymous else chat_key,
        language=session.lang,
        category=str(category) if isinstance(category, str) else None,
        province=province_key,
        minor=is_child_case(flow, answers),
        # What each file was (type, size, time); Telegram's reference to it goes to ``files`` alone.
        answers={**answers, "attachments": [_described(a) for a in attachments]},
        evidence=evidence,
        created_at=created_at,
        queue=queue,
        priority=priority,
        # The case card goes to its queue in the report's own transaction.
        deliveries=(new_case_delivery(None, reference, queue, priority),) if queue is not None else (),
        match_keys=keys,
        files=() if is_child_case(flow, answers) else files_to_fetch(attachments),
    )


def files_to_fetch(attachments: list[dict[str, Any]]) -> tuple[NewFile, ...]:
    """The files of an adult's report to fetch once and keep (``telegram/evidence_keeper.py``). A child
    case has none: its pictures are deleted unseen, and this is never asked for them."""
    return tuple(
        NewFile(
            kind=str(a["kind"]),
            source=str(a["file_id"]),
            size=int(a.get("size") or 0),
            mime_type=str(a.get("mime_type") or ""),
            received_at=str(a.get("received_at") or ""),
        )
        for a in attachments
        if a.get("file_id")
    )


def _described(attachment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attachment.items() if k != "file_id"}
