"""Admins and officers on the desk: the lists, and the forms that add and remove them.

The same rules and audit entries as /admins and /focal in Telegram (``telegram/admin/commands.py``,
``telegram/focal/queues.py``), through the same books: an admin from the settings cannot be removed
here; an admin may remove another, or themselves (as in Telegram: the settings' admins keep the
deployment from locking itself out); an officer is registered for a queue that has a group.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.cases.flows import FlowNotPublished
from bot.engine.errors import FlowLoadError
from bot.engine.normalise import normalise
from bot.telegram import card
from bot.telegram.admin import texts as admin_texts
from bot.telegram.callback_data import record_id

from . import admin_texts as A
from .admin_pages import notice
from .services import DeskServices, Visitor, page, redirect

log = logging.getLogger(__name__)

PEOPLE = "/admin/people"
NOTICES = {
    "officer_added": A.OFFICER_ADDED,
    "officer_removed": A.OFFICER_REMOVED,
    "officer_not_there": A.OFFICER_NOT_THERE,
    "admin_added": admin_texts.ADMIN_ADDED,
    "admin_removed": admin_texts.ADMIN_REMOVED,
    "admin_not_removed": admin_texts.ADMIN_NOT_REMOVED,
    "bad_user": A.BAD_USER_ID,
    "bad_queue": A.BAD_QUEUE,
}
BAD = frozenset({"officer_not_there", "admin_not_removed", "bad_user", "bad_queue"})


async def queue_names(services: DeskServices, lang: str) -> dict[str, str]:
    """The bound queues, by key, with the names the live flow gives them (the key when it gives none)."""
    keys = sorted(await services.books.cases.bindings())
    try:
        _, flow = await services.flows.live()
    except (FlowNotPublished, FlowLoadError):
        return {key: key for key in keys}
    return {key: card.province_name(flow, key, lang) for key in keys}


async def people_page(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    lang = visitor.session.lang
    admins = services.books.admins
    queues = await queue_names(services, lang)
    officers: dict[str, list[int]] = {key: [] for key in queues}
    for queue, user_id in await services.books.cases.officers():
        officers.setdefault(queue, []).append(user_id)  # a queue unbound since still lists its officers
    added = [(user_id, card.local_time(at)) for user_id, _, at in await admins.added()]
    fixed = sorted(admins.bootstrap)
    return page(
        request,
        "admin_people.html",
        lang,
        visitor=visitor,
        A=A,
        section="people",
        fixed=fixed,
        added=[(user_id, at) for user_id, at in added if user_id not in admins.bootstrap],
        queues=queues,
        officers=[(key, queues.get(key, key), ids) for key, ids in officers.items()],
        notice=notice(request, NOTICES, BAD, queues=queues),
        back=PEOPLE,
    )


def _user_id(form: FormData) -> int | None:
    given = form.get("user_id")
    # Typed by hand, perhaps in Urdu digits or with spaces around it.
    return record_id(normalise(given, cap=40)) if isinstance(given, str) else None


async def _officer_form(services: DeskServices, form: FormData, removing: bool) -> tuple[str, int] | Response:
    user_id = _user_id(form)
    if user_id is None:
        return redirect(f"{PEOPLE}?done=bad_user")
    queue = form.get("queue")
    known = set(await services.books.cases.bindings())
    if removing:  # an officer of a queue whose group was unbound since can still be taken off it
        known |= {key for key, _ in await services.books.cases.officers()}
    if not isinstance(queue, str) or queue not in known:
        return redirect(f"{PEOPLE}?done=bad_queue")
    return queue, user_id


async def add_officer(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    found = await _officer_form(services, form, removing=False)
    if not isinstance(found, tuple):
        return found
    queue, user_id = found
    await services.books.cases.add_officer(queue, user_id, visitor.actor.user_id)
    log.info("desk: user %d registered an officer for %s", visitor.actor.user_id, queue)
    return redirect(f"{PEOPLE}?done=officer_added&user={user_id}&queue={quote(queue)}")


async def remove_officer(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    found = await _officer_form(services, form, removing=True)
    if not isinstance(found, tuple):
        return found
    queue, user_id = found
    removed = await services.books.cases.remove_officer(queue, user_id, visitor.actor.user_id)
    done = "officer_removed" if removed else "officer_not_there"
    return redirect(f"{PEOPLE}?done={done}&user={user_id}&queue={quote(queue)}")


async def add_admin(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    user_id = _user_id(form)
    if user_id is None:
        return redirect(f"{PEOPLE}?done=bad_user")
    actor = visitor.actor
    await services.books.admins.add(user_id, actor.user_id, actor.name)
    log.info("desk: user %d added an admin", actor.user_id)
    return redirect(f"{PEOPLE}?done=admin_added&user={user_id}")


async def remove_admin(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    user_id = _user_id(form)
    if user_id is None:
        return redirect(f"{PEOPLE}?done=bad_user")
    actor = visitor.actor
    removed = await services.books.admins.remove(user_id, actor.user_id, actor.name)
    if removed:
        # Their open desk sessions end now, on every instance; a new sign-in gets whatever role is left.
        await services.books.desk.close_sessions_of(user_id)
    if removed and user_id == actor.user_id:
        return redirect("/")  # no longer an admin: these pages are gone for them
    return redirect(f"{PEOPLE}?done={'admin_removed' if removed else 'admin_not_removed'}&user={user_id}")
