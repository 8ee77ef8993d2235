"""Encryption at rest on a real SQLite file: the file's bytes hold none of what a citizen wrote, a wrong
key fails at start-up, an old plain database is sealed on upgrade, and a key rotation re-seals everything."""

from __future__ import annotations

import base64
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cases.deliveries import new_case_delivery
from bot.cases.references import pin_matches
from bot.engine.session import ACTIVE, COMPLETED, Session
from bot.store.keyring import KeyProblem, Keyring, key_file_for, load_keyring, new_key, parse_keys
from bot.store.records import AuditEntry, EvidenceLink, NewFile, NewReport, Outgoing
from bot.store.sqlite.cases import CaseBook
from bot.store.sqlite.migrations import MIGRATIONS, statements
from bot.store.sqlite.store import SEALED, SqliteStore
from tests.conftest import ROOT
from tests.test_references import legacy_hash

ACCOUNT = "Bilal Qureshi threatens me from +923001234567"
LINK = "https://facebook.com/bilal.q.secret"
DRAFT = "میرا نام عائشہ ہے"
QUESTION = "Which city does Ayesha live in?"
ANSWER = "In Multan, near the Ghanta Ghar"
ADDITION = "He made a new account today"
NEW_LINK = "https://instagram.com/bilal.second.secret"
PICTURE = "pretend picture of Ayesha's chat with Bilal"
FILE_ID = "AgACAgQAAx-telegram-file-id-secret"
PIN = "472913"


def ring(*keys: str) -> Keyring:
    return Keyring([parse_keys(k, "test")[0] for k in keys], "test")


def report(reference: str) -> NewReport:
    return NewReport(
        reference=reference,
        pin=PIN,
        flow_id="report",
        revision_id=1,
        chat_key="tg:7",
        language="en",
        category="blackmail",
        province="punjab",
        minor=False,
        answers={"account": ACCOUNT, "phone": "+923001234567"},
        evidence=(EvidenceLink(LINK, "facebook"),),
        queue="punjab",
        deliveries=(new_case_delivery(None, reference, "punjab", False),),
        files=(
            NewFile("photo", "AgACAgQAAx-kept-file-id", 100, "image/jpeg", "2026-11-28T09:00:00+00:00"),
            NewFile("document", FILE_ID, 200, "application/pdf", "2026-11-28T09:01:00+00:00"),
        ),
    )


def draft() -> Session:
    return Session(flow_id="report", revision=1, lang="ur", step="account", status=ACTIVE, answers={"name": DRAFT})


async def fill(store: SqliteStore) -> None:
    await store.publish("report", "spec_version: 1\nid: report\n", "test")
    done = Session(flow_id="report", revision=1, lang="en", step=None, status=COMPLETED)
    report_id = await store.commit_step("tg:7", done, report("AAAA-0001"))
    assert report_id is not None
    # One file fetched and kept (its content sealed, its reference gone); the other's reference still sealed.
    files = store.books().files
    first, _ = await files.to_fetch(1_800_000_000.0)
    kept = AuditEntry("2026-11-28T09:30:00+00:00", None, "system", "file_kept", report_id, "punjab", True)
    assert await files.keep(first.id, PICTURE.encode(), "0" * 64, kept)
    await store.commit_step("tg:8", draft())
    audit = AuditEntry("2026-11-28T10:00:00+00:00", 5, "officer", "ask", report_id, "punjab", True)
    ask = Outgoing("question", "chat:7", "question:1", report_id, False, {"text": QUESTION})
    await CaseBook(store).open_ask(report_id, 5, -1001, None)
    question_id = await CaseBook(store).ask(report_id, 5, QUESTION, audit, ask)
    assert question_id
    # The citizen's answer is kept with the question, for the desk's thread: sealed like it.
    relay = Outgoing("answer", "queue:punjab", "answer:1", report_id, False, {"text": ANSWER})
    answered = AuditEntry("2026-11-28T11:00:00+00:00", None, "citizen", "answer", report_id, "punjab", True)
    await CaseBook(store).answer(question_id, report_id, answered, relay)
    # What she adds later (/add) is sealed as well: its text, and its links with the evidence.
    added = AuditEntry("2026-11-28T12:00:00+00:00", None, "citizen", "add_information", report_id, "punjab", True)
    note = Outgoing("addition", "queue:punjab", "addition:1", report_id, False, {"text": ADDITION})
    links = (EvidenceLink(NEW_LINK, "instagram"),)
    assert await CaseBook(store).add_information(report_id, ADDITION, links, added, note) is not None


