"""``main.py copy-store``: a SQLite database moved into PostgreSQL row for row, sealed values still sealed
and readable with the same key, identities moved past the copied ids; refused when the destination holds
rows or a key could not open what is copied. A real SQLite file, the project's real PostgreSQL server, a
schema of its own per test."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from bot.cases.deliveries import new_case_delivery
from bot.cli import copy_plan, database
from bot.cli import copy_store as cli
from bot.engine.session import ACTIVE, Session
from bot.store.keyring import Keyring, key_file_for, load_keyring, new_key, parse_keys
from bot.store.postgres.store import PostgresStore
from bot.store.records import WRONG, AuditEntry, ChatState, DeskSession, EvidenceLink, NewFile, Outgoing
from bot.store.sqlite.store import SqliteStore
from testing.seeding import seed_cases
from tests.store.contract.helpers import FLOW, submit
from tests.store.postgres.server import DATABASE_URL, drop_schema, new_schema

AT = "2026-11-28T10:05:00+00:00"
SECRET = "Bilal Qureshi threatens me from +923001234567"
LINK = "https://facebook.com/bilal.q.secret"
QUESTION = "Which city does Ayesha live in?"
DRAFT = "میرا نام عائشہ ہے"
ADDITION = "He made a new account today"
NEW_LINK = "https://instagram.com/bilal.second.secret"
PICTURE = b"pretend picture of the threats Bilal sent"
PLANTED = (SECRET, LINK, QUESTION, DRAFT, ADDITION, NEW_LINK, "+923001234567", "bilal.q.secret", PICTURE.decode())


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The key and the destination come from the environment and a .env in the working directory:
    neither may leak in from the machine running the tests."""
    for name in ("DATA_KEY", "DATA_KEY_FILE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest_asyncio.fixture
async def schema() -> AsyncIterator[str]:
    name = new_schema()
    try:
        yield name
    finally:
        await drop_schema(name)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


def entry(action: str, report_id: int | None, allowed: bool = True, actor: int = 11) -> AuditEntry:
    return AuditEntry(AT, actor, f"officer {actor}", action, report_id, "punjab", allowed)


async def fill(db: Path) -> str:
    """A database as a running bot leaves it: reports with evidence and cards, drafts, chats, cases
    claimed and resolved, a question relayed, deliveries sent and dead, audit entries, admins, a flow
    upload, spam marks and a block, wrong PINs. Returns the reference of the report holding SECRET."""
    await seed_cases(db, 12, queues=("punjab", "sindh"))
    store = SqliteStore(db)
    await store.open()
    try:
        books = store.books(frozenset({9000}))
        await books.cases.bind("punjab", -1001, "en", 9000)
        await books.cases.add_officer("punjab", 11, 9000)
        card = new_case_delivery(None, "SEAL-2345", "punjab", True)
        planted = await submit(
            store,
            "SEAL-2345",
            chat_key="tg:7",
            category="child_abuse",
            minor=True,
            priority=True,
            answers={"account": SECRET, "description": "threats"},
            evidence=(EvidenceLink(LINK, "facebook"), EvidenceLink("https://x.com/someone", "x")),
            deliveries=(card,),
        )
        # An adult's report with files: one fetched and kept (sealed content), one still waiting (sealed reference).
        files = (
            NewFile("photo", "photo-file-id", 100, "image/jpeg", "2026-11-28T10:00:00+00:00"),
            NewFile("document", "doc-file-id", 200, "application/pdf", "2026-11-28T10:01:00+00:00"),
        )
        claimed = await submit(store, "CLAI-2345", chat_key="tg:8", files=files)
        first, _ = await books.files.to_fetch(1_764_000_000.0)
        assert await books.files.keep(first.id, PICTURE, "0" * 64, entry("file_kept", claimed))
        # Both name the same account (connected cases): a match key each, one of them shared.
        shared, own = "a1" * 32, "b2" * 32
        rows = [(planted, shared), (planted, own), (claimed, shared)]
        await store.database.write(lambda conn: conn.executemany("INSERT INTO case_keys VALUES (?, ?)", rows))
        resolved = await submit(store, "RESO-2345", chat_key="tg:9", province="sindh", queue="sindh")
        claim = {"status": "claimed", "claimed_by": 11, "claimed_name": "officer 11", "claimed_at": AT}
        assert await books.cases.transition(claimed, ["new"], claim, entry("claim", claimed))
        assert await books.cases.transition(resolved, ["new"], claim, entry("claim", resolved))
        done = {"status": "resolved", "outcome": "account removed", "closed_at": AT}
        assert await books.cases.transition(resolved, ["claimed"], done, entry("resolve", resolved))
        assert await books.cases.transition(resolved, ["new"], claim, entry("claim", resolved)) is None  # refused
        await books.cases.remember_message(-1001, 501, planted, "card")
        await books.cases.open_ask(planted, 11, -1001, 502)
        ask = Outgoing("question", "chat:7", "question:1", planted, False, {"text": QUESTION})
        assert await books.cases.ask(planted, 11, QUESTION, entry("ask", planted), ask)
        await books.cases.open_ask(claimed, 11, -1001, 503)  # an Ask still open
        # What the citizen added after sending (/add): its text sealed, its link with the evidence.
        added = AuditEntry(AT, None, "citizen", "add_information", planted, "punjab", True, "1 link")
        note = Outgoing("addition", "queue:punjab", "addition:1", planted, True, {"text": ADDITION})
        more = (EvidenceLink(NEW_LINK, "instagram"),)
        assert await books.cases.add_information(planted, ADDITION, more, added, note)
        await books.audit.record(entry("open", planted, allowed=False, actor=12))
        due = await books.outbox.due()
        await books.outbox.mark_sending([d.id for d in due[:4]])
        await books.outbox.mark_sent([d.id for d in due[:3]])
        await books.outbox.mark_dead([due[3].id], "chat not found")
        await books.admins.add(77, 9000, "admin")
        await books.admins.upload(FLOW, "spec_version: 1\nid: report\n", 9000, "admin")
        await books.senders.mark_spam("tg:8", claimed, 3)
        await books.senders.block("tg:9", 9000, "admin", resolved, "abuse")

        async def wrong() -> bool:
            return False

        assert await books.pins.check("SEAL-2345", "tg:66", planted, wrong) == WRONG
        # An officer signed in to the desk, and a sign-in link not used yet.
        await books.desk.issue_pass("a" * 64, 11, "officer 11", 1_764_000_900.0)
        await books.desk.open_session("b" * 64, DeskSession(11, "officer 11", "ur", "csrf-token", 1_764_028_800.0))
        revision = await store.live_revision(FLOW)
        assert revision is not None
        draft = Session(
            flow_id=FLOW, revision=revision.id, lang="ur", step="account", status=ACTIVE, answers={"name": DRAFT}
        )
        await store.commit_step("tg:10", draft, chat=ChatState("tg:10", "ur", question_message_id=90))
        await store.save_chat_state(ChatState("tg:7", "en"), remember=[91, 92], sent_at=1_764_000_000.5)
    finally:
        await store.close()
    return "SEAL-2345"


def ring_of(db: Path) -> Keyring:
    return load_keyring(db, {}, create=False)  # the key file beside the database, as the copy finds it


def sqlite_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read past the store; flags as 0/1 so both sides compare."""
    with closing(sqlite3.connect(db)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: _sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}


async def postgres_rows(schema: str, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the tables in ``columns``, those columns in that order."""
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        found = {}
        for table, names in columns.items():
            listed = ", ".join(f'"{c}"' for c in names)
            found[table] = _sorted([tuple(r) for r in await conn.fetch(f'SELECT {listed} FROM "{schema}"."{table}"')])
        return found
    finally:
        await conn.close()


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    plain = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows]
    return sorted(plain, key=repr)


