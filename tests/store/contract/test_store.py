"""Revisions, sessions, reports and chat state (the Store itself) over every backend; then what only
the SQLite file promises."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import pytest
import pytest_asyncio

from bot.engine.session import ACTIVE, CANCELLED, COMPLETED, SUBMITTING, Answer, Session
from bot.store.base import ReferenceTaken, Store
from bot.store.records import ChatState, EvidenceLink, NewReport, Revision
from bot.store.sqlite import database as sqlite_module
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SqliteStore

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack is 3.12+

FLOW = "report"
FLOW_V1 = "spec_version: 1\nid: report\n# first wording\n"
FLOW_V2 = "spec_version: 1\nid: report\n# second wording, پہلا سوال\n"
CHAT = "tg:1001"
OTHER_CHAT = "tg:2002"

URDU_ANSWERS = {
    "description": "اس نے میری تصویریں بغیر اجازت کے شیئر کیں۔",
    "platforms": ["facebook", "whatsapp"],
    "harasser_name": None,
    "links": [
        {"url": "https://www.facebook.com/photo?fbid=123", "platform": "facebook"},
        {"url": "https://wa.me/923001234567", "platform": "whatsapp"},
    ],
    "started": "2025-03",
}


@pytest_asyncio.fixture
async def live(store: Store) -> Revision:
    """The first revision of the report flow, live; sessions and reports need one to point at."""
    return await store.publish(FLOW, FLOW_V1, "admin")


class SessionChanges(TypedDict, total=False):
    """The ``Session`` fields a test may change from ``make_session``'s."""

    lang: str
    step: str | None
    status: str
    answers: Mapping[str, Answer]
    history: tuple[str, ...]
    attempts: int
    editing: bool
    draft: tuple[str, ...]
    vars: Mapping[str, str]
    id: str


def make_session(revision: Revision, **changes: Unpack[SessionChanges]) -> Session:
    session = Session(
        flow_id=revision.flow_id,
        revision=revision.id,
        lang="ur",
        step="description",
        answers=dict(URDU_ANSWERS),
        history=("language", "consent", "category", "description"),
        attempts=2,
        editing=True,
        draft=("facebook",),
        vars={"campaign": "مہم", "reference": "K7QM-9TDX"},
    )
    return replace(session, **changes)


def make_report(
    revision: Revision,
    reference: str,
    chat_key: str | None = CHAT,
    evidence: tuple[EvidenceLink, ...] = (),
    created_at: str = "2026-11-28T10:00:00+00:00",
) -> NewReport:
    return NewReport(
        reference=reference,
        pin="135790",
        flow_id=revision.flow_id,
        revision_id=revision.id,
        chat_key=chat_key,
        language="ur",
        category="image_abuse",
        province="punjab",
        minor=True,
        answers=dict(URDU_ANSWERS),
        evidence=evidence,
        created_at=created_at,
    )


# Flow revisions


async def test_publish_makes_the_returned_revision_live_and_readable_by_id(store: Store) -> None:
    published = await store.publish(FLOW, FLOW_V1, "admin")

    assert (published.flow_id, published.content, published.author) == (FLOW, FLOW_V1, "admin")
    assert published.hash and published.created_at
    assert await store.live_revision(FLOW) == published
    assert await store.revision(published.id) == published


async def test_publishing_identical_content_again_reuses_the_same_revision(store: Store) -> None:
    first = await store.publish(FLOW, FLOW_V1, "admin")
    again = await store.publish(FLOW, FLOW_V1, "someone-else")

    assert again.id == first.id
    assert again == first
    assert await store.live_revision(FLOW) == first


async def test_publishing_different_content_goes_live_and_the_old_revision_stays_readable(store: Store) -> None:
    first = await store.publish(FLOW, FLOW_V1, "admin")
    second = await store.publish(FLOW, FLOW_V2, "admin")

    assert second.id != first.id
    assert second.hash != first.hash
    assert second.content == FLOW_V2
    assert await store.live_revision(FLOW) == second
    assert await store.revision(first.id) == first


async def test_republishing_earlier_content_makes_that_same_revision_live_again(store: Store) -> None:
    first = await store.publish(FLOW, FLOW_V1, "admin")
    await store.publish(FLOW, FLOW_V2, "admin")
    back = await store.publish(FLOW, FLOW_V1, "admin")

    assert back == first
    assert await store.live_revision(FLOW) == first


async def test_the_same_content_in_another_flow_is_a_separate_revision(store: Store) -> None:
    report = await store.publish(FLOW, FLOW_V1, "admin")
    status = await store.publish("status", FLOW_V1, "admin")

    assert status.id != report.id
    assert status.flow_id == "status"
    assert await store.live_revision(FLOW) == report
    assert await store.live_revision("status") == status


