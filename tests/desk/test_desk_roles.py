"""The role is asked again on every request, and odd requests end in a page, not a fault.

Found by a review of the desk: an admin removed on another instance kept their admin pages here; a
20-digit id ended in a 500; an officer removed from their queue could not sign out; Telegram's flood
control while asking about group membership ended in a 500.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.store.sqlite.store import SqliteStore
from bot.telegram.focal.access import Access
from tests.desk.conftest import ADMIN, AYESHA, Desk

ADDED_ADMIN = 4242


async def test_an_admin_removed_on_another_instance_is_no_admin_here_at_the_next_click(desk: Desk) -> None:
    await desk.books.admins.add(ADDED_ADMIN, ADMIN, "Admin")
    client = await desk.signed_in(ADDED_ADMIN, "Zainab")
    assert (await client.get("/admin/people")).status_code == 200
    other = SqliteStore(desk.store.path)  # a second instance on the same database
    await other.open()
    try:
        assert await other.books(frozenset({ADMIN})).admins.remove(ADDED_ADMIN, ADMIN, "Admin")
    finally:
        await other.close()
    refused = await client.get("/admin/people")  # no admin now, and no officer of any queue
    assert refused.status_code == 403 and "You are not an officer of any queue now." in refused.text


async def test_removing_an_admin_on_the_desk_ends_their_sessions(desk: Desk) -> None:
    await desk.books.admins.add(ADDED_ADMIN, ADMIN, "Admin")
    theirs = await desk.signed_in(ADDED_ADMIN, "Zainab")
    mine = await desk.signed_in(ADMIN, "Admin")
    page = await mine.get("/admin/people")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    removed = await mine.post("/admin/people/admins/remove", data={"csrf": csrf, "user_id": str(ADDED_ADMIN)})
    assert removed.status_code == 303
    assert (await theirs.get("/")).status_code == 401  # signed out everywhere, not only refused admin pages


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/case/99999999999999999999"),
        ("POST", "/case/99999999999999999999/claim"),
        ("GET", "/admin/flows/99999999999999999999"),
        ("POST", "/admin/candidates/99999999999999999999/publish"),
    ],
)
async def test_an_id_too_long_for_the_database_is_no_such_page(desk: Desk, method: str, path: str) -> None:
    client = await desk.signed_in(ADMIN, "Admin")
    response = await client.request(method, path, data={"csrf": "x"} if method == "POST" else None)
    assert response.status_code == 404
    assert "There is no such page or case." in response.text


async def test_an_officer_removed_from_their_queue_can_still_sign_out(desk: Desk) -> None:
    client = await desk.signed_in(AYESHA, "Ayesha")
    page = await client.get("/")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert await desk.books.cases.remove_officer("punjab", AYESHA, ADMIN)
    assert (await client.get("/")).status_code == 403  # no queue any more
    signed_out = await client.post("/signout", data={"csrf": csrf})
    assert signed_out.status_code == 200 and "You have signed out." in signed_out.text
    await desk.books.cases.add_officer("punjab", AYESHA, ADMIN)
    assert (await client.get("/")).status_code == 401  # the old cookie does not come back to life


class FloodedBot:
    """Telegram answering getChatMember with flood control."""

    async def get_chat_member(self, chat_id: int, user_id: int) -> object:
        raise RetryAfter(timedelta(seconds=30))


async def test_flood_control_while_asking_about_membership_is_not_a_fault(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as bot/telegram/app.py sets it for the running bot
    access = Access(desk.books.admins, desk.books.cases)
    assert await access.may_act(FloodedBot(), 777, "sindh") is False  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["/static/desk.css", "/no/such/page"])
async def test_every_response_carries_the_security_headers(desk: Desk, path: str) -> None:
    response = await desk.client().get(path)
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_malformed_form_is_answered_with_the_security_headers_too(desk: Desk) -> None:
    client = await desk.signed_in(AYESHA, "Ayesha")
    response = await client.post(
        "/signout",
        content=b"broken",
        headers={"content-type": "multipart/form-data"},  # no boundary
    )
    assert response.status_code == 400
    assert (
        response.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    )
