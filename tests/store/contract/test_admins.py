"""The admins contract: settings admins that cannot be removed, admins added from Telegram, uploaded flows."""

from __future__ import annotations

from dataclasses import replace

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import AuditEntry
from tests.store.contract.conftest import SETTINGS_ADMIN

ADDED, OTHER = 4242, 5151
BY_NAME = "Ayesha"
FLOW = "spec_version: 1\nid: report\n"


async def trail(books: Books) -> list[AuditEntry]:
    """Every audit entry without its time (each is checked to have one)."""
    entries = await books.audit.trail()
    assert all(entry.at for entry in entries)
    return [replace(entry, at="") for entry in entries]


async def test_the_settings_admins_are_admins_from_the_start(books: Books) -> None:
    assert books.admins.bootstrap == frozenset({SETTINGS_ADMIN})
    assert books.admins.is_admin(SETTINGS_ADMIN)
    assert not books.admins.is_admin(ADDED)
    assert await books.admins.load() == frozenset({SETTINGS_ADMIN})
    assert await books.admins.added() == []


async def test_an_added_admin_is_an_admin_at_once_and_audited(books: Books) -> None:
    await books.admins.add(ADDED, SETTINGS_ADMIN, BY_NAME)
    assert books.admins.is_admin(ADDED)
    assert await books.admins.load() == frozenset({SETTINGS_ADMIN, ADDED})
    [(user_id, by, at)] = await books.admins.added()
    assert (user_id, by) == (ADDED, SETTINGS_ADMIN)
    assert at.startswith("20") and "T" in at
    assert await trail(books) == [AuditEntry("", SETTINGS_ADMIN, BY_NAME, "add_admin", None, None, True, str(ADDED))]


async def test_adding_an_admin_again_keeps_who_added_them(books: Books) -> None:
    await books.admins.add(ADDED, SETTINGS_ADMIN, BY_NAME)
    await books.admins.add(OTHER, SETTINGS_ADMIN, BY_NAME)
    await books.admins.add(ADDED, OTHER, "Bilal")
    assert sorted((u, b) for u, b, _ in await books.admins.added()) == [
        (ADDED, SETTINGS_ADMIN),
        (OTHER, SETTINGS_ADMIN),
    ]
    assert [(e.actor, e.detail, e.allowed) for e in await trail(books)] == [
        (SETTINGS_ADMIN, str(ADDED), True),
        (SETTINGS_ADMIN, str(OTHER), True),
        (OTHER, str(ADDED), True),
    ]


async def test_remove_takes_an_added_admin_away_and_refuses_the_rest(books: Books) -> None:
    await books.admins.add(ADDED, SETTINGS_ADMIN, BY_NAME)

    assert await books.admins.remove(ADDED, SETTINGS_ADMIN, BY_NAME) is True
    assert not books.admins.is_admin(ADDED)
    assert await books.admins.added() == []
    assert await books.admins.remove(ADDED, SETTINGS_ADMIN, BY_NAME) is False
    assert await books.admins.remove(SETTINGS_ADMIN, ADDED, "Bilal") is False  # only the settings remove it
    assert books.admins.is_admin(SETTINGS_ADMIN)
    assert await books.admins.load() == frozenset({SETTINGS_ADMIN})

    assert (await trail(books))[1:] == [
        AuditEntry("", SETTINGS_ADMIN, BY_NAME, "remove_admin", None, None, True, str(ADDED)),
        AuditEntry("", SETTINGS_ADMIN, BY_NAME, "remove_admin", None, None, False, str(ADDED)),
    ]


async def test_admins_added_through_one_book_are_loaded_by_another(store: Store, books: Books) -> None:
    await books.admins.add(ADDED, SETTINGS_ADMIN, BY_NAME)
    restarted = store.books(frozenset({OTHER})).admins
    assert await restarted.load() == frozenset({OTHER, ADDED})
    assert restarted.is_admin(ADDED) and not restarted.is_admin(SETTINGS_ADMIN)
    assert await restarted.remove(ADDED, OTHER, "Bilal") is True
    assert await books.admins.load() == frozenset({SETTINGS_ADMIN})


async def test_an_uploaded_flow_is_a_pending_candidate(books: Books) -> None:
    first = await books.admins.upload("report", FLOW, SETTINGS_ADMIN, BY_NAME)
    second = await books.admins.upload(None, "id: other\n", ADDED, "Bilal")
    assert second > first

    candidate = await books.admins.candidate(first)
    assert candidate is not None
    assert (candidate.id, candidate.flow_id, candidate.content) == (first, "report", FLOW)
    assert (candidate.author, candidate.author_name, candidate.state) == (SETTINGS_ADMIN, BY_NAME, "pending")
    assert candidate.created_at.startswith("20")
    other = await books.admins.candidate(second)
    assert other is not None and (other.flow_id, other.author) == (None, ADDED)
    assert await books.admins.candidate(second + 100) is None
    assert await trail(books) == [
        AuditEntry("", SETTINGS_ADMIN, BY_NAME, "upload_flow", None, None, True, "report"),
        AuditEntry("", ADDED, "Bilal", "upload_flow", None, None, True, ""),
    ]


async def test_a_candidate_is_settled_once(books: Books) -> None:
    published = await books.admins.upload("report", FLOW, SETTINGS_ADMIN, BY_NAME)
    discarded = await books.admins.upload("report", FLOW, SETTINGS_ADMIN, BY_NAME)

    assert await books.admins.settle(published, "published", SETTINGS_ADMIN, BY_NAME, "revision 3") is True
    assert await books.admins.settle(published, "discarded", ADDED, "Bilal") is False
    assert await books.admins.settle(discarded, "discarded", ADDED, "Bilal", "typo") is True
    assert await books.admins.settle(discarded + 100, "published", ADDED, "Bilal") is False

    found = await books.admins.candidate(published)
    assert found is not None and found.state == "published"
    found = await books.admins.candidate(discarded)
    assert found is not None and found.state == "discarded"
    assert (await trail(books))[2:] == [
        AuditEntry("", SETTINGS_ADMIN, BY_NAME, "publish_flow", None, None, True, "revision 3"),
        AuditEntry("", ADDED, "Bilal", "discard_flow", None, None, False, ""),
        AuditEntry("", ADDED, "Bilal", "discard_flow", None, None, True, "typo"),
        AuditEntry("", ADDED, "Bilal", "publish_flow", None, None, False, ""),
    ]
