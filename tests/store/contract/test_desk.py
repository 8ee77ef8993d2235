"""The Desk port over every backend: one-time sign-in passes, spent once even when redeemed at once (from two
instances sharing PostgreSQL), and the sessions they open."""

from __future__ import annotations

import asyncio

from bot.store.base import Store
from bot.store.memory.store import MemoryStore
from bot.store.ports import Books
from bot.store.postgres.store import PostgresStore
from bot.store.records import DeskSession
from bot.store.sqlite.store import SqliteStore
from tests.store.postgres.server import DATABASE_URL

NOW = 1_800_000_000.0
DAY = 86400.0
OFFICER, OTHER_OFFICER = 11, 12


def desk_session(user_id: int = OFFICER, expires_at: float = NOW + 3600, lang: str = "en") -> DeskSession:
    return DeskSession(user_id, f"officer {user_id}", lang, f"csrf-{user_id}-{expires_at}", expires_at)


async def stored_passes(store: Store) -> list[str]:
    """The token hashes the backend's own table holds: the port does not show spent or expired passes."""
    if isinstance(store, MemoryStore):
        return sorted(store.tables.desk_passes)
    if isinstance(store, SqliteStore):
        return [str(r[0]) for r in await store.database.fetchall("SELECT token_hash FROM desk_passes ORDER BY 1")]
    if isinstance(store, PostgresStore):
        return [str(r[0]) for r in await store.database.fetch("SELECT token_hash FROM desk_passes ORDER BY 1")]
    raise TypeError(f"no such backend: {type(store).__name__}")


# ---- passes ----------------------------------------------------------------------------------------


async def test_a_pass_is_redeemed_once(books: Books) -> None:
    await books.desk.issue_pass("hash-1", OFFICER, "Officer Ayesha", NOW + 600)
    assert await books.desk.redeem_pass("hash-1", NOW) == (OFFICER, "Officer Ayesha")
    assert await books.desk.redeem_pass("hash-1", NOW) is None
    assert await books.desk.redeem_pass("hash-1", NOW + 1) is None


async def test_an_unknown_pass_is_none(books: Books) -> None:
    await books.desk.issue_pass("hash-1", OFFICER, "Officer Ayesha", NOW + 600)
    assert await books.desk.redeem_pass("hash-2", NOW) is None
    assert await books.desk.redeem_pass("hash-1", NOW) == (OFFICER, "Officer Ayesha")  # the miss spent nothing


async def test_an_expired_pass_is_none_from_the_moment_it_expires(books: Books) -> None:
    await books.desk.issue_pass("at-the-end", OFFICER, "a", NOW)
    await books.desk.issue_pass("past-the-end", OFFICER, "b", NOW - 1)
    await books.desk.issue_pass("just-in-time", OTHER_OFFICER, "c", NOW + 0.5)
    assert await books.desk.redeem_pass("at-the-end", NOW) is None
    assert await books.desk.redeem_pass("past-the-end", NOW) is None
    assert await books.desk.redeem_pass("just-in-time", NOW) == (OTHER_OFFICER, "c")


async def test_passes_of_several_officers_are_their_own(books: Books) -> None:
    await books.desk.issue_pass("hash-1", OFFICER, "one", NOW + 600)
    await books.desk.issue_pass("hash-2", OTHER_OFFICER, "two", NOW + 600)
    await books.desk.issue_pass("hash-3", OFFICER, "one again", NOW + 600)
    assert await books.desk.redeem_pass("hash-2", NOW) == (OTHER_OFFICER, "two")
    assert await books.desk.redeem_pass("hash-3", NOW) == (OFFICER, "one again")
    assert await books.desk.redeem_pass("hash-1", NOW) == (OFFICER, "one")


async def test_passes_expired_over_a_day_ago_are_deleted_at_a_redeem(store: Store, books: Books) -> None:
    await books.desk.issue_pass("long-gone", OFFICER, "a", NOW - DAY - 1)
    await books.desk.issue_pass("yesterday", OFFICER, "b", NOW - DAY + 1)
    await books.desk.issue_pass("spent", OFFICER, "c", NOW + 600)
    await books.desk.issue_pass("fresh", OFFICER, "d", NOW + 600)
    assert await books.desk.redeem_pass("spent", NOW) == (OFFICER, "c")
    assert await stored_passes(store) == ["fresh", "spent", "yesterday"]
    assert await books.desk.redeem_pass("unknown", NOW + 2 * DAY) is None  # even a miss tidies up
    assert await stored_passes(store) == []


