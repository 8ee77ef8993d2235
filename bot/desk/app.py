"""The officers' desk as an ASGI app: sign-in with a link from the bot, the case list, a case's page.

Every request but sign-in and the stylesheet is checked the same way: a live session, then the
role asked afresh (roles.py), then, for a case, that the role may see its queue. A refusal names
no case and is audited. Changes go through ``Casework``, as the bot's buttons do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import (
    actions,
    ids,  # noqa: F401  (registers the {name:id} route convertor)
    overview,
    pages,
    texts,
)
from .admin_pages import admin_routes
from .security import SecureHeaders, clear_session_cookie, csrf_ok, set_session_cookie
from .services import DESK_LANGUAGES, DeskServices, Visitor, cookie_token, page, redirect, visitor_of

log = logging.getLogger(__name__)

Handler = Callable[[DeskServices, Request, Visitor], Awaitable[Response]]

STATIC = Path(__file__).resolve().parent / "static"


def build_desk(services: DeskServices) -> Starlette:
    async def sign_in_page(request: Request) -> Response:
        # A page with a button, not a sign-in on GET: link previews and scanners open links too,
        # and must not spend the officer's one-time token.
        token = request.query_params.get("t", "")
        lang = request.query_params.get("lang", "en")
        return page(request, "signin.html", lang, token=token)

    async def sign_in(request: Request) -> Response:
        form = await request.form()
        token = form.get("t")
        lang = str(form.get("lang") or "en")
        opened = await services.passes.redeem(token if isinstance(token, str) else "", lang)
        if opened is None:
            log.info("desk: a sign-in link was refused (used, expired or unknown)")
            return page(request, "message.html", lang, status=403, message=texts.LINK_SPENT)
        log.info("desk: user %d signed in", opened.session.user_id)
        response = redirect("/")
        set_session_cookie(response, opened.token, services.passes.session_seconds, services.tls)
        return response

    async def sign_out(request: Request) -> Response:
        # The session and its CSRF token only, not the role: someone who is no officer any more must
        # still be able to end their session (it would open again if they were added back).
        token = cookie_token(request)
        session = await services.passes.session(token)
        if token is None or session is None:
            response = page(request, "message.html", "en", status=401, message=texts.NO_SESSION)
            clear_session_cookie(response, services.tls)
            return response
        form = await request.form()
        if not csrf_ok(session.csrf, form.get("csrf")):
            return page(request, "message.html", session.lang, status=403, message=texts.BAD_FORM)
        await services.passes.close(token)
        response = page(request, "message.html", session.lang, message=texts.SIGNED_OUT)
        clear_session_cookie(response, services.tls)
        return response

    async def language(request: Request) -> Response:
        found = await visitor_of(services, request)
        if not isinstance(found, Visitor):
            return found
        form = await request.form()
        if not csrf_ok(found.session.csrf, form.get("csrf")):
            return page(request, "message.html", found.session.lang, status=403, message=texts.BAD_FORM)
        lang = str(form.get("lang"))
        if lang in DESK_LANGUAGES:
            await services.passes.set_language(found.token, lang)
        back = str(form.get("back") or "/")
        return redirect(back if back.startswith("/") and not back.startswith("//") else "/")

    async def case_list(request: Request) -> Response:
        found = await visitor_of(services, request)
        return found if not isinstance(found, Visitor) else await pages.case_list(services, request, found)

    async def case_page(request: Request) -> Response:
        found = await visitor_of(services, request)
        if not isinstance(found, Visitor):
            return found
        return await pages.case_page(services, request, found, int(request.path_params["report_id"]))

    async def case_action(request: Request) -> Response:
        found = await visitor_of(services, request)
        if not isinstance(found, Visitor):
            return found
        report_id, action = int(request.path_params["report_id"]), str(request.path_params["action"])
        return await actions.act(services, request, found, report_id, action)

    def signed_in(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            found = await visitor_of(services, request)
            return found if not isinstance(found, Visitor) else await handler(services, request, found)

        return endpoint

    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, "message.html", "en", status=404, message=texts.NOT_FOUND)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return page(request, "message.html", "en", status=405, message=texts.NOT_FOUND)

    routes = [
        Route("/signin", sign_in_page, methods=["GET"]),
        Route("/signin", sign_in, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/language", language, methods=["POST"]),
        Route("/", case_list, methods=["GET"]),
        Route("/case/{report_id:id}", case_page, methods=["GET"]),
        Route("/case/{report_id:id}/{action:str}", case_action, methods=["POST"]),
        Route("/board", signed_in(overview.board), methods=["GET"]),
        Route("/stats", signed_in(overview.stats), methods=["GET"]),
        Route("/export", signed_in(overview.export_form), methods=["GET"]),
        Route("/export", signed_in(overview.export_csv), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    routes[-1:-1] = admin_routes(services)  # before the static files' mount
    return Starlette(
        routes=routes, middleware=[Middleware(SecureHeaders)], exception_handlers={404: not_found, 405: not_allowed}
    )
