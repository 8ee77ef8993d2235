"""The desk's admin pages: flow revisions, people (admins and officers), the audit log.

Every route passes the same gate: a live session (else the sign-in page, 401), then an admin, asked
afresh (else "no such page", 404, exactly as a case of another queue, and the refusal audited), and
for a form the session's CSRF token before anything else (else 403). A form's answer is a redirect
to a page with ``?done=KEY`` (post, redirect, get), so a reload never repeats it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.telegram.admin.publishing import MAX_FLOW_BYTES
from bot.telegram.callback_data import record_id

from . import (
    admin_texts,
    ids,  # noqa: F401  (registers the {name:id} route convertor)
    texts,
)
from .security import csrf_ok
from .services import DeskServices, Visitor, page, visitor_of

Show = Callable[[DeskServices, Request, Visitor], Awaitable[Response]]
Act = Callable[[DeskServices, Request, Visitor, FormData], Awaitable[Response]]
REFUSED = "desk_admin"
FORM_FIELD = 1024 * 1024  # Starlette's own limit on a form's field
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Notice:
    """What a form's redirect asked the page to say: a text, the values it names, good news or not."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    bad: bool = False


def notice(
    request: Request,
    notices: Mapping[str, str],
    bad: frozenset[str] = frozenset(),
    queues: Mapping[str, str] | None = None,
    fixed: Mapping[str, object] | None = None,
) -> Notice | None:
    """The notice named by ``?done=KEY``. The values it names come back from the address as numbers
    only (a queue only if it is one, shown by its name), so a crafted link cannot put words of its
    own on an admin's page; one missing or malformed and no notice is shown."""
    key = request.query_params.get("done", "")
    msgid = notices.get(key)
    if msgid is None:
        return None
    values: dict[str, object] = {}
    for name in PLACEHOLDER.findall(msgid):
        raw = request.query_params.get(name, "")
        value: object | None
        if fixed is not None and name in fixed:
            value = fixed[name]
        elif name == "queue":
            value = (queues or {}).get(raw)
        else:
            value = record_id(raw)
        if value is None:
            return None
        values[name] = value
    return Notice(msgid, values, key in bad)


async def admin_of(services: DeskServices, request: Request) -> Visitor | Response:
    """The signed-in admin, or the page a visitor who is not one gets."""
    found = await visitor_of(services, request)
    if not isinstance(found, Visitor):
        return found
    if not found.role.admin:
        await services.casework.refused(found.actor, REFUSED, None, "desk: not an admin")
        return not_found(request, found)
    return found


def not_found(request: Request, visitor: Visitor) -> Response:
    return page(request, "message.html", visitor.session.lang, status=404, visitor=visitor, message=texts.NOT_FOUND)


def showing(services: DeskServices, show: Show) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        found = await admin_of(services, request)
        return found if not isinstance(found, Visitor) else await show(services, request, found)

    return endpoint


def acting(services: DeskServices, act: Act, largest: int = FORM_FIELD) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        found = await visitor_of(services, request)
        if not isinstance(found, Visitor):
            return found
        try:
            form = await request.form(max_part_size=largest)
        except HTTPException:  # a field beyond ``largest`` bytes (as sent, percent-encoded): nothing is read
            if not found.role.admin:
                return not_found(request, found)
            too_big = Notice(admin_texts.FORM_TOO_BIG, {"limit": largest // 1024}, bad=True)
            return page(request, "admin_message.html", found.session.lang, 413, found, notice=too_big)
        if not csrf_ok(found.session.csrf, form.get("csrf")):
            await services.casework.refused(found.actor, REFUSED, None, "desk: bad CSRF token")
            lang = found.session.lang
            return page(request, "message.html", lang, status=403, visitor=found, message=texts.BAD_FORM)
        if not found.role.admin:
            await services.casework.refused(found.actor, REFUSED, None, "desk: not an admin")
            return not_found(request, found)
        return await act(services, request, found, form)

    return endpoint


def admin_routes(services: DeskServices) -> list[Route]:
    # Imported here: the pages' modules use this one's helpers.
    from . import admin_audit, admin_flows, admin_people

    def get(path: str, show: Show) -> Route:
        return Route(path, showing(services, show), methods=["GET"])

    def post(path: str, act: Act, largest: int = FORM_FIELD) -> Route:
        return Route(path, acting(services, act, largest), methods=["POST"])

    return [
        get("/admin/flows", admin_flows.flows_page),
        # A flow of MAX_FLOW_BYTES arrives percent-encoded: up to three bytes sent for each byte of it.
        post("/admin/flows/upload", admin_flows.upload, 4 * MAX_FLOW_BYTES),
        get("/admin/flows/{revision_id:id}", admin_flows.revision_page),
        post("/admin/flows/{revision_id:id}/rollback", admin_flows.rollback),
        get("/admin/candidates/{candidate_id:id}", admin_flows.candidate_page),
        post("/admin/candidates/{candidate_id:id}/publish", admin_flows.publish),
        post("/admin/candidates/{candidate_id:id}/discard", admin_flows.discard),
        get("/admin/people", admin_people.people_page),
        post("/admin/people/officers/add", admin_people.add_officer),
        post("/admin/people/officers/remove", admin_people.remove_officer),
        post("/admin/people/admins/add", admin_people.add_admin),
        post("/admin/people/admins/remove", admin_people.remove_admin),
        get("/admin/audit", admin_audit.audit_page),
    ]