async def test_redeems_at_once_give_exactly_one_winner(books: Books) -> None:
    await books.desk.issue_pass("hash-1", OFFICER, "Officer Ayesha", NOW + 600)
    results = await asyncio.gather(*(books.desk.redeem_pass("hash-1", NOW) for _ in range(5)))
    assert sorted(results, key=lambda r: r is None) == [(OFFICER, "Officer Ayesha"), None, None, None, None]


async def test_redeems_at_once_from_two_instances_give_exactly_one_winner(store: Store, books: Books) -> None:
    """Where instances share the database (PostgreSQL), a second store on it; elsewhere the one store."""
    other = store
    if isinstance(store, PostgresStore):
        other = PostgresStore(DATABASE_URL, schema=store.database.schema, keyring=store.keyring)
        await other.open()
    try:
        desks = [books.desk, other.books().desk]
        for n in range(3):
            await books.desk.issue_pass(f"hash-{n}", OFFICER, "Officer Ayesha", NOW + 600)
            results = await asyncio.gather(*(desks[k % 2].redeem_pass(f"hash-{n}", NOW) for k in range(6)))
            assert [r for r in results if r is not None] == [(OFFICER, "Officer Ayesha")]
    finally:
        if other is not store:
            await other.close()


# ---- sessions --------------------------------------------------------------------------------------


async def test_a_session_reads_back_as_opened(books: Books) -> None:
    opened = desk_session()
    await books.desk.open_session("session-1", opened)
    assert await books.desk.session("session-1", NOW) == opened
    assert await books.desk.session("session-2", NOW) is None


async def test_a_session_ends_when_it_expires(books: Books) -> None:
    await books.desk.open_session("session-1", desk_session(expires_at=NOW + 60))
    assert await books.desk.session("session-1", NOW + 59.5) is not None
    assert await books.desk.session("session-1", NOW + 60) is None
    assert await books.desk.session("session-1", NOW + 61) is None


async def test_setting_the_language_keeps_the_rest_of_the_session(books: Books) -> None:
    opened = desk_session(lang="en")
    await books.desk.open_session("session-1", opened)
    await books.desk.open_session("session-2", desk_session(OTHER_OFFICER, lang="en"))
    await books.desk.set_language("session-1", "ur")
    found = await books.desk.session("session-1", NOW)
    assert found == DeskSession(opened.user_id, opened.name, "ur", opened.csrf, opened.expires_at)
    other = await books.desk.session("session-2", NOW)
    assert other is not None and other.lang == "en"
    await books.desk.set_language("unknown", "ur")  # nothing to change: no error
    assert await books.desk.session("unknown", NOW) is None


async def test_closing_a_session_signs_out_that_one_only(books: Books) -> None:
    await books.desk.open_session("phone", desk_session())
    await books.desk.open_session("laptop", desk_session())
    await books.desk.close_session("phone")
    assert await books.desk.session("phone", NOW) is None
    assert await books.desk.session("laptop", NOW) == desk_session()
    await books.desk.close_session("phone")  # again: nothing happens


async def test_closing_the_sessions_of_an_officer_signs_them_out_everywhere(books: Books) -> None:
    await books.desk.open_session("phone", desk_session(OFFICER))
    await books.desk.open_session("laptop", desk_session(OFFICER, expires_at=NOW + 7200))
    await books.desk.open_session("theirs", desk_session(OTHER_OFFICER))
    assert await books.desk.close_sessions_of(OFFICER) == 2
    assert await books.desk.session("phone", NOW) is None
    assert await books.desk.session("laptop", NOW) is None
    assert await books.desk.session("theirs", NOW) == desk_session(OTHER_OFFICER)
    assert await books.desk.close_sessions_of(OFFICER) == 0


async def test_expired_sessions_are_pruned_and_live_ones_kept(books: Books) -> None:
    await books.desk.open_session("ended", desk_session(OFFICER, expires_at=NOW - 1))
    await books.desk.open_session("ends-now", desk_session(OFFICER, expires_at=NOW))
    await books.desk.open_session("live", desk_session(OTHER_OFFICER, expires_at=NOW + 60))
    assert await books.desk.prune_sessions(NOW) == 2
    assert await books.desk.session("live", NOW) == desk_session(OTHER_OFFICER, expires_at=NOW + 60)
    assert await books.desk.close_sessions_of(OFFICER) == 0  # the expired rows are gone, not only refused
    assert await books.desk.prune_sessions(NOW) == 0