def file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


PLANTED = [
    ACCOUNT,
    "+923001234567",
    LINK,
    DRAFT,
    QUESTION,
    ANSWER,
    ADDITION,
    NEW_LINK,
    "Bilal",
    "bilal.q.secret",
    PICTURE,
    FILE_ID,
    PIN,
]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "bot.sqlite3"


async def test_the_database_file_holds_none_of_it_and_the_store_reads_it_back(db: Path) -> None:
    store = SqliteStore(db, keyring=ring(new_key()))
    await store.open()
    try:
        await fill(store)
        found = await store.report_by_reference("AAAA-0001")
        assert found is not None and found.answers["account"] == ACCOUNT and found.evidence[0].url == LINK
        assert found.pin == PIN and PIN not in repr(found)
        loaded = await store.load_session("tg:8")
        assert loaded is not None and loaded.answers == {"name": DRAFT}
        assert (await CaseBook(store).question(1)) == (found.id, QUESTION)
        raw = file_bytes(db)
        for planted in PLANTED:
            assert planted.encode() not in raw, planted
    finally:
        await store.close()
    with closing(sqlite3.connect(db)) as conn:
        for table, _, column in SEALED:
            values = [row[0] for row in conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")]
            assert values and all(v.startswith("enc1:") for v in values), (table, values)


async def test_a_value_moved_to_another_column_or_altered_does_not_open(db: Path) -> None:
    keys = ring(new_key())
    sealed = keys.seal(ACCOUNT, "reports.answers")
    assert keys.open(sealed, "reports.answers") == ACCOUNT
    with pytest.raises(KeyProblem, match="does not open"):
        keys.open(sealed, "questions.text")
    raw = bytearray(base64.b64decode(sealed.split(":", 2)[2]))
    raw[-1] ^= 1
    tampered = sealed.rsplit(":", 1)[0] + ":" + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(KeyProblem, match="altered"):
        keys.open(tampered, "reports.answers")


async def test_the_wrong_key_fails_when_the_store_opens_not_in_a_conversation(db: Path) -> None:
    store = SqliteStore(db, keyring=ring(new_key()))
    await store.open()
    await fill(store)
    await store.close()
    other = SqliteStore(db, keyring=ring(new_key()))
    with pytest.raises(KeyProblem, match="not configured"):
        await other.open()


async def test_a_database_from_before_sealing_is_sealed_on_upgrade(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        for script in MIGRATIONS[:4]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 4")
        conn.execute(
            "INSERT INTO flow_revisions (flow_id, hash, content, author, created_at) "
            "VALUES ('report', 'h', '', 'a', 'now')"
        )
        conn.execute(
            "INSERT INTO reports (reference, pin_hash, flow_id, revision_id, language, answers, created_at) "
            "VALUES ('OLD-1', 'x', 'report', 1, 'en', ?, '2026-01-01')",
            (f'{{"account": "{ACCOUNT}"}}',),
        )
        conn.execute("INSERT INTO evidence (report_id, position, url, platform) VALUES (1, 0, ?, 'facebook')", (LINK,))
        conn.execute(
            "INSERT INTO sessions (chat_key, revision_id, state, updated_at) VALUES ('tg:8', 1, ?, 'now')",
            (draft().to_json(),),
        )
    assert ACCOUNT.encode() in file_bytes(db)
    store = SqliteStore(db, keyring=ring(new_key()))
    await store.open()
    try:
        found = await store.report_by_reference("OLD-1")
        assert found is not None and found.answers == {"account": ACCOUNT} and found.evidence[0].url == LINK
        loaded = await store.load_session("tg:8")
        assert loaded is not None and loaded.answers == {"name": DRAFT}
    finally:
        await store.close()
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")  # the old plain pages: secure_delete overwrote them, VACUUM rebuilds the file
    for planted in (ACCOUNT, LINK, DRAFT):
        assert planted.encode() not in file_bytes(db), planted


async def test_a_pin_hashed_before_pins_were_sealed_still_opens_the_status_and_is_sealed_by_rotation(
    db: Path,
) -> None:
    old_key, new = new_key(), new_key()
    with closing(sqlite3.connect(db)) as conn, conn:
        for script in MIGRATIONS[:13]:  # schema 13: the column was pin_hash and held a scrypt hash
            for statement in statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 13")
        conn.execute(
            "INSERT INTO flow_revisions (flow_id, hash, content, author, created_at) "
            "VALUES ('report', 'h', '', 'a', 'now')"
        )
        conn.execute(
            "INSERT INTO reports (reference, pin_hash, flow_id, revision_id, language, answers, created_at) "
            "VALUES ('OLDP-1234', ?, 'report', 1, 'en', ?, '2026-01-01')",
            (legacy_hash(PIN), ring(old_key).seal("{}", "reports.answers")),
        )
    store = SqliteStore(db, keyring=ring(new, old_key))
    await store.open()
    try:
        found = await store.report_by_reference("OLDP-1234")
        assert found is not None and await pin_matches(PIN, found.pin) and not await pin_matches("472914", found.pin)
        changed = await store.reseal()
        assert changed["reports.pin"] == 1
        again = await store.report_by_reference("OLDP-1234")
        assert again is not None and await pin_matches(PIN, again.pin)  # the hash, sealed as it was
    finally:
        await store.close()
    with closing(sqlite3.connect(db)) as conn:
        (value,) = conn.execute("SELECT pin FROM reports").fetchone()
    assert value.startswith(f"enc1:{ring(new).current}:")


async def test_rotation_re_seals_every_value_so_the_old_key_can_go(db: Path) -> None:
    old, new = new_key(), new_key()
    store = SqliteStore(db, keyring=ring(old))
    await store.open()
    await fill(store)
    await store.close()
    both = SqliteStore(db, keyring=ring(new, old))
    await both.open()
    changed = await both.reseal()
    await both.close()
    assert changed == {
        "sessions.state": 1,
        "reports.pin": 1,
        "reports.answers": 1,
        "evidence.url": 2,
        "outbox.payload": 4,
        "questions.text": 1,
        "questions.answer": 1,
        "additions.text": 1,
        "evidence_files.source": 1,
        "evidence_files.content": 1,
    }
    only_new = SqliteStore(db, keyring=ring(new))
    await only_new.open()
    try:
        found = await only_new.report_by_reference("AAAA-0001")
        assert found is not None and found.answers["account"] == ACCOUNT and found.pin == PIN
        assert await only_new.reseal() == dict.fromkeys(changed, 0)  # running it again changes nothing
    finally:
        await only_new.close()


def test_a_key_file_is_created_owner_only_and_a_bad_key_is_one_clear_error(db: Path) -> None:
    keys = load_keyring(db, {})
    path = key_file_for(db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(db, {}).current == keys.current  # the same key next time
    with pytest.raises(KeyProblem, match="not 32"):
        load_keyring(db, {"DATA_KEY": base64.urlsafe_b64encode(b"short").decode()})
    with pytest.raises(KeyProblem, match="no key file"):
        load_keyring(db.with_name("other.sqlite3"), {}, create=False)


def test_keys_rotate_on_the_command_line_leaves_only_the_new_key(db: Path, tmp_path: Path) -> None:
    async def seed() -> None:
        store = SqliteStore(db)  # the key file beside the database, as main.py run makes it
        await store.open()
        await fill(store)
        await store.close()

    import asyncio

    asyncio.run(seed())
    before = key_file_for(db).read_text().split()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def keys(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "keys", *argv, "--db", str(db)],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # no .env of the developer's
            env=env,
            timeout=60,
            check=False,
        )

    rotated = keys("rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "reports.answers: 1 value(s) re-encrypted" in rotated.stdout
    after = key_file_for(db).read_text().split()
    assert len(after) == 1 and after != before
    checked = keys("check")
    assert checked.returncode == 0 and "opens with key" in checked.stdout
    key_file_for(db).write_text(new_key() + "\n")
    wrong = keys("check")
    assert wrong.returncode == 1 and "not configured" in wrong.stderr and wrong.stderr.count("\n") == 1
