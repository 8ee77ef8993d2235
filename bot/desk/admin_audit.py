"""The audit log on the desk: every entry, newest first, a hundred a page.

A page is read with ``Audit.recent`` (the primary key, backwards), never the whole table. An entry
names a case by id; its reference is looked up once per case on the page (``Reports.report_by_id``,
at most a hundred reads, each by primary key).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import t
from bot.store.records import AuditEntry
from bot.telegram import card

from . import admin_texts as A
from . import texts
from .services import DeskServices, Visitor, page

PAGE_SIZE = 100
LAST_PAGE = 100_000  # far beyond any log; keeps the offset a sane number


@dataclass(frozen=True, slots=True)
class Line:
    at: str
    who: str
    action: str
    report_id: int | None
    reference: str | None  # None: the case is gone (or was never there: a refusal names what was asked)
    queue: str
    allowed: bool
    detail: str


def page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), LAST_PAGE))
    except ValueError:
        return 1


def action_name(action: str, lang: str) -> str:
    msgid = texts.ACTION_NAMES.get(action) or A.ACTION_NAMES.get(action)
    return t(lang, msgid) if msgid else action


async def audit_page(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    lang = visitor.session.lang
    number = page_number(request)
    # One more than a page: whether a next page exists, without counting the table.
    found = await services.books.audit.recent(PAGE_SIZE + 1, (number - 1) * PAGE_SIZE)
    entries, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    references = await _references(services, entries)
    lines = [
        Line(
            card.local_time(e.at),
            e.actor_name or (str(e.actor) if e.actor is not None else "—"),
            action_name(e.action, lang),
            e.report_id,
            references.get(e.report_id) if e.report_id is not None else None,
            e.queue or "",
            e.allowed,
            e.detail,
        )
        for e in entries
    ]
    return page(
        request,
        "admin_audit.html",
        lang,
        visitor=visitor,
        A=A,
        section="audit",
        lines=lines,
        page_number=number,
        previous=f"/admin/audit?page={number - 1}" if number > 1 else None,
        next=f"/admin/audit?page={number + 1}" if more else None,
        back=f"/admin/audit?page={number}",
    )


async def _references(services: DeskServices, entries: list[AuditEntry]) -> dict[int, str]:
    """The reference of each case the entries name, read once per case."""
    found: dict[int, str] = {}
    for report_id in dict.fromkeys(e.report_id for e in entries if e.report_id is not None):
        report = await services.books.reports.report_by_id(report_id)
        if report is not None:
            found[report_id] = report.reference
    return found
