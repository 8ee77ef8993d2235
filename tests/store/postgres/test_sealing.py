"""Encryption at rest over PostgreSQL: the rows hold none of what a citizen wrote, the key comes from
DATA_KEY or DATA_KEY_FILE (there is no key file beside a server), a wrong key fails at start-up, and a
key rotation re-seals everything."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from bot.cases.deliveries import new_case_delivery
from bot.engine.session import ACTIVE, COMPLETED, Session
from bot.problems import ConfigError
from bot.store.keyring import KeyProblem, Keyring, new_key, parse_keys, write_key_file
from bot.store.postgres.cases import CaseBook
from bot.store.postgres.store import SEALED, PostgresStore
from bot.store.records import AuditEntry, EvidenceLink, NewFile, NewReport, Outgoing
from tests.store.postgres.server import DATABASE_URL

# The same planted values as the SQLite test: what must be found nowhere in the rows.
from tests.store.test_sealing import (
    ACCOUNT,
    ADDITION,
    ANSWER,
    DRAFT,
    FILE_ID,
    LINK,
    NEW_LINK,
    PICTURE,
    PIN,
    PLANTED,
    QUESTION,
)


def ring(*keys: str) -> Keyring:
    return Keyring([parse_keys(k, "test")[0] for k in keys], "test")


async def fill(store: PostgresStore) -> int:
    """A report with evidence, its files (one kept, one still to fetch) and its card, a draft, a question
    relayed to the citizen, and what she added."""
    revision = await store.publish("report", "spec_version: 1\nid: report\n", "test")
    report = NewReport(
        reference="AAAA-0001",
        pin=PIN,
        flow_id="report",
        revision_id=revision.id,
        chat_key="tg:7",
        language="en",
        category="blackmail",
        province="punjab",
        minor=False,
        answers={"account": ACCOUNT, "phone": "+923001234567"},
        evidence=(EvidenceLink(LINK, "facebook"),),
        queue="punjab",
        deliveries=(new_case_delivery(None, "AAAA-0001", "punjab", False),),
        files=(
            NewFile("photo", "AgACAgQAAx-kept-file-id", 100, "image/jpeg", "2026-11-28T09:00:00+00:00"),
            NewFile("document", FILE_ID, 200, "application/pdf", "2026-11-28T09:01:00+00:00"),
        ),
    )
    done = Session(flow_id="report", revision=revision.id, lang="en", step=None, status=COMPLETED)
    report_id = await store.commit_step("tg:7", done, report)
    assert report_id is not None
    # One file fetched and kept (its content sealed, its reference gone); the other's reference still sealed.
    files = store.books().files
    first, _ = await files.to_fetch(1_800_000_000.0)
    kept = AuditEntry("2026-11-28T09:30:00+00:00", None, "system", "file_kept", report_id, "punjab", True)
    assert await files.keep(first.id, PICTURE.encode(), "0" * 64, kept)
    draft = Session(
        flow_id="report", revision=revision.id, lang="ur", step="account", status=ACTIVE, answers={"name": DRAFT}
    )
    await store.commit_step("tg:8", draft)
    audit = AuditEntry("2026-11-28T10:00:00+00:00", 5, "officer", "ask", report_id, "punjab", True)
    ask = Outgoing("question", "chat:7", "question:1", report_id, False, {"text": QUESTION})
    cases = CaseBook(store)
    await cases.open_ask(report_id, 5, -1001, None)
    question_id = await cases.ask(report_id, 5, QUESTION, audit, ask)
    assert question_id
    # The citizen's answer is kept with the question, for the desk's thread: sealed like it.
    relay = Outgoing("answer", "queue:punjab", "answer:1", report_id, False, {"text": ANSWER})
    answered = AuditEntry("2026-11-28T11:00:00+00:00", None, "citizen", "answer", report_id, "punjab", True)
    await cases.answer(question_id, report_id, answered, relay)
    # What she adds later (/add) is sealed as well: its text, and its links with the evidence.
    added = AuditEntry("2026-11-28T12:00:00+00:00", None, "citizen", "add_information", report_id, "punjab", True)
    note = Outgoing("addition", "queue:punjab", "addition:1", report_id, False, {"text": ADDITION})
    links = (EvidenceLink(NEW_LINK, "instagram"),)
    assert await cases.add_information(report_id, ADDITION, links, added, note) is not None
    return report_id


async def raw_rows(schema: str) -> dict[str, list[str]]:
    """Every row of every table of the schema as PostgreSQL's text form, read past the store."""
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        return {
            str(t[0]): [str(r[0]) for r in await conn.fetch(f'SELECT t::text FROM "{schema}"."{t[0]}" t')]
            for t in tables
        }
    finally:
        await conn.close()


