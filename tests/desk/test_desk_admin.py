"""The desk's admin pages: a flow uploaded, judged, published, discarded and rolled back; admins and
officers added and removed, bad input included; the audit log a page at a time.

The desk is the conftest's (SQLite, two bound queues, the settings' admin 9000) with the admin routes
added, as ``build_desk`` will add them; each request goes through the ASGI app.
"""

from __future__ import annotations

import html
import re

import httpx

from bot.paths import FLOWS_DIR
from bot.store.records import AuditEntry
from tests.desk.conftest import ADMIN, AYESHA, BILAL, Desk

LIVE_FLOW = (FLOWS_DIR / "report.yaml").read_text(encoding="utf-8")
# A comment changes no step, branch or text: the golden scripts still pass.
COMMENTED = LIVE_FLOW + "# Reviewed by the Punjab team.\n"
FIRST_TEXT = re.compile(r"^(\s+en: )(\S.*)$", re.MULTILINE)


def admin_app(desk: Desk) -> httpx.AsyncClient:
    return desk.client()


async def sign_in(desk: Desk, user_id: int = ADMIN, name: str = "Admin", lang: str = "en") -> httpx.AsyncClient:
    token = await desk.passes.issue(user_id, name)
    client = admin_app(desk)
    response = await client.post("/signin", data={"t": token, "lang": lang})
    assert response.status_code == 303, response.text
    return client


async def csrf_of(client: httpx.AsyncClient) -> str:
    page = await client.get("/")
    if page.status_code != 200:
        return "no-session"
    marker = 'name="csrf" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


