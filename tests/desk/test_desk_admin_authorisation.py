"""Who may use the desk's admin pages: every admin route against every role, one test per cell.

The roles are ``test_desk_authorisation.py``'s: ``officer`` (Ayesha, Punjab), ``other`` (Bilal, Sindh),
``admin`` (from the settings), ``expired`` and ``reused`` (a sign-in link refused at sign-in) and
``none`` (no session). Only the admin gets the pages; an officer gets "no such page" (404), exactly
as for a case of another queue, and the refusal is audited; without a session, the sign-in page (401).
Each cell checks the answer and what is stored: the live revision, the pending upload, the officers,
the admins.

``ROUTES`` × ``ROLES`` = 13 × 6 = 78 cells, and a bad or missing CSRF token on each of the 8 forms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx
import pytest

from bot.desk.passes import Passes
from tests.desk.conftest import ADMIN, AYESHA, BILAL, Desk
from tests.desk.test_desk_admin import COMMENTED, admin_app, csrf_of, sign_in

ROLES = ("officer", "other", "admin", "expired", "reused", "none")
EXPECTED = {
    "officer": "not found",
    "other": "not found",
    "admin": "allowed",
    "expired": "sign in",
    "reused": "sign in",
    "none": "sign in",
}
ADDED_ADMIN = 4343  # an admin added from Telegram before each cell


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # {candidate}: a pending upload; {older}: the revision before the live one
    data: dict[str, str]
    changes: str | None  # what an allowed request changes (see ``changed``); None: nothing
    shows: str = ""  # what an allowed GET's page holds


ROUTES = (
    Route("flows", "GET", "/admin/flows", {}, None, 'id="upload"'),
    Route("upload", "POST", "/admin/flows/upload", {"content": COMMENTED}, "uploaded"),
    Route("candidate", "GET", "/admin/candidates/{candidate}", {}, None, 'id="publish"'),
    Route("publish", "POST", "/admin/candidates/{candidate}/publish", {}, "published"),
    Route("discard", "POST", "/admin/candidates/{candidate}/discard", {}, "discarded"),
    Route("revision", "GET", "/admin/flows/{older}", {}, None, 'id="rollback"'),
    Route("rollback", "POST", "/admin/flows/{older}/rollback", {}, "rolled back"),
    Route("people", "GET", "/admin/people", {}, None, f'id="remove-admin-{ADDED_ADMIN}"'),
    Route("add officer", "POST", "/admin/people/officers/add", {"queue": "sindh", "user_id": "503"}, "officer added"),
    Route(
        "remove officer",
        "POST",
        "/admin/people/officers/remove",
        {"queue": "punjab", "user_id": str(AYESHA)},
        "officer removed",
    ),
    Route("add admin", "POST", "/admin/people/admins/add", {"user_id": "4242"}, "admin added"),
    Route("remove admin", "POST", "/admin/people/admins/remove", {"user_id": str(ADDED_ADMIN)}, "admin removed"),
    Route("audit", "GET", "/admin/audit", {}, None, 'id="audit"'),
)


@dataclass(frozen=True)
class State:
    live: int
    candidate: str
    next_candidate: bool  # whether an upload after the pending one exists
    officers: tuple[tuple[str, int], ...]
    admins: frozenset[int]


@dataclass(frozen=True)
class Setting:
    candidate: int
    older: int
    newer: int


async def prepare(desk: Desk) -> Setting:
    """A second revision published (so the first can be rolled back to), an upload pending, an admin added."""
    older = await desk.books.revisions.live_revision("report")
    assert older is not None
    newer = await desk.books.revisions.publish("report", COMMENTED, "tg:9000 Admin")
    candidate = await desk.books.admins.upload("report", COMMENTED + "# again\n", ADMIN, "Admin")
    await desk.books.admins.add(ADDED_ADMIN, ADMIN, "Admin")
    return Setting(candidate, older.id, newer.id)


async def state(desk: Desk, setting: Setting) -> State:
    live = await desk.books.revisions.live_revision("report")
    candidate = await desk.books.admins.candidate(setting.candidate)
    assert live is not None and candidate is not None
    return State(
        live.id,
        candidate.state,
        await desk.books.admins.candidate(setting.candidate + 1) is not None,
        tuple(await desk.books.cases.officers()),
        frozenset(user_id for user_id, _, _ in await desk.books.admins.added()),
    )


def changed(before: State, change: str, setting: Setting) -> State:
    """``before`` as the allowed request ``change`` leaves it."""
    officers = set(before.officers)
    if change == "officer added":
        officers.add(("sindh", 503))
    if change == "officer removed":
        officers.discard(("punjab", AYESHA))
    admins = set(before.admins)
    if change == "admin added":
        admins.add(4242)
    if change == "admin removed":
        admins.discard(ADDED_ADMIN)
    return State(
        before.live if change != "rolled back" else setting.older,
        {"published": "published", "discarded": "discarded"}.get(change, before.candidate),
        before.next_candidate or change == "uploaded",
        tuple(sorted(officers)),
        frozenset(admins),
    )


async def client_for(desk: Desk, role: str) -> httpx.AsyncClient:
    if role == "officer":
        return await sign_in(desk, AYESHA, "Ayesha")
    if role == "other":
        return await sign_in(desk, BILAL, "Bilal")
    if role == "admin":
        return await sign_in(desk, ADMIN, "Admin")
    client = admin_app(desk)
    if role == "expired":
        token = await Passes(desk.books.desk, pass_seconds=-1).issue(AYESHA, "Ayesha")
        refused = await client.post("/signin", data={"t": token})
        assert refused.status_code == 403 and "already used or has expired" in refused.text
    elif role == "reused":
        token = await desk.passes.issue(AYESHA, "Ayesha")
        assert (await admin_app(desk).post("/signin", data={"t": token})).status_code == 303
        refused = await client.post("/signin", data={"t": token})
        assert refused.status_code == 403 and "already used or has expired" in refused.text
    return client


def path_of(route: Route, setting: Setting) -> str:
    return route.path.format(candidate=setting.candidate, older=setting.older)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
async def test_admin_route_for_role(desk: Desk, route: Route, role: str) -> None:
    setting = await prepare(desk)
    client = await client_for(desk, role)
    before = await state(desk, setting)
    refusals = len([e for e in await desk.books.audit.trail() if e.action == "desk_admin"])
    data = dict(route.data)
    if route.method == "POST":
        data["csrf"] = await csrf_of(client)  # as the page's form would carry it
    response = await client.request(route.method, path_of(route, setting), data=data or None)
    after = await state(desk, setting)
    expected = EXPECTED[role]

    if expected == "sign in":
        assert response.status_code == 401
        assert "send /desk to the bot" in response.text
        assert after == before
        return
    if expected == "not found":
        assert response.status_code == 404
        assert "There is no such page or case." in response.text
        assert "/admin/" not in response.text
        assert after == before
        refused = [e for e in await desk.books.audit.trail() if e.action == "desk_admin"]
        assert len(refused) == refusals + 1
        assert (refused[-1].actor, refused[-1].allowed, refused[-1].detail) == (
            AYESHA if role == "officer" else BILAL,
            False,
            "desk: not an admin",
        )
        return
    if route.method == "GET":
        assert response.status_code == 200
        assert route.shows in response.text and 'href="/admin/people"' in response.text
        assert after == before
        return
    assert response.status_code == 303
    assert route.changes is not None
    if route.changes == "published":  # a new revision, the upload's text, is live
        live = await desk.books.revisions.live_revision("report")
        assert live is not None and live.content == COMMENTED + "# again\n" and live.id != before.live
        after = replace(after, live=before.live)
    assert after == changed(before, route.changes, setting)
    assert after != before or route.changes == "published"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=lambda r: r.name)
async def test_an_admin_form_without_the_sessions_csrf_token_changes_nothing(desk: Desk, route: Route) -> None:
    setting = await prepare(desk)
    client = await sign_in(desk, ADMIN, "Admin")
    before = await state(desk, setting)
    for token in (None, "forged"):
        data = dict(route.data) | ({"csrf": token} if token else {})
        response = await client.post(path_of(route, setting), data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert await state(desk, setting) == before
    refused = [e for e in await desk.books.audit.trail() if e.action == "desk_admin"]
    assert [(e.actor, e.detail) for e in refused] == [(ADMIN, "desk: bad CSRF token")] * 2
    assert (await client.get("/admin/flows")).status_code == 200  # still signed in
