"""Who may use which page of the desk: every route against every role, one test per cell.

Roles: ``officer`` (Ayesha, an officer of the case's queue, Punjab), ``other`` (Bilal, an officer of
Sindh only), ``admin`` (from the settings), ``expired`` (a sign-in link used after it expired),
``reused`` (a link someone already used) and ``none`` (no session at all). Each cell signs its role in
the way that role would, sends one request and checks the answer and the case's state in SQLite.

``bench/desk_authorisation_table.py`` prints the table; ``ROUTES`` × ``ROLES`` is its cell count.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from bot.desk.passes import Passes
from tests.desk.conftest import ADMIN, AYESHA, BILAL, Desk

ROLES = ("officer", "other", "admin", "expired", "reused", "none")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # {id}: the Punjab case
    data: dict[str, str]
    changes: str | None  # what an allowed request changes in the case: status, queue, question; None: nothing


ROUTES = (
    Route("case list", "GET", "/", {}, None),
    Route("case page", "GET", "/case/{id}", {}, None),
    Route("claim", "POST", "/case/{id}/claim", {}, "status=claimed"),
    Route("ask", "POST", "/case/{id}/ask", {"question": "When did he first write to you?"}, "status=waiting"),
    Route("resolve", "POST", "/case/{id}/resolve", {"outcome": "advice"}, "status=resolved"),
    Route("transfer", "POST", "/case/{id}/transfer", {"queue": "sindh"}, "queue=sindh"),
    Route("spam", "POST", "/case/{id}/spam", {"confirm": "yes"}, "status=spam"),
    Route("SLA board", "GET", "/board", {}, None),
    Route("stats", "GET", "/stats", {}, None),
    Route("export form", "GET", "/export", {}, None),
    Route("export", "POST", "/export", {"since": "2026-11-01", "personal": "1"}, None),
    Route("language", "POST", "/language", {"lang": "ur", "back": "/"}, None),
    Route("sign out", "POST", "/signout", {}, None),
)

# role -> (status code, may the case's state change) for a route that names the case; a route that does
# not (the list, language, sign out) answers every signed-in role alike.
EXPECTED = {
    "officer": "allowed",
    "other": "not found",
    "admin": "allowed",
    "expired": "sign in",
    "reused": "sign in",
    "none": "sign in",
}


async def client_for(desk: Desk, role: str) -> httpx.AsyncClient:
    if role == "officer":
        return await desk.signed_in(AYESHA, "Ayesha")
    if role == "other":
        return await desk.signed_in(BILAL, "Bilal")
    if role == "admin":
        return await desk.signed_in(ADMIN, "Admin")
    client = desk.client()
    if role == "expired":
        token = await Passes(desk.books.desk, pass_seconds=-1).issue(AYESHA, "Ayesha")
        refused = await client.post("/signin", data={"t": token})
        assert refused.status_code == 403 and "already used or has expired" in refused.text
    elif role == "reused":
        token = await desk.passes.issue(AYESHA, "Ayesha")
        first = desk.client()
        assert (await first.post("/signin", data={"t": token})).status_code == 303
        refused = await client.post("/signin", data={"t": token})
        assert refused.status_code == 403 and "already used or has expired" in refused.text
    return client


def state(case: object) -> tuple[str, str | None]:
    return getattr(case, "status"), getattr(case, "queue")  # noqa: B009


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
async def test_route_for_role(desk: Desk, route: Route, role: str) -> None:
    case_id = await desk.submit("PUNJ-2345", "punjab")
    other_id = await desk.submit("SIND-2345", "sindh")
    client = await client_for(desk, role)
    before = state(await desk.case(case_id))
    data = dict(route.data)
    if route.method == "POST":
        # A real page's form carries the session's CSRF token; a role without a session has none.
        data["csrf"] = await csrf_of(client)
    path = route.path.format(id=case_id)
    response = await client.request(route.method, path, data=data or None)
    after = await desk.case(case_id)
    expected = EXPECTED[role]

    if expected == "sign in":
        assert response.status_code == 401
        assert "send /desk to the bot" in response.text
        assert state(after) == before
        return
    if route.name == "stats" and role in ("officer", "other"):
        # Every queue's figures: admins only, as /stats in Telegram; the attempt is on record.
        assert response.status_code == 404 and "There is no such page" in response.text
        trail = [e for e in await desk.books.audit.trail() if e.action == "desk_stats"]
        assert [(e.actor, e.allowed) for e in trail] == [(AYESHA if role == "officer" else BILAL, False)]
        return
    names_case = "{id}" in route.path
    if names_case and expected == "not found":
        assert response.status_code == 404
        assert "PUNJ-2345" not in response.text  # a refusal names no case
        assert state(after) == before
        assert desk.changes == []
        trail = await desk.books.audit.trail(case_id)
        assert [e.allowed for e in trail if e.actor == BILAL] == [False]
        return
    # Allowed.
    if route.method == "GET":
        assert response.status_code == 200
        if route.name == "case list":
            # Officers see their queue's cases only; an admin sees every queue's.
            assert ("PUNJ-2345" in response.text) == (role in ("officer", "admin"))
            assert ("SIND-2345" in response.text) == (role in ("other", "admin"))
        elif route.name == "case page":
            assert "PUNJ-2345" in response.text and "He says he will post my photos" in response.text
        elif route.name == "SLA board":
            # One line per queue the role may see.
            assert ('data-queue="punjab"' in response.text) == (role in ("officer", "admin"))
            assert ('data-queue="sindh"' in response.text) == (role in ("other", "admin"))
        assert state(after) == before
        return
    if route.name == "export":
        # A spreadsheet of the role's queues; the personal columns for an admin only, whatever was asked.
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert ("PUNJ-2345" in response.text) == (role in ("officer", "admin"))
        assert ("SIND-2345" in response.text) == (role in ("other", "admin"))
        assert ("He says he will post my photos" in response.text) == (role == "admin")
        trail = [e for e in await desk.books.audit.trail() if e.action.startswith("export")]
        audited = ["export_personal", "export_personal_done"] if role == "admin" else ["export", "export_done"]
        assert [e.action for e in trail] == audited
        return
    if route.changes is None:
        assert response.status_code in (200, 303)
        assert state(after) == before
        return
    assert response.status_code == 303
    field, value = route.changes.split("=")
    assert str(getattr(after, field)) == value
    assert [c[0] for c in desk.changes] == [case_id]  # the cards and the citizen's notice follow
    assert (await desk.case(other_id)).status == "new"


async def csrf_of(client: httpx.AsyncClient) -> str:
    page = await client.get("/")
    if page.status_code != 200:
        return "no-session"
    marker = 'name="csrf" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=lambda r: r.name)
async def test_a_form_without_the_sessions_csrf_token_changes_nothing(desk: Desk, route: Route) -> None:
    case_id = await desk.submit("PUNJ-2345", "punjab")
    client = await desk.signed_in(AYESHA, "Ayesha")
    before = state(await desk.case(case_id))
    for token in (None, "forged"):
        data = dict(route.data) | ({"csrf": token} if token else {})
        response = await client.post(route.path.format(id=case_id), data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert state(await desk.case(case_id)) == before
    assert (await client.get("/")).status_code == 200  # still signed in: the session was not closed