async def test_a_session_pinned_to_an_old_revision_keeps_working_after_a_new_one_goes_live(
    store: Store, live: Revision
) -> None:
    pinned = make_session(live)
    await store.commit_step(CHAT, pinned)

    newer = await store.publish(FLOW, FLOW_V2, "admin")
    loaded = await store.load_session(CHAT)
    assert loaded == pinned
    old = await store.revision(pinned.revision)
    assert old is not None and old.content == FLOW_V1

    # The pinned session can still step and submit against its revision.
    await store.commit_step(CHAT, replace(pinned, step="review", attempts=0))
    report_id = await store.commit_step(CHAT, replace(pinned, status=COMPLETED), make_report(live, "AAAA-BBBB"))
    stored = await store.report_by_reference("AAAA-BBBB")
    assert stored is not None and stored.id == report_id
    assert stored.revision_id == live.id != newer.id


async def test_revisions_lists_every_published_revision_of_the_flow_newest_first(store: Store) -> None:
    first = await store.publish(FLOW, FLOW_V1, "admin")
    second = await store.publish(FLOW, FLOW_V2, "admin")
    await store.publish(FLOW, FLOW_V1, "admin")  # a rollback re-uses revision 1
    await store.publish("other", FLOW_V1, "admin")
    assert [r.id for r in await store.revisions(FLOW)] == [second.id, first.id]
    assert (await store.live_revision(FLOW)) == first


async def test_live_revision_of_an_unknown_flow_is_none(store: Store) -> None:
    await store.publish(FLOW, FLOW_V1, "admin")

    assert await store.live_revision("no-such-flow") is None


async def test_revision_with_an_unknown_id_is_none(store: Store, live: Revision) -> None:
    assert await store.revision(live.id + 1000) is None


# Sessions


async def test_load_session_of_an_unknown_chat_is_none(store: Store) -> None:
    assert await store.load_session("tg:404") is None


async def test_commit_step_saves_a_session_that_load_session_returns_equal(store: Store, live: Revision) -> None:
    session = make_session(live)

    assert await store.commit_step(CHAT, session) is None
    loaded = await store.load_session(CHAT)

    assert loaded == session
    assert loaded is not None
    assert loaded.history == ("language", "consent", "category", "description")
    assert loaded.draft == ("facebook",)
    assert loaded.answers["links"][1] == {"url": "https://wa.me/923001234567", "platform": "whatsapp"}
    assert loaded.answers["harasser_name"] is None
    assert loaded.vars["campaign"] == "مہم"


async def test_commit_step_replaces_the_previous_state_of_the_same_chat_only(store: Store, live: Revision) -> None:
    await store.commit_step(CHAT, make_session(live))
    other = make_session(live, lang="en", step="consent", answers={}, history=("language",))
    await store.commit_step(OTHER_CHAT, other)

    later = make_session(live, step="review", attempts=0, editing=False, draft=())
    await store.commit_step(CHAT, later)

    assert await store.load_session(CHAT) == later
    assert await store.load_session(OTHER_CHAT) == other


@pytest.mark.parametrize("status", [COMPLETED, CANCELLED])
async def test_a_finished_session_is_deleted_by_commit_step(store: Store, live: Revision, status: str) -> None:
    await store.commit_step(CHAT, make_session(live))
    await store.commit_step(OTHER_CHAT, make_session(live))

    assert await store.commit_step(CHAT, make_session(live, status=status, step=None)) is None

    assert await store.load_session(CHAT) is None
    assert await store.load_session(OTHER_CHAT) is not None


async def test_a_finished_session_never_saved_before_is_simply_not_stored(store: Store, live: Revision) -> None:
    await store.commit_step(CHAT, make_session(live, status=CANCELLED))

    assert await store.load_session(CHAT) is None


@pytest.mark.parametrize("status", [ACTIVE, SUBMITTING])
async def test_an_unfinished_session_is_kept_whatever_its_status(store: Store, live: Revision, status: str) -> None:
    session = make_session(live, status=status)
    await store.commit_step(CHAT, session)

    assert await store.load_session(CHAT) == session


# Reports


