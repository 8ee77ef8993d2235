"""Retention on a real SQLite file: drafts expire, closed cases are anonymised (statistics kept, the rest
gone from the file), open cases are untouched, and spam marks block a sender at the threshold."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from bot.engine.session import ACTIVE, COMPLETED, Session
from bot.store.records import AuditEntry, EvidenceLink, NewReport, Outgoing
from bot.store.sqlite.cases import CaseBook
from bot.store.sqlite.retention import Retention
from bot.store.sqlite.senders import SenderBook
from bot.store.sqlite.store import SqliteStore

ACCOUNT = "Nadia's cousin posts her pictures"
LINK = "https://instagram.com/nadia.fake.profile"


async def submit(store: SqliteStore, reference: str, chat: str = "tg:7") -> int:
    done = Session(flow_id="report", revision=1, lang="en", step=None, status=COMPLETED)
    report = NewReport(
        reference=reference,
        pin="x",
        flow_id="report",
        revision_id=1,
        chat_key=chat,
        language="en",
        category="impersonation",
        province="sindh",
        minor=True,
        answers={"account": ACCOUNT},
        evidence=(EvidenceLink(LINK, "instagram"),),
        created_at="2025-01-10T09:00:00+00:00",
        queue="sindh",
    )
    report_id = await store.commit_step(chat, done, report)
    assert report_id is not None
    return report_id


async def close(store: SqliteStore, report_id: int, closed_at: str) -> None:
    def change(db: sqlite3.Connection) -> None:
        db.execute(
            "UPDATE reports SET status = 'resolved', outcome = 'advice', closed_at = ? WHERE id = ?",
            (closed_at, report_id),
        )

    await store.database.write(change)


async def test_drafts_untouched_past_the_cutoff_expire_on_any_revision(store: SqliteStore) -> None:
    draft = Session(flow_id="report", revision=1, lang="ur", step="account", status=ACTIVE)
    await store.commit_step("tg:1", draft)
    await store.commit_step("tg:2", draft)

    def change(db: sqlite3.Connection) -> None:
        db.execute("UPDATE sessions SET updated_at = '2026-01-01T00:00:00+00:00' WHERE chat_key = 'tg:1'")

    await store.database.write(change)
    assert await Retention(store).expire_drafts("2026-06-01T00:00:00+00:00") == 1
    assert await store.load_session("tg:1") is None and await store.load_session("tg:2") is not None


async def test_closed_cases_past_the_cutoff_are_anonymised_and_keep_their_figures(store: SqliteStore) -> None:
    old_id, recent_id, open_id = [await submit(store, ref) for ref in ("OLD-1", "RECENT-2", "OPEN-3")]
    await close(store, old_id, "2025-02-01T00:00:00+00:00")
    await close(store, recent_id, "2026-11-01T00:00:00+00:00")
    audit = AuditEntry("2025-01-11T00:00:00+00:00", 5, "officer", "ask", old_id, "sindh", True)
    await CaseBook(store).open_ask(old_id, 5, -1002, None)
    await CaseBook(store).ask(old_id, 5, f"Is {ACCOUNT}?", audit, Outgoing("question", "chat:7", "q", old_id))
    await close(store, old_id, "2025-02-01T00:00:00+00:00")  # ask() reopened it as waiting

    assert await Retention(store).anonymise_closed("2026-01-01T00:00:00+00:00") == 1
    gone = await store.report_by_id(old_id)
    assert gone is not None
    assert (gone.answers, gone.evidence, gone.chat_key) == ({}, (), None)
    assert (gone.category, gone.province, gone.minor, gone.status, gone.outcome) == (
        "impersonation",
        "sindh",
        True,
        "resolved",
        "advice",
    )
    for kept in (recent_id, open_id):
        found = await store.report_by_id(kept)
        assert found is not None and found.answers == {"account": ACCOUNT} and found.chat_key == "tg:7"
    assert await Retention(store).anonymise_closed("2026-01-01T00:00:00+00:00") == 0  # once only
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT count(*) FROM questions").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM evidence").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM outbox WHERE report_id = ?", (old_id,)).fetchone() == (0,)
        assert conn.execute("SELECT action, detail FROM audit WHERE action = 'anonymise'").fetchall() == [
            ("anonymise", "1 closed cases")
        ]


async def test_forget_keeps_a_block_so_one_command_does_not_undo_it(store: SqliteStore) -> None:
    report_id = await submit(store, "SPAM-1", chat="tg:9")
    senders = SenderBook(store)
    assert await senders.mark_spam("tg:9", report_id, threshold=2) is False
    assert await senders.mark_spam("tg:9", report_id, threshold=2) is True
    assert senders.is_blocked("tg:9")
    forgotten = await Retention(store).forget("tg:9", "chat:9")
    assert (forgotten.draft, forgotten.reports) == (False, 1)
    reloaded = SenderBook(store)
    await reloaded.load()
    assert reloaded.is_blocked("tg:9") and await reloaded.spam_marks("tg:9") == 2
    assert await reloaded.unblock("tg:9", 1, "admin", None) is True
    assert not reloaded.is_blocked("tg:9") and await reloaded.spam_marks("tg:9") == 0
    assert await reloaded.unblock("tg:9", 1, "admin", None) is False
