"""The desk's pages: the list of cases (filters, search by reference, pages) and one case.

An officer sees the cases of the queues they may act on; an admin sees every case. A case of
another queue is refused like one that does not exist (the same page, status 404), so a guessed
number tells nothing; the refusal is audited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.cases.references import normalise_reference
from bot.cases.service_levels import overdue_before
from bot.store.records import EVERY_STATUS, NEW, OPEN_STATUSES, RESOLVED, SPAM, WAITING, CaseQuery, StoredReport
from bot.telegram import card
from bot.telegram.focal import texts as focal_texts

from . import texts, view
from .services import DeskServices, Visitor, page

PAGE_SIZE = 50
STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": (texts.F_OPEN, OPEN_STATUSES),
    "new": (texts.F_NEW, (NEW,)),
    "waiting": (texts.F_WAITING, (WAITING,)),
    "closed": (texts.F_CLOSED, (RESOLVED, SPAM)),
    "all": (texts.F_ALL, EVERY_STATUS),
}
FLAGS = {"child": texts.F_CHILD, "danger": texts.F_DANGER, "overdue": texts.F_OVERDUE, "mine": texts.F_MINE}


def query_of(request: Request, visitor: Visitor, thresholds: tuple[str, str]) -> tuple[CaseQuery, dict[str, str]]:
    """The list's query from the address's parameters (unknown values fall back to the default)."""
    params = request.query_params
    status = params.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    chosen = {"status": status}
    flags = {name for name in FLAGS if params.get(name) == "1"}
    chosen.update({name: "1" for name in flags})
    try:
        number = max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    typed = params.get("ref", "").strip()[:20]
    # As typed when it is not in the reference's form: an old reference, or one the officer pasted.
    reference = (normalise_reference(typed) or typed.upper()) if typed else None
    if typed:
        chosen["ref"] = typed
    role = visitor.role
    query = CaseQuery(
        queues=None if role.admin else tuple(sorted(role.queues)),
        statuses=STATUS_FILTERS["all" if reference else status][1],
        minor=True if "child" in flags else None,
        priority=True if "danger" in flags else None,
        claimed_by=role.user_id if "mine" in flags else None,
        overdue_before=thresholds[0] if "overdue" in flags else None,
        overdue_before_priority=thresholds[1] if "overdue" in flags else None,
        reference=reference,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    return query, chosen | {"page": str(number)}


async def case_list(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    lang = visitor.session.lang
    thresholds = overdue_before(services.settings)
    query, chosen = query_of(request, visitor, thresholds)
    cases = services.books.cases
    found = await cases.find_cases(query)
    total = await cases.count_cases(query)
    rows = []
    for report in found:
        flow = await services.flows.pinned(report.revision_id)
        rows.append(view.row(report, flow, lang, visitor.role, thresholds))
    number = int(chosen["page"])

    def address(**change: str | None) -> str:
        values = {**chosen, **change}
        return "/?" + urlencode({k: v for k, v in values.items() if v})

    return page(
        request,
        "list.html",
        lang,
        visitor=visitor,
        rows=rows,
        total=total,
        chosen=chosen,
        statuses=[(key, label) for key, (label, _) in STATUS_FILTERS.items()],
        flags=list(FLAGS.items()),
        page_number=number,
        previous=address(page=str(number - 1)) if number > 1 else None,
        next=address(page=str(number + 1)) if number * PAGE_SIZE < total else None,
        back=str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
    )


async def visible_case(services: DeskServices, visitor: Visitor, report_id: int, action: str) -> StoredReport | None:
    """The case if the visitor may see it; otherwise None, and a refusal in the audit."""
    report = await services.books.cases.case(report_id)
    if report is None:
        await services.casework.refused(visitor.actor, action, None, f"desk: no case {report_id}")
        return None
    if not visitor.role.may_see(report.queue):
        await services.casework.refused(visitor.actor, action, report, "desk: not an officer of the queue")
        return None
    return report


async def case_page(services: DeskServices, request: Request, visitor: Visitor, report_id: int) -> Response:
    lang = visitor.session.lang
    report = await visible_case(services, visitor, report_id, "desk_view")
    if report is None:
        return page(request, "message.html", lang, status=404, visitor=visitor, message=texts.NOT_FOUND)
    await services.casework.record(visitor.actor, "desk_view", report)
    flow = await services.flows.pinned(report.revision_id)
    thread = await services.books.cases.thread(report.id)
    trail = await services.books.audit.trail(report.id)
    connected = await services.books.cases.connected(report.id)
    additions = await services.books.cases.additions(report.id)
    files = await services.books.files.files(report.id)
    preserve = services.preservation.current()
    shown = view.case_view(report, flow, lang, visitor.role, thread, trail, connected, additions, files, preserve)
    bindings = await services.books.cases.bindings()
    others = [(key, card.province_name(flow, key, lang)) for key in sorted(bindings) if key != report.queue]
    done = request.query_params.get("done", "")
    return page(
        request,
        "case.html",
        lang,
        visitor=visitor,
        case=shown,
        queues=others,
        outcomes=list(focal_texts.OUTCOMES.items()),
        done=DONE.get(done),
        anonymous=report.chat_key is None,
        back=f"/case/{report.id}",
    )


DONE = {
    "claim": texts.DONE_CLAIM,
    "ask": texts.DONE_ASK,
    "resolve": texts.DONE_RESOLVE,
    "transfer": texts.DONE_TRANSFER,
    "spam": texts.DONE_SPAM,
    "moved": texts.NOT_DONE,
    "empty": texts.QUESTION_EMPTY,
}