async def test_a_report_is_stored_with_the_finished_session_and_read_back_with_its_evidence_in_order(
    store: Store, live: Revision
) -> None:
    await store.commit_step(CHAT, make_session(live, status=SUBMITTING))
    evidence = (
        EvidenceLink("https://youtu.be/abc123", "youtube"),
        EvidenceLink("https://www.facebook.com/photo?fbid=123", "facebook"),
        EvidenceLink("https://t.me/someone", "telegram"),
    )
    new = make_report(live, "K7QM-9TDX", evidence=evidence)

    report_id = await store.commit_step(CHAT, make_session(live, status=COMPLETED), new)

    assert isinstance(report_id, int)
    assert await store.load_session(CHAT) is None
    stored = await store.report_by_reference("K7QM-9TDX")
    assert stored is not None
    assert stored.id == report_id
    assert stored.status == "new"
    assert stored.evidence == evidence
    assert (
        stored.reference,
        stored.pin,
        stored.flow_id,
        stored.revision_id,
        stored.chat_key,
        stored.language,
        stored.category,
        stored.province,
        stored.minor,
        stored.answers,
        stored.created_at,
    ) == (
        new.reference,
        new.pin,
        new.flow_id,
        new.revision_id,
        new.chat_key,
        new.language,
        new.category,
        new.province,
        new.minor,
        new.answers,
        new.created_at,
    )
    assert await store.reports_for_chat(CHAT) == [stored]


async def test_a_report_without_created_at_gets_a_timestamp(store: Store, live: Revision) -> None:
    await store.commit_step(CHAT, make_session(live, status=COMPLETED), make_report(live, "AAAA-BBBB", created_at=""))

    stored = await store.report_by_reference("AAAA-BBBB")
    assert stored is not None and stored.created_at


async def test_a_report_with_optional_fields_empty_reads_back_equal(store: Store, live: Revision) -> None:
    new = replace(make_report(live, "AAAA-BBBB"), category=None, province=None, minor=False, answers={}, evidence=())
    await store.commit_step(CHAT, make_session(live, status=COMPLETED), new)

    stored = await store.report_by_reference("AAAA-BBBB")
    assert stored is not None
    assert (stored.category, stored.province, stored.minor, stored.answers, stored.evidence) == (
        None,
        None,
        False,
        {},
        (),
    )


async def test_reports_for_chat_lists_only_that_chats_reports_oldest_first(store: Store, live: Revision) -> None:
    done = make_session(live, status=COMPLETED)
    first = await store.commit_step(CHAT, done, make_report(live, "AAAA-AAAA"))
    await store.commit_step(OTHER_CHAT, done, make_report(live, "BBBB-BBBB", chat_key=OTHER_CHAT))
    second = await store.commit_step(CHAT, done, make_report(live, "CCCC-CCCC"))

    mine = await store.reports_for_chat(CHAT)

    assert [(r.id, r.reference) for r in mine] == [(first, "AAAA-AAAA"), (second, "CCCC-CCCC")]
    assert [r.reference for r in await store.reports_for_chat(OTHER_CHAT)] == ["BBBB-BBBB"]
    assert await store.reports_for_chat("tg:404") == []


async def test_an_anonymous_report_is_stored_but_listed_for_no_chat(store: Store, live: Revision) -> None:
    await store.commit_step(CHAT, make_session(live, status=COMPLETED), make_report(live, "ANYM-2345", chat_key=None))

    stored = await store.report_by_reference("ANYM-2345")
    assert stored is not None and stored.chat_key is None
    for chat_key in (CHAT, OTHER_CHAT, "", "None", "null"):
        assert await store.reports_for_chat(chat_key) == []
    assert await store.count_reports() == 1


async def test_report_by_reference_of_an_unknown_reference_is_none(store: Store, live: Revision) -> None:
    await store.commit_step(CHAT, make_session(live, status=COMPLETED), make_report(live, "AAAA-BBBB"))

    assert await store.report_by_reference("ZZZZ-ZZZZ") is None


@pytest.mark.parametrize("status", [COMPLETED, ACTIVE], ids=["finished-session", "unfinished-session"])
async def test_a_duplicate_reference_raises_and_leaves_the_session_and_reports_unchanged(
    store: Store, live: Revision, status: str
) -> None:
    await store.commit_step(
        OTHER_CHAT, make_session(live, status=COMPLETED), make_report(live, "K7QM-9TDX", OTHER_CHAT)
    )
    before = make_session(live, status=SUBMITTING, step="review")
    await store.commit_step(CHAT, before)

    with pytest.raises(ReferenceTaken):
        await store.commit_step(CHAT, make_session(live, status=status, step="done"), make_report(live, "K7QM-9TDX"))

    assert await store.load_session(CHAT) == before
    assert await store.count_reports() == 1
    existing = await store.report_by_reference("K7QM-9TDX")
    assert existing is not None and existing.chat_key == OTHER_CHAT
    assert await store.reports_for_chat(CHAT) == []


async def test_commit_step_saves_the_chat_state_given_with_the_step(store: Store, live: Revision) -> None:
    handled = ChatState(CHAT, "ur", last_update_id=41, question_message_id=7)

    await store.commit_step(CHAT, make_session(live), chat=handled)

    assert await store.chat_state(CHAT) == handled
    assert await store.load_session(CHAT) == make_session(live)


