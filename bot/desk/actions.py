"""Claim, Ask, Resolve, Transfer and Spam from the desk: the same ``Casework`` as the card's buttons.

Each form is checked for the session's CSRF token, then the case for the visitor's role; after a
change the Telegram adapter's ``changed`` brings the cards in the groups up to date and wakes the
courier for the citizen's notice. The answer is a redirect to the case (post, redirect, get), so
reloading the page never repeats an action.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.store.records import NO_OPEN_ASK, StoredReport
from bot.telegram.focal import texts as focal_texts

from . import texts
from .pages import visible_case
from .security import csrf_ok, secure
from .services import DeskServices, Visitor, page

log = logging.getLogger(__name__)

QUESTION_LIMIT = 3000  # as a reply in the group: Telegram's 4096 less the frame around it
ACTIONS = ("claim", "ask", "resolve", "transfer", "spam")


def back_to(report_id: int, done: str) -> Response:
    return secure(RedirectResponse(f"/case/{report_id}?done={done}", status_code=303))


async def act(services: DeskServices, request: Request, visitor: Visitor, report_id: int, action: str) -> Response:
    lang = visitor.session.lang
    form = await request.form()
    if not csrf_ok(visitor.session.csrf, form.get("csrf")):
        await services.casework.refused(visitor.actor, f"desk_{action}"[:40], None, "desk: bad CSRF token")
        return page(request, "message.html", lang, status=403, visitor=visitor, message=texts.BAD_FORM)
    if action not in ACTIONS:
        return page(request, "message.html", lang, status=404, visitor=visitor, message=texts.NOT_FOUND)
    report = await visible_case(services, visitor, report_id, action)
    if report is None:
        return page(request, "message.html", lang, status=404, visitor=visitor, message=texts.NOT_FOUND)
    casework, actor = services.casework, visitor.actor
    changed: StoredReport | None = None
    old_queue: str | None = None
    if action == "claim":
        changed = await casework.claim(report, actor) if report.open else None
    elif action == "ask":
        question = str(form.get("question") or "").strip()[:QUESTION_LIMIT]
        if not question:
            return back_to(report.id, "empty")
        if not report.open or report.chat_key is None:
            return back_to(report.id, "moved")
        # The desk's question is its own Ask: opened and spent in one go.
        await services.books.cases.open_ask(report.id, actor.user_id, 0, None)
        asked = await casework.ask(report, actor, question)
        if asked is None or asked == NO_OPEN_ASK:
            return back_to(report.id, "moved")
        changed = await services.books.cases.case(report.id)
    elif action == "resolve":
        outcome = str(form.get("outcome") or "")
        if outcome not in focal_texts.OUTCOMES:
            return back_to(report.id, "moved")
        changed = await casework.resolve(report, actor, outcome)
    elif action == "transfer":
        queue = str(form.get("queue") or "")
        if queue == report.queue or queue not in await services.books.cases.bindings():
            await casework.refused(actor, "transfer", report, "desk: queue not available")
            return back_to(report.id, "moved")
        old_queue = report.queue
        changed = await casework.transfer(report, actor, queue)
    elif action == "spam":
        if form.get("confirm") != "yes":
            return back_to(report.id, "moved")
        changed = await casework.spam(report, actor)
    if changed is None:
        return back_to(report.id, "moved")
    log.info("desk: user %d did %s on case %d", actor.user_id, action, report.id)
    await services.changed(changed, actor, old_queue)
    if action == "transfer" and not visitor.role.may_see(changed.queue):
        return secure(RedirectResponse("/?done=transfer", status_code=303))
    return back_to(report.id, action)