async def test_the_rows_hold_none_of_it_and_the_store_reads_it_back(schema: str) -> None:
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(new_key()))
    await store.open()
    try:
        report_id = await fill(store)
        found = await store.report_by_reference("AAAA-0001")
        assert found is not None and found.answers["account"] == ACCOUNT and found.evidence[0].url == LINK
        assert found.pin == PIN
        loaded = await store.load_session("tg:8")
        assert loaded is not None and loaded.answers == {"name": DRAFT}
        questions = await store.database.fetch("SELECT id FROM questions")
        assert await CaseBook(store).question(int(questions[0][0])) == (report_id, QUESTION)
    finally:
        await store.close()

    rows = await raw_rows(schema)
    everything = "\n".join(line for lines in rows.values() for line in lines)
    assert "AAAA-0001" in everything  # the check reads the rows: the reference is not sealed
    for planted in PLANTED:
        assert planted not in everything, planted
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        for table, _, column in SEALED:
            values = [
                str(r[0])
                for r in await conn.fetch(f'SELECT {column} FROM "{schema}".{table} WHERE {column} IS NOT NULL')
            ]
            assert values and all(v.startswith("enc1:") for v in values), (table, values)
    finally:
        await conn.close()


async def test_the_wrong_key_fails_when_the_store_opens_and_leaves_no_pool(schema: str) -> None:
    first, second = new_key(), new_key()
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(first))
    await store.open()
    await fill(store)
    await store.close()

    other = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(second))
    with pytest.raises(KeyProblem, match="not configured"):
        await other.open()
    with pytest.raises(RuntimeError, match="not open"):
        other.database.pool  # noqa: B018  # closed on the way out: no connections left behind

    both = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(second, first))
    await both.open()  # the old key among the configured ones opens it
    await both.close()


async def test_an_empty_schema_opens_with_any_key(schema: str) -> None:
    for _ in range(2):
        store = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(new_key()))
        await store.open()
        await store.close()


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DATA_KEY, no DATA_KEY_FILE, and no .env file where key_environment() looks."""
    monkeypatch.delenv("DATA_KEY", raising=False)
    monkeypatch.delenv("DATA_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)


def test_without_a_key_there_is_no_keyring_and_no_key_file_is_made_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    with pytest.raises(ConfigError, match=r"DATA_KEY .*DATA_KEY_FILE"):
        PostgresStore(DATABASE_URL).keyring  # noqa: B018
    assert not any(tmp_path.iterdir())


async def test_without_a_key_the_store_refuses_to_open_naming_what_to_set(
    schema: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    store = PostgresStore(DATABASE_URL, schema=schema)
    with pytest.raises(ConfigError, match=r"DATA_KEY .*DATA_KEY_FILE"):
        await store.open()
    with pytest.raises(RuntimeError, match="not open"):
        store.database.pool  # noqa: B018  # refused before connecting


async def test_the_key_comes_from_data_key_or_data_key_file(
    schema: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    key = new_key()
    monkeypatch.setenv("DATA_KEY", key)
    store = PostgresStore(DATABASE_URL, schema=schema)
    await store.open()
    await fill(store)
    await store.close()

    monkeypatch.delenv("DATA_KEY")
    path = tmp_path / "secrets" / "data.key"
    monkeypatch.setenv("DATA_KEY_FILE", str(path))
    with pytest.raises(KeyProblem, match="no key file"):
        await PostgresStore(DATABASE_URL, schema=schema).open()
    write_key_file(path, [key])
    from_file = PostgresStore(DATABASE_URL, schema=schema)
    await from_file.open()
    try:
        found = await from_file.report_by_reference("AAAA-0001")
        assert found is not None and found.answers["account"] == ACCOUNT and found.pin == PIN
    finally:
        await from_file.close()


async def test_rotation_re_seals_every_value_so_the_old_key_can_go(schema: str) -> None:
    old, new = new_key(), new_key()
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(old))
    await store.open()
    await fill(store)
    await store.close()

    both = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(new, old))
    await both.open()
    changed = await both.reseal(batch=1)  # one value per batch: the paging goes past each key
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
    only_new = PostgresStore(DATABASE_URL, schema=schema, keyring=ring(new))
    await only_new.open()
    try:
        found = await only_new.report_by_reference("AAAA-0001")
        assert found is not None and found.answers["account"] == ACCOUNT and found.evidence[0].url == LINK
        assert await only_new.reseal() == dict.fromkeys(changed, 0)  # running it again changes nothing
    finally:
        await only_new.close()
