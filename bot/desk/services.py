"""What the desk's pages work with, and the one way they answer: a page in the reader's language."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.bidi import isolate
from bot.cases.casework import Actor, Casework
from bot.cases.flows import FlowRegistry
from bot.cases.preservation import PreservationFile
from bot.config import Settings
from bot.i18n import t, tn
from bot.store.ports import Books
from bot.store.records import DeskSession, StoredReport
from bot.telegram.focal import texts as focal_texts

from . import admin_texts, texts
from .passes import Passes
from .roles import Role, Roles
from .security import COOKIE, clear_session_cookie, secure

TEMPLATES = Path(__file__).resolve().parent / "templates"
DESK_LANGUAGES = ("en", "ur")

# After a change made on the desk: bring the case's cards in the groups up to date and wake the
# courier for the citizen's notice, exactly as a button press does (the Telegram adapter provides it).
Changed = Callable[[StoredReport, Actor, str | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in request: its session, the cookie's token, and the role asked afresh."""

    token: str
    session: DeskSession
    role: Role

    @property
    def actor(self) -> Actor:
        return Actor(self.role.user_id, self.role.name)


@dataclass
class DeskServices:
    books: Books
    flows: FlowRegistry
    casework: Casework
    roles: Roles
    passes: Passes
    settings: Settings
    changed: Changed

    @property
    def tls(self) -> bool:
        return self.settings.desk_url.startswith("https://")

    @functools.cached_property
    def preservation(self) -> PreservationFile:
        """How to keep each platform's posts (flows/preservation.yaml), read again when it changes."""
        return PreservationFile(self.settings.flows_dir)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.globals["T"] = texts
    env.globals["F"] = focal_texts
    env.globals["A"] = admin_texts
    return env


ENVIRONMENT = _environment()


def page(
    request: Request, name: str, lang: str, status: int = 200, visitor: Visitor | None = None, **values: Any
) -> Response:
    """A template rendered in ``lang``: ``_`` translates (with Urdu's left-to-right runs isolated),
    ``n_`` translates a text with a count."""
    lang = lang if lang in DESK_LANGUAGES else "en"

    def translate(msgid: str, **params: Any) -> str:
        text = t(lang, msgid, **params)
        return isolate(text) if lang == "ur" else text

    def translate_count(forms: tuple[str, str], count: int, **params: Any) -> str:
        text = tn(lang, forms, count, **params)
        return isolate(text) if lang == "ur" else text

    other = "en" if lang == "ur" else "ur"
    html = ENVIRONMENT.get_template(name).render(
        _=translate,
        n_=translate_count,
        lang=lang,
        direction="rtl" if lang == "ur" else "ltr",
        other_lang=other,
        other_lang_name=t(other, focal_texts.LANGUAGE_NAMES[other]),
        visitor=visitor,
        csrf=visitor.session.csrf if visitor else "",
        **values,
    )
    return secure(HTMLResponse(html, status_code=status))


def cookie_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def redirect(url: str) -> Response:
    return secure(RedirectResponse(url, status_code=303))


async def visitor_of(services: DeskServices, request: Request) -> Visitor | Response:
    """The signed-in visitor, or the page that says why not (sign in; no longer an officer)."""
    token = cookie_token(request)
    session = await services.passes.session(token)
    lang = request.query_params.get("lang", "en")
    if token is None or session is None:
        response = page(request, "message.html", lang, status=401, message=texts.NO_SESSION)
        clear_session_cookie(response, services.tls)
        return response
    role = await services.roles.of(session.user_id, session.name)
    visitor = Visitor(token, session, role)
    if not role.anyone:
        return page(request, "message.html", session.lang, status=403, visitor=visitor, message=texts.NOT_AN_OFFICER)
    return visitor