def sqlite_columns(db: Path) -> dict[str, list[str]]:
    with closing(sqlite3.connect(db)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')] for name in names}


async def postgres_count(schema: str, table: str) -> int:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"'))
    finally:
        await conn.close()


async def copy(db: Path, schema: str, batch: int = 4) -> int:
    # A small batch: every table of the fixture spans several COPY calls.
    return await cli.copy_store(db, DATABASE_URL, schema=schema, batch=batch)


# ---- the copy -------------------------------------------------------------------------------------------


async def test_every_row_is_copied_and_the_same_report_opens_on_both(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = await fill(db)
    assert await copy(db, schema) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    source = sqlite_rows(db)
    copied = await postgres_rows(schema, sqlite_columns(db))
    for table, rows in source.items():
        assert copied[table] == rows, table  # every column of every row, flags turned back into 0/1
    held = {table: len(rows) for table, rows in source.items()}
    assert [t for t, n in held.items() if not n] == ["pin_locks"]  # every other table has something to copy
    for table, n in held.items():
        assert f"{table}: {n} rows (" in printed.out
    assert "counts equal in all" in printed.out
    assert "a report opened on both: report" in printed.out
    assert f"DATA_KEY_FILE={key_file_for(db)}" in printed.out
    for secret in PLANTED:
        assert secret not in printed.out
    assert reference not in printed.out

    ring = ring_of(db)
    sqlite, postgres = SqliteStore(db, keyring=ring), PostgresStore(DATABASE_URL, schema=schema, keyring=ring)
    await sqlite.open()
    await postgres.open()
    try:
        mine, theirs = await sqlite.report_by_reference(reference), await postgres.report_by_reference(reference)
        assert mine is not None and mine == theirs
        assert theirs is not None and theirs.answers["account"] == SECRET and theirs.minor and theirs.priority
        assert theirs.evidence[0].url == LINK
        assert await postgres.load_session("tg:10") == await sqlite.load_session("tg:10")
        claimed = await sqlite.report_by_reference("CLAI-2345")
        assert claimed is not None
        files = await sqlite.books().files.files(claimed.id)
        assert files == await postgres.books().files.files(claimed.id) and len(files) == 2
        assert await postgres.books().files.content(files[0].id) == (files[0], PICTURE)  # the same key opens it
    finally:
        await sqlite.close()
        await postgres.close()


async def test_rows_added_on_postgresql_after_the_copy_get_fresh_ids(db: Path, schema: str) -> None:
    await fill(db)
    assert await copy(db, schema) == 0
    with closing(sqlite3.connect(db)) as conn:
        largest = {t: conn.execute(f"SELECT max(id) FROM {t}").fetchone()[0] for t in ("reports", "evidence", "audit")}
        outbox_largest = conn.execute("SELECT max(id) FROM outbox").fetchone()[0]
    postgres = PostgresStore(DATABASE_URL, schema=schema, keyring=ring_of(db))
    await postgres.open()
    try:
        books = postgres.books()
        before = sum(n for *_, n in await books.stats.totals())
        card = new_case_delivery(None, "NEWW-2345", "punjab", False)
        new_id = await submit(
            postgres, "NEWW-2345", chat_key="tg:500", evidence=(EvidenceLink(LINK, "facebook"),), deliveries=(card,)
        )
        assert new_id == largest["reports"] + 1
        report = await postgres.report_by_id(new_id)
        assert report is not None and report.answers == {"account": "@someone", "description": "threats"}
        await books.audit.record(entry("open", new_id))
        pg = await asyncpg.connect(DATABASE_URL)
        try:
            await pg.execute(f'SET search_path TO "{schema}"')
            assert await pg.fetchval("SELECT max(id) FROM evidence") == largest["evidence"] + 1
            assert await pg.fetchval("SELECT max(id) FROM audit") == largest["audit"] + 1
            assert await pg.fetchval("SELECT max(id) FROM outbox") > outbox_largest
        finally:
            await pg.close()
        # The summary trigger, off during the copy, counts again.
        assert sum(n for *_, n in await books.stats.totals()) == before + 1
    finally:
        await postgres.close()


async def test_an_empty_database_copies_and_opens_no_report(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteStore(db)
    await store.open()
    await store.close()
    assert await copy(db, schema) == 0
    assert "no report to open on both" in capsys.readouterr().out


async def test_columns_are_read_from_both_databases_when_the_command_runs(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A column both schemas gained is copied, one only PostgreSQL has is left to its default, one only
    SQLite has is left out while empty: nothing is a hard-coded list."""
    await fill(db)
    ring = ring_of(db)
    postgres = PostgresStore(DATABASE_URL, schema=schema, keyring=ring)
    await postgres.open()
    await postgres.database.fetch("ALTER TABLE admins ADD COLUMN note TEXT, ADD COLUMN shown BOOLEAN DEFAULT true")
    await postgres.close()
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("ALTER TABLE admins ADD COLUMN note TEXT")
        conn.execute("ALTER TABLE admins ADD COLUMN unused TEXT")
        conn.execute("UPDATE admins SET note = 'added at the desk'")
        conn.commit()
    assert await copy(db, schema) == 0
    printed = capsys.readouterr().out
    assert "note: admins.shown is only in PostgreSQL: left to its default" in printed
    pg = await asyncpg.connect(DATABASE_URL)
    try:
        rows = await pg.fetch(f'SELECT user_id, note, shown FROM "{schema}".admins')
    finally:
        await pg.close()
    assert [tuple(r) for r in rows] == [(77, "added at the desk", True)]


async def test_a_column_postgresql_lacks_that_holds_values_is_refused(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(db)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("ALTER TABLE admins ADD COLUMN note TEXT")
        conn.execute("UPDATE admins SET note = 'would be lost'")
        conn.commit()
    assert await copy(db, schema) == 1
    assert "admins.note holds values but PostgreSQL has no such column" in capsys.readouterr().err
    assert await postgres_count(schema, "reports") == 0


# ---- refusals -------------------------------------------------------------------------------------------


async def test_a_destination_holding_rows_is_refused_and_left_as_it_was(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(db)
    assert await copy(db, schema) == 0
    reports = await postgres_count(schema, "reports")
    capsys.readouterr()
    assert await copy(db, schema) == 1
    printed = capsys.readouterr()
    assert "already holds rows (" in printed.err and f"reports {reports}" in printed.err
    assert "merges nothing" in printed.err
    assert "rows (" not in printed.out  # not a table copied
    assert await postgres_count(schema, "reports") == reports


async def test_a_destination_where_the_bot_already_started_is_refused(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bot started on PostgreSQL published its flow: its revision ids would collide with the copied ones."""
    await fill(db)
    ring = ring_of(db)
    postgres = PostgresStore(DATABASE_URL, schema=schema, keyring=ring)
    await postgres.open()
    await postgres.publish(FLOW, "spec_version: 1\nid: report\n", "bot")
    await postgres.close()
    assert await copy(db, schema) == 1
    assert "already holds rows (flow_revisions 1, live_flows 1)" in capsys.readouterr().err


async def test_a_key_that_does_not_open_the_sqlite_database_is_refused(
    db: Path, schema: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(db)
    monkeypatch.setenv("DATA_KEY", new_key())  # not the key file's: the copy would be unreadable
    assert await copy(db, schema) == 1
    printed = capsys.readouterr()
    assert "which is not configured (DATA_KEY)" in printed.err
    assert "rows (" not in printed.out
    assert await _schema_tables(schema) == 0  # PostgreSQL was not even opened


async def test_a_missing_key_is_refused_and_no_new_key_is_written(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(db)
    key_file_for(db).unlink()
    assert await copy(db, schema) == 1
    assert "no key file and DATA_KEY is not set" in capsys.readouterr().err
    assert not key_file_for(db).exists()


async def test_older_values_sealed_with_a_key_no_longer_configured_are_refused(
    db: Path, schema: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store's own check opens the newest value of each column only; the copy looks at them all."""
    old, new = new_key(), new_key()
    monkeypatch.setenv("DATA_KEY", old)
    store = SqliteStore(db)
    await store.open()
    await submit(store, "OLDD-2345")
    await store.close()
    monkeypatch.setenv("DATA_KEY", f"{new},{old}")  # half-way through a rotation
    store = SqliteStore(db)
    await store.open()
    await submit(store, "NEWW-2345", chat_key="tg:2")
    await store.close()
    monkeypatch.setenv("DATA_KEY", new)  # the old key dropped too early
    assert await copy(db, schema) == 1
    old_id = Keyring(parse_keys(old, "test")).current
    assert f"values in reports.answers, reports.pin were sealed with key(s) {old_id}" in capsys.readouterr().err
    monkeypatch.setenv("DATA_KEY", f"{new},{old}")
    assert await copy(db, schema) == 0  # with both keys configured the copy goes, both readable


async def test_a_destination_sealed_with_another_key_is_refused(
    db: Path, schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill(db)
    other = PostgresStore(DATABASE_URL, schema=schema, keyring=Keyring(parse_keys(new_key(), "other")))
    await other.open()
    await submit(other, "OTHR-2345")
    await other.close()
    assert await copy(db, schema) == 1
    assert "which is not configured" in capsys.readouterr().err
    assert await postgres_count(schema, "reports") == 1


async def test_a_missing_source_is_refused_and_not_created(db: Path, schema: str) -> None:
    assert await copy(db, schema) == 1
    assert not await asyncio.to_thread(db.exists)


async def _schema_tables(schema: str) -> int:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM information_schema.tables WHERE table_schema = $1", schema)
        )
    finally:
        await conn.close()


# ---- the command line -----------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py")
    cli.add_parser(parser.add_subparsers(dest="command"), "data/bot.sqlite3")
    return parser.parse_args(argv)


@pytest.fixture
def sync_schema() -> Iterator[str]:
    name = new_schema()
    try:
        yield name
    finally:
        asyncio.run(drop_schema(name))


def test_the_command_takes_its_destination_from_database_url(
    db: Path, sync_schema: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(fill(db))
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    assert cli.main(parse("copy-store", "--from", str(db), "--schema", sync_schema)) == 0
    assert "counts equal in all" in capsys.readouterr().out


def test_the_command_without_a_destination_says_how_to_give_one(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(parse("copy-store", "--from", str(db))) == 1
    assert "--to postgresql://" in capsys.readouterr().err


def test_a_password_in_the_destination_is_never_printed() -> None:
    assert (
        database.shown("postgresql://bot:s3cret@db.internal:5432/nccia")
        == "postgresql://bot:***@db.internal:5432/nccia"
    )
    assert database.shown("postgresql://bot@db.internal/nccia") == "postgresql://bot@db.internal/nccia"


def test_tables_come_after_the_tables_they_point_at() -> None:
    parents = {"evidence": {"reports"}, "reports": {"flow_revisions"}, "sessions": {"flow_revisions"}}
    order = copy_plan.dependency_order(["sessions", "evidence", "reports", "flow_revisions", "admins"], parents)
    assert order == ["admins", "flow_revisions", "reports", "sessions", "evidence"]
    with pytest.raises(copy_plan.Refused, match="cycle"):
        copy_plan.dependency_order(["a", "b"], {"a": {"b"}, "b": {"a"}})