async def test_a_step_refused_for_its_reference_does_not_mark_its_update_handled(store: Store, live: Revision) -> None:
    # Telegram redelivers an update that was not marked handled; one whose step was not stored must be.
    await store.commit_step(OTHER_CHAT, make_session(live, status=COMPLETED), make_report(live, "K7QM-9TDX"))
    await store.save_chat_state(ChatState(CHAT, "en", last_update_id=40))

    with pytest.raises(ReferenceTaken):
        await store.commit_step(
            CHAT,
            make_session(live, status=COMPLETED),
            make_report(live, "K7QM-9TDX"),
            chat=ChatState(CHAT, "en", last_update_id=41),
        )

    saved = await store.chat_state(CHAT)
    assert saved is not None and saved.last_update_id == 40


async def test_after_reference_taken_a_commit_with_a_fresh_reference_succeeds(store: Store, live: Revision) -> None:
    done = make_session(live, status=COMPLETED)
    await store.commit_step(OTHER_CHAT, done, make_report(live, "K7QM-9TDX", OTHER_CHAT))
    await store.commit_step(CHAT, make_session(live, status=SUBMITTING))
    with pytest.raises(ReferenceTaken):
        await store.commit_step(CHAT, done, make_report(live, "K7QM-9TDX"))

    report_id = await store.commit_step(CHAT, done, make_report(live, "WXYZ-2345"))

    assert report_id is not None
    assert await store.load_session(CHAT) is None
    assert [r.reference for r in await store.reports_for_chat(CHAT)] == ["WXYZ-2345"]
    assert await store.count_reports() == 2


async def test_count_reports_counts_every_stored_report(store: Store, live: Revision) -> None:
    assert await store.count_reports() == 0
    done = make_session(live, status=COMPLETED)

    await store.commit_step(CHAT, done, make_report(live, "AAAA-AAAA"))
    assert await store.count_reports() == 1
    await store.commit_step(OTHER_CHAT, done, make_report(live, "BBBB-BBBB", chat_key=None))
    await store.commit_step(CHAT, make_session(live))  # a step without a report adds none
    assert await store.count_reports() == 2


# SQLite only


async def test_sqlite_file_uses_wal_foreign_keys_and_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = SqliteStore(path)
    await store.open()
    try:
        row = await store.database.fetchone("PRAGMA journal_mode")
        assert row == ("wal",)
        row = await store.database.fetchone("PRAGMA foreign_keys")
        assert row == (1,)
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()
    # WAL is a property of the file: a fresh connection sees it too.
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_sqlite_reopening_a_file_keeps_data_and_runs_only_new_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    first = SqliteStore(path)
    await first.open()
    try:
        live = await first.publish(FLOW, FLOW_V1, "admin")
        session = make_session(live)
        await first.commit_step(CHAT, session)
        await first.commit_step(OTHER_CHAT, make_session(live, status=COMPLETED), make_report(live, "K7QM-9TDX"))
    finally:
        await first.close()

    # Re-running migration 1 would fail on its CREATE TABLE statements, so a clean reopen shows it was skipped.
    again = SqliteStore(path)
    await again.open()
    try:
        assert await again.schema_version() == len(MIGRATIONS)
        assert await again.live_revision(FLOW) == live
        assert await again.load_session(CHAT) == session
        assert await again.count_reports() == 1
    finally:
        await again.close()

    # A migration appended later is the only one applied on the next open.
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE later (x INTEGER)"))
    upgraded = SqliteStore(path)
    await upgraded.open()
    try:
        assert await upgraded.schema_version() == len(MIGRATIONS) + 1
        assert await upgraded.load_session(CHAT) == session
        stored = await upgraded.report_by_reference("K7QM-9TDX")
        assert stored is not None and stored.chat_key == CHAT
    finally:
        await upgraded.close()


async def test_many_chats_committing_at_once_all_land(store: Store) -> None:
    """One connection serves every chat: concurrent steps must not interleave their transactions."""
    revision = await store.publish(FLOW, FLOW_V1, "admin")

    async def chat(n: int) -> None:
        key = f"tg:{n}"
        await store.save_chat_state(ChatState(key, "en"))
        await store.commit_step(key, make_session(revision))
        await store.remember_messages(key, [1, 2], 0.0)
        done = make_session(revision, status="completed", step=None)
        await store.commit_step(
            key, done, make_report(revision, f"AAAA-{n:04d}".replace("0", "A").replace("1", "B"), chat_key=key)
        )

    await asyncio.gather(*(chat(n) for n in range(20)))
    assert await store.count_reports() == 20
    assert [await store.load_session(f"tg:{n}") for n in range(20)] == [None] * 20