async def post(client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(path, data={**(data or {}), "csrf": await csrf_of(client)})


async def upload(client: httpx.AsyncClient, content: str) -> int:
    response = await post(client, "/admin/flows/upload", {"content": content})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/admin/candidates/"), location
    return int(location.rsplit("/", 1)[1])


async def live_id(desk: Desk) -> int:
    live = await desk.books.revisions.live_revision("report")
    assert live is not None
    return live.id


def notice(page: httpx.Response) -> str:
    found = re.search(r'<p class="notice (?:done|bad)" id="done">(.*?)</p>', page.text, re.DOTALL)
    assert found, page.text[:2000]
    return html.unescape(found.group(1))


# ---- flows ---------------------------------------------------------------------------------------


async def test_an_upload_is_judged_and_publishing_it_makes_it_live(desk: Desk) -> None:
    client = await sign_in(desk)
    first = await live_id(desk)
    listing = await client.get("/admin/flows")
    assert listing.status_code == 200 and f'data-revision="{first}"' in listing.text
    assert 'href="/admin/people"' in listing.text and 'href="/admin/audit"' in listing.text

    candidate = await upload(client, COMMENTED.replace("\n", "\r\n"))  # as a browser sends a text area
    stored = await desk.books.admins.candidate(candidate)
    assert stored is not None and stored.content == COMMENTED and stored.state == "pending"
    verdict = await client.get(f"/admin/candidates/{candidate}")
    assert verdict.status_code == 200
    assert "No step, branch or text differs" in verdict.text
    assert "Conversation scripts: all 12 pass." in verdict.text
    assert '<span class="add"><span class="no">' in verdict.text and "# Reviewed by the Punjab team." in verdict.text
    assert 'id="publish"' in verdict.text and 'id="force"' not in verdict.text and ">Publish<" in verdict.text
    assert await live_id(desk) == first  # nothing changes before Publish

    published = await post(client, f"/admin/candidates/{candidate}/publish")
    assert published.status_code == 303
    now = await live_id(desk)
    assert now != first
    live = await desk.books.revisions.live_revision("report")
    assert live is not None and live.content == COMMENTED and live.author == f"tg:{ADMIN} Admin"
    assert (stored := await desk.books.admins.candidate(candidate)) is not None and stored.state == "published"
    shown = await client.get(published.headers["location"])
    assert f"Published as revision {now}." in notice(shown)
    trail = [(e.action, e.allowed, e.detail) for e in await desk.books.audit.trail()]
    assert ("upload_flow", True, "report") in trail and ("publish_flow", True, f"candidate {candidate}") in trail

    again = await post(client, f"/admin/candidates/{candidate}/publish")  # pressed twice: settled already
    assert "already published or discarded" in notice(await client.get(again.headers["location"]))
    assert await live_id(desk) == now


async def test_a_change_that_breaks_the_scripts_needs_the_explicit_tick(desk: Desk) -> None:
    client = await sign_in(desk)
    first = await live_id(desk)
    changed = FIRST_TEXT.sub(r"\1Hello <b>there</b>! \2", LIVE_FLOW, count=1)
    candidate = await upload(client, changed)
    verdict = await client.get(f"/admin/candidates/{candidate}")
    assert "Conversation scripts:" in verdict.text and " fail." in verdict.text
    assert 'id="force"' in verdict.text and "Publish anyway" in verdict.text
    assert "texts changed (en)" in verdict.text
    assert "Hello &lt;b&gt;there&lt;/b&gt;!" in verdict.text and "<b>there</b>" not in verdict.text  # escaped

    refused = await post(client, f"/admin/candidates/{candidate}/publish")
    assert "press “Publish anyway”" in notice(await client.get(refused.headers["location"]))
    assert await live_id(desk) == first
    forced = await post(client, f"/admin/candidates/{candidate}/publish", {"force": "yes"})
    assert forced.headers["location"].startswith("/admin/flows?done=published")
    assert await live_id(desk) != first


async def test_a_broken_file_shows_its_error_line_and_cannot_be_published(desk: Desk) -> None:
    client = await sign_in(desk)
    first = await live_id(desk)
    broken = "spec_version: 1\nid: report\nsteps: [\n  - id: <start>\n"
    candidate = await upload(client, broken)
    verdict = await client.get(f"/admin/candidates/{candidate}")
    assert verdict.status_code == 200
    assert "This file does not load" in verdict.text
    assert re.search(r"\(line \d+\)", verdict.text), verdict.text
    assert "&lt;start&gt;" in verdict.text and "<start>" not in verdict.text
    assert 'id="publish"' not in verdict.text and 'id="discard"' in verdict.text
    attempt = await post(client, f"/admin/candidates/{candidate}/publish", {"force": "yes"})
    assert "cannot be published" in notice(await client.get(attempt.headers["location"]))
    assert await live_id(desk) == first

    discarded = await post(client, f"/admin/candidates/{candidate}/discard")
    assert "Discarded. Nothing changed." in notice(await client.get(discarded.headers["location"]))
    assert (stored := await desk.books.admins.candidate(candidate)) is not None and stored.state == "discarded"
    page = await client.get(f"/admin/candidates/{candidate}")
    assert 'id="settled"' in page.text and 'id="discard"' not in page.text
    twice = await post(client, f"/admin/candidates/{candidate}/discard")
    assert "already published or discarded" in notice(await client.get(twice.headers["location"]))


async def test_an_upload_of_the_live_text_or_another_flow_has_no_publish_button(desk: Desk) -> None:
    client = await sign_in(desk)
    same = await client.get(f"/admin/candidates/{await upload(client, LIVE_FLOW)}")
    assert f"identical to the live revision {await live_id(desk)}" in same.text and 'id="publish"' not in same.text
    assert "The text is the same as the live revision" in same.text
    other = LIVE_FLOW.replace("\nid: report\n", "\nid: complaints\n", 1)
    assert other != LIVE_FLOW
    wrong = await client.get(f"/admin/candidates/{await upload(client, other)}")
    assert "this bot runs the flow 'report', but the file is the flow 'complaints'" in html.unescape(wrong.text)
    assert 'id="publish"' not in wrong.text


async def test_an_empty_or_oversized_upload_is_refused_with_a_notice(desk: Desk) -> None:
    client = await sign_in(desk)
    empty = await post(client, "/admin/flows/upload", {"content": "  \r\n"})
    assert "Paste the flow file first." in notice(await client.get(empty.headers["location"]))
    big = await post(client, "/admin/flows/upload", {"content": "#" * (512 * 1024 + 1)})
    assert "the limit is 512 KB" in notice(await client.get(big.headers["location"]))
    assert await desk.books.admins.candidate(1) is None


async def test_rolling_back_makes_an_older_revision_live_again(desk: Desk) -> None:
    client = await sign_in(desk)
    first = await live_id(desk)
    await post(client, f"/admin/candidates/{await upload(client, COMMENTED)}/publish")
    second = await live_id(desk)
    older = await client.get(f"/admin/flows/{first}")
    assert older.status_code == 200 and 'id="rollback"' in older.text
    assert '<span class="del">' in older.text and "# Reviewed by the Punjab team." in older.text
    current = await client.get(f"/admin/flows/{second}")
    assert 'id="is-live"' in current.text and 'id="rollback"' not in current.text

    rolled = await post(client, f"/admin/flows/{first}/rollback")
    assert rolled.status_code == 303
    assert await live_id(desk) == first
    assert f"Revision {first} is live again." in notice(await client.get(rolled.headers["location"]))
    entries = [e for e in await desk.books.audit.trail() if e.action == "rollback_flow"]
    assert [(e.actor, e.allowed, e.detail) for e in entries] == [(ADMIN, True, f"revision {first}")]

    again = await post(client, f"/admin/flows/{first}/rollback")
    assert f"Revision {first} is already live." in notice(await client.get(again.headers["location"]))
    unknown = await post(client, "/admin/flows/999/rollback")
    assert "no such page" in notice(await client.get(unknown.headers["location"]))
    assert await live_id(desk) == first
    assert len([e for e in await desk.books.audit.trail() if e.action == "rollback_flow"]) == 1
    assert (await client.get("/admin/flows/999")).status_code == 404
    assert (await client.get("/admin/candidates/999")).status_code == 404


# ---- people --------------------------------------------------------------------------------------


async def test_officers_are_added_and_removed_for_a_bound_queue_only(desk: Desk) -> None:
    client = await sign_in(desk)
    people = await client.get("/admin/people")
    assert people.status_code == 200
    assert f'data-user="{AYESHA}"' in people.text and f'data-user="{BILAL}"' in people.text
    added = await post(client, "/admin/people/officers/add", {"queue": "sindh", "user_id": " ۵۰۳ "})  # Urdu digits
    assert "503 is now an officer of the queue" in notice(await client.get(added.headers["location"]))
    assert ("sindh", 503) in await desk.books.cases.officers()

    removed = await post(client, "/admin/people/officers/remove", {"queue": "punjab", "user_id": str(AYESHA)})
    assert f"{AYESHA} is no longer an officer" in notice(await client.get(removed.headers["location"]))
    again = await post(client, "/admin/people/officers/remove", {"queue": "punjab", "user_id": str(AYESHA)})
    assert "nothing changed" in notice(await client.get(again.headers["location"]))
    assert await desk.books.cases.officers() == [("sindh", BILAL), ("sindh", 503)]
    actions = [(e.action, e.actor, e.queue, e.detail) for e in await desk.books.audit.trail()]
    assert ("add_officer", ADMIN, "sindh", "503") in actions and ("remove_officer", ADMIN, "punjab", "501") in actions

    for data, said in (
        ({"queue": "sindh", "user_id": "bilal"}, "not a Telegram user id"),
        ({"queue": "sindh", "user_id": "-5"}, "not a Telegram user id"),
        ({"queue": "sindh", "user_id": ""}, "not a Telegram user id"),
        ({"queue": "kashmir", "user_id": "504"}, "no such queue"),
        ({"user_id": "504"}, "no such queue"),
    ):
        for path in ("/admin/people/officers/add", "/admin/people/officers/remove"):
            bad = await post(client, path, data)
            assert said in notice(await client.get(bad.headers["location"])), (path, data)
    assert await desk.books.cases.officers() == [("sindh", BILAL), ("sindh", 503)]


async def test_admins_are_added_and_removed_but_not_the_settings_ones(desk: Desk) -> None:
    client = await sign_in(desk)
    added = await post(client, "/admin/people/admins/add", {"user_id": "4242"})
    assert "4242 is now an admin." in notice(await client.get(added.headers["location"]))
    assert desk.books.admins.is_admin(4242)
    people = await client.get("/admin/people")
    assert 'id="remove-admin-4242"' in people.text and f'id="remove-admin-{ADMIN}"' not in people.text
    assert "from the settings" in people.text

    fixed = await post(client, "/admin/people/admins/remove", {"user_id": str(ADMIN)})
    assert "admins from the settings can be removed only there" in notice(await client.get(fixed.headers["location"]))
    assert desk.books.admins.is_admin(ADMIN)
    gone = await post(client, "/admin/people/admins/remove", {"user_id": "4242"})
    assert "4242 is no longer an admin." in notice(await client.get(gone.headers["location"]))
    assert not desk.books.admins.is_admin(4242)
    bad = await post(client, "/admin/people/admins/add", {"user_id": "12ab"})
    assert "not a Telegram user id" in notice(await client.get(bad.headers["location"]))
    entries = [(e.action, e.allowed, e.detail) for e in await desk.books.audit.trail() if "admin" in e.action]
    assert entries == [
        ("add_admin", True, "4242"),
        ("remove_admin", True, "4242"),
    ]  # the settings admin is refused before the book writes (as in Telegram)


async def test_an_added_admin_may_remove_themselves_and_then_loses_the_pages(desk: Desk) -> None:
    await desk.books.admins.add(4242, ADMIN, "Admin")
    client = await sign_in(desk, 4242, "Zara")
    gone = await post(client, "/admin/people/admins/remove", {"user_id": "4242"})
    assert gone.headers["location"] == "/"
    assert (await client.get("/admin/people")).status_code == 401  # their sessions ended with the role


async def test_a_notice_shows_only_what_the_address_may_name(desk: Desk) -> None:
    client = await sign_in(desk, lang="ur")
    bad = await post(client, "/admin/people/officers/add", {"queue": "sindh", "user_id": "x"})
    page = await client.get(bad.headers["location"])
    assert 'dir="rtl"' in page.text and 'id="done"' in page.text  # the Urdu page says it too
    forged = await client.get("/admin/people?done=officer_added&user=1&queue=<i>Lahore</i>")
    assert 'id="done"' not in forged.text and "Lahore" not in forged.text
    assert 'id="done"' not in (await client.get("/admin/flows?done=published&revision=x")).text


# ---- the audit log -------------------------------------------------------------------------------


async def test_the_audit_log_pages_newest_first_and_links_cases(desk: Desk) -> None:
    case_id = await desk.submit("PUNJ-2345", "punjab")
    for n in range(230):
        at = f"2026-11-28T{10 + n // 60:02d}:{n % 60:02d}:00+00:00"
        report = case_id if n == 229 else None
        await desk.books.audit.record(AuditEntry(at, AYESHA, "Ayesha", "claim", report, "punjab", n % 7 != 0, f"#{n}"))
    client = await sign_in(desk)
    total = len(await desk.books.audit.trail())
    first = await client.get("/admin/audit")
    assert first.status_code == 200
    rows = re.findall(r'<td dir="auto">(.*?)</td>', first.text)
    assert len(rows) == 100 and rows[0] == "#229" and rows[1] == "#228"
    assert f'href="/case/{case_id}"' in first.text and "PUNJ-2345" in first.text
    assert 'id="next"' in first.text and 'id="previous"' not in first.text
    assert 'class="refused"' in first.text

    last_page = (total + 99) // 100
    last = await client.get(f"/admin/audit?page={last_page}")
    last_rows = re.findall(r'<td dir="auto">(.*?)</td>', last.text)
    assert len(last_rows) == total - 100 * (last_page - 1)
    assert 'id="next"' not in last.text and 'id="previous"' in last.text
    beyond = await client.get(f"/admin/audit?page={last_page + 1}")
    assert 'id="no-entries"' in beyond.text
    assert (await client.get("/admin/audit?page=abc")).status_code == 200


async def test_a_form_beyond_what_the_desk_reads_is_refused_whole(desk: Desk) -> None:
    client = await sign_in(desk)
    response = await post(client, "/admin/flows/upload", {"content": "%" * (700 * 1024)})  # sent as %25: 2.1 MB
    assert response.status_code == 413
    assert "the limit is 2048 KB. Nothing changed." in response.text
    assert await desk.books.admins.candidate(1) is None


async def test_every_admin_page_opens_in_urdu_right_to_left(desk: Desk) -> None:
    client = await sign_in(desk, lang="ur")
    candidate = await upload(client, COMMENTED)
    first = await live_id(desk)
    for path in (
        "/admin/flows",
        f"/admin/candidates/{candidate}",
        f"/admin/flows/{first}",
        "/admin/people",
        "/admin/audit",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert '<html lang="ur" dir="rtl">' in page.text and 'href="/admin/people"' in page.text
        assert 'aria-current="page"' in page.text
    diff = await client.get(f"/admin/candidates/{candidate}")
    assert '<pre class="diff" id="diff" dir="ltr">' in diff.text
