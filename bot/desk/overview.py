"""The desk's overview pages: the SLA board, stats with charts, and the CSV export.

The board counts, per queue the visitor may see, the cases nobody has claimed, those past the SLA
(``cases/service_levels.py``: the rule the reminders and the metrics use), the waiting and the
worked ones. Stats are the figures of ``/stats`` drawn as SVG bars (no script, so the page's
Content-Security-Policy stays closed); they cover every queue, so only admins see them, as with
``/stats`` in Telegram. The export is ``main.py export``'s CSV: an officer's has
their queues' cases without personal data; only an admin may add the personal columns. Both are
audited before the first row, as the command line's are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.cases import export
from bot.cases.service_levels import overdue_before
from bot.cases.stats import case_stats, duration
from bot.clock import now_iso
from bot.i18n import t
from bot.store.records import CLAIMED, NEW, RESOLVED, SPAM, WAITING, AuditEntry, CaseQuery
from bot.telegram import card

from . import texts
from .security import csrf_ok, secure
from .services import DeskServices, Visitor, page


@dataclass(frozen=True, slots=True)
class QueueLine:
    key: str
    name: str
    unclaimed: int
    overdue: int
    priority_overdue: int
    waiting: int
    claimed: int
    oldest: str | None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    width: int  # of BAR_WIDTH, for the SVG


BAR_WIDTH = 340  # of the chart's 720: labels take 300, the figure after the bar the rest
STATUS_NAMES = {
    NEW: texts.F_NEW,
    CLAIMED: texts.B_CLAIMED,
    WAITING: texts.F_WAITING,
    RESOLVED: texts.S_RESOLVED,
    SPAM: texts.S_SPAM,
}
DAYS = 7
FEEDBACK_NAMES = {"helped": texts.FEEDBACK_YES, "partly": texts.FEEDBACK_LITTLE, "not": texts.FEEDBACK_NO}


def bars(rows: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> list[Bar]:
    top = max((n for _, n in rows), default=0) or 1
    return [Bar(label, n, max(1, round(BAR_WIDTH * n / top)) if n else 0) for label, n in rows]


async def board(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    lang = visitor.session.lang
    cases = services.books.cases
    before, before_priority = overdue_before(services.settings)
    _, flow = await services.flows.live()
    lines = []
    for key in sorted(visitor.role.queues):
        mine = (key,)
        new = CaseQuery(mine, (NEW,), limit=1)
        oldest = await cases.find_cases(CaseQuery(mine, (NEW,), priority=False, limit=1))
        oldest_priority = await cases.find_cases(CaseQuery(mine, (NEW,), priority=True, limit=1))
        first = min((c.created_at for c in (*oldest, *oldest_priority)), default=None)
        lines.append(
            QueueLine(
                key=key,
                name=card.province_name(flow, key, lang),
                unclaimed=await cases.count_cases(new),
                overdue=await cases.count_cases(CaseQuery(mine, overdue_before=before, overdue_before_priority=None)),
                priority_overdue=await cases.count_cases(
                    CaseQuery(mine, overdue_before=None, overdue_before_priority=before_priority)
                ),
                waiting=await cases.count_cases(CaseQuery(mine, (WAITING,))),
                claimed=await cases.count_cases(CaseQuery(mine, (CLAIMED,))),
                oldest=card.local_time(first) if first else None,
            )
        )
    settings = services.settings
    return page(
        request,
        "board.html",
        lang,
        visitor=visitor,
        lines=lines,
        minutes=settings.sla_minutes,
        child_minutes=settings.sla_child_minutes,
        back="/board",
    )


async def stats(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    lang = visitor.session.lang
    if not visitor.role.admin:
        # The figures cover every queue, as /stats does in Telegram, where it is for admins only.
        await services.casework.refused(visitor.actor, "desk_stats", None, "desk: not an admin")
        return page(request, "message.html", lang, status=404, visitor=visitor, message=texts.NOT_FOUND)
    now = datetime.now(UTC)
    figures = await case_stats(services.books.stats, now)
    _, flow = await services.flows.live()
    days = []
    for back in range(DAYS - 1, -1, -1):
        start = (now - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
        count = await services.books.stats.count_created(start.isoformat(timespec="seconds"), end.isoformat())
        days.append((start.strftime("%m-%d"), count))
    provinces = [(card.province_name(flow, key, lang), n) for key, n in figures.by_province]
    categories = [(card.option_name(flow, "category", key, lang), n) for key, n in figures.by_category]
    statuses = [(t(lang, STATUS_NAMES.get(key, key)), n) for key, n in figures.by_status]
    # Only once a citizen has answered, as in /stats; then all three answers, a zero among them.
    feedback = [(t(lang, FEEDBACK_NAMES[key]), n) for key, n in figures.feedback_counts.items()]
    return page(
        request,
        "stats.html",
        lang,
        visitor=visitor,
        figures=figures,
        claim=duration(figures.median_claim, lang),
        claim_priority=duration(figures.median_claim_priority, lang),
        charts=[
            (texts.BY_PROVINCE_CHART, bars(provinces)),
            (texts.BY_CATEGORY_CHART, bars(categories)),
            (texts.BY_STATUS_CHART, bars(statuses)),
        ],
        week=bars(days),
        feedback=bars(feedback) if figures.feedback else [],
        back="/stats",
    )


async def export_form(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    today = datetime.now(UTC).date()
    since = (today - timedelta(days=30)).isoformat()
    error = texts.EXPORT_BAD_DATE if request.query_params.get("bad") else None
    return page(request, "export.html", visitor.session.lang, visitor=visitor, since=since, error=error, back="/export")


async def export_csv(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    form = await request.form()
    lang = visitor.session.lang
    if not csrf_ok(visitor.session.csrf, form.get("csrf")):
        return page(request, "message.html", lang, status=403, visitor=visitor, message=texts.BAD_FORM)
    try:
        since = export.parse_day(str(form.get("since") or ""), "since")
        until_text = str(form.get("until") or "").strip()
        until = export.parse_day(until_text, "until") if until_text else None
    except ValueError:
        return secure(Response(status_code=303, headers={"Location": "/export?bad=1"}))
    role = visitor.role
    personal = form.get("personal") == "1" and role.admin
    action = "export_personal" if personal else "export"
    window = f"desk since={since[:10]} until={(until or '')[:10]}"
    audit = services.books.audit
    await audit.record(AuditEntry(now_iso(), role.user_id, role.name, action, None, None, True, window))

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(export.COLUMNS + (export.PERSONAL if personal else ()))
        yield "\ufeff" + buffer.getvalue()  # utf-8-sig: spreadsheet programs then read the Urdu correctly
        count = 0
        async for report in export.reports_between(services.books.reports, since, until):
            if not role.may_see(report.queue):
                continue
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(export.row(report, personal))
            count += 1
            yield buffer.getvalue()
        entry = AuditEntry(now_iso(), role.user_id, role.name, f"{action}_done", None, None, True, f"rows={count}")
        await audit.record(entry)

    name = f"cases-{since[:10]}-{(until or now_iso())[:10]}.csv"
    response = StreamingResponse(rows(), media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return secure(response)
