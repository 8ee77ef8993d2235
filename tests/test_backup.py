"""``main.py backup`` and ``restore`` (bot/cli/backup.py, bot/store/sqlite/backup.py) on real files: the
rotation of scheduled backups, owner-only checked copies, refusals that change nothing, the replaced
database kept aside, pg_dump for PostgreSQL, and the drill: a backup taken during a burst of submissions
restores every report that was committed before it began, and they all decrypt."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.cli.backup import pg_dump_command
from bot.engine.session import COMPLETED, Session
from bot.store.keyring import Keyring, key_file_for, new_key, parse_keys
from bot.store.records import EvidenceLink, NewReport, StoredReport
from bot.store.sqlite.backup import BackupFailed, backup_sqlite, rotate, scheduled_name
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SqliteStore
from main import main
from tests.store.postgres.server import DATABASE_URL, drop_schema, new_schema

Capture = pytest.CaptureFixture[str]
SESSION = Session(flow_id="report", revision=1, lang="en", status=COMPLETED, step=None, id="s")


def answers_of(n: int) -> dict[str, Any]:
    # A marker per report: found in the clear in a file, it would mean something was not sealed.
    return {"account": f"@blackmailer{n}", "description": f"secret-marker-{n} he threatens to post my photos"}


def new_report(n: int) -> NewReport:
    return NewReport(
        reference=f"DRIL-{n:04d}",
        pin="-",
        flow_id="report",
        revision_id=1,
        chat_key=f"tg:{700_000 + n}",
        language="en",
        category="blackmail",
        province="punjab",
        minor=False,
        answers=answers_of(n),
        evidence=(EvidenceLink(f"https://www.facebook.com/fake.{n}", "facebook"),),
        queue="punjab",
    )


async def submit(store: SqliteStore, n: int) -> None:
    report = new_report(n)
    await store.commit_step(report.chat_key or "", SESSION, report)


async def make_db(db: Path, count: int, start: int = 0) -> None:
    """A database with ``count`` reports, its key from DATA_KEY (or the key file beside it)."""
    store = SqliteStore(db)
    await store.open()
    try:
        if await store.live_revision("report") is None:
            await store.publish("report", "spec_version: 1\nid: report\n", "test")
        for n in range(start, start + count):
            await submit(store, n)
    finally:
        await store.close()


async def read_all(db: Path, key: str) -> list[StoredReport]:
    store = SqliteStore(db, keyring=Keyring(parse_keys(key, "test"), "test"))
    await store.open()
    try:
        return await store.reports_where("1 = 1")  # every report, answers and evidence decrypted
    finally:
        await store.close()


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own refusals
        return int(exc.code or 0)


def copy_files(files: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.name).write_bytes(file.read_bytes())


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """DATA_KEY set, no DATABASE_URL, and no .env of the checkout read (the working directory is tmp_path)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATA_KEY_FILE", raising=False)
    value = new_key()
    monkeypatch.setenv("DATA_KEY", value)
    return value


@pytest.fixture
def db(key: str, tmp_path: Path) -> Path:
    path = tmp_path / "data" / "bot.sqlite3"
    asyncio.run(make_db(path, 5))
    return path


# ---- rotation --------------------------------------------------------------------------------------------


def test_rotate_keeps_the_newest_and_touches_nothing_else(tmp_path: Path) -> None:
    start = datetime(2026, 11, 28, 23, 0, 0, tzinfo=UTC)
    names = [scheduled_name(start + timedelta(hours=h)) for h in range(5)]
    assert names[0] == "bot-20261128-230000.sqlite3" and names[1] == "bot-20261129-000000.sqlite3"
    for age, name in enumerate(names):
        (tmp_path / name).write_bytes(b"backup")
        # Files' times the other way round: the names say which backup is newest, not the clock of a copy.
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))
    others = [
        "bot-latest.sqlite3",
        "bot-20261128-230000.sqlite3.key",
        ".bot-20261101-000000.sqlite3.x1.partial",
        "other-20260101-000000.sqlite3",
        "bot-2026112-230000.sqlite3",
        "notes.txt",
    ]
    for name in others:
        (tmp_path / name).write_bytes(b"keep me")
    (tmp_path / "bot-20200101-000000.sqlite3").mkdir()  # a folder with the name is not a backup

    deleted = rotate(tmp_path, keep=2)

    assert deleted == [tmp_path / name for name in names[:3]]
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {*names[3:], *others, "bot-20200101-000000.sqlite3"}
    assert rotate(tmp_path, keep=2) == []
    with pytest.raises(ValueError):
        rotate(tmp_path, keep=0)


def test_rotate_with_another_prefix_and_local_times_named_in_utc(tmp_path: Path) -> None:
    karachi = datetime(2026, 11, 29, 9, 0, 0, tzinfo=timezone(timedelta(hours=5)))
    assert scheduled_name(karachi, prefix="nightly-") == "nightly-20261129-040000.sqlite3"
    for day in (1, 2, 3):
        (tmp_path / f"nightly-2026110{day}-000000.sqlite3").write_bytes(b"")
        (tmp_path / f"bot-2026110{day}-000000.sqlite3").write_bytes(b"")
    assert rotate(tmp_path, keep=1, prefix="nightly-") == [
        tmp_path / "nightly-20261101-000000.sqlite3",
        tmp_path / "nightly-20261102-000000.sqlite3",
    ]
    assert len(list(tmp_path.glob("bot-*"))) == 3


# ---- backup ----------------------------------------------------------------------------------------------


def test_a_backup_is_owner_only_checked_sealed_and_one_file(db: Path, tmp_path: Path, capsys: Capture) -> None:
    dest = tmp_path / "backups" / "first.sqlite3"
    old = os.umask(0o022)  # the usual umask: a file made the ordinary way would be readable by all
    try:
        assert run(["backup", str(dest), "--db", str(db)]) == 0
    finally:
        os.umask(old)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"backing up {db} to {dest}",
        f"{dest}: 5 reports, integrity ok, 0600; the data key {data_key_id()} is in DATA_KEY: "
        "keep a copy of it apart from this backup",
    ]
    assert dest.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in dest.parent.iterdir()] == ["first.sqlite3"]  # no -wal, -journal or partial left
    with closing(sqlite3.connect(dest)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (5,)
    content = dest.read_bytes()
    assert b"secret-marker-" not in content and b"facebook.com/fake" not in content  # sealed as in the database


def data_key_id() -> str:
    return Keyring(parse_keys(os.environ["DATA_KEY"], "DATA_KEY")).current


def test_a_backup_names_the_key_file_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATA_KEY", raising=False)
    monkeypatch.delenv("DATA_KEY_FILE", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = tmp_path / "data" / "bot.sqlite3"
    asyncio.run(make_db(db, 2))  # the key file is created beside it
    dest = tmp_path / "b.sqlite3"
    assert run(["backup", str(dest), "--db", str(db)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith(f"is in {key_file_for(db)}: keep a copy of it apart from this backup")
    assert b"secret-marker-" not in dest.read_bytes()


def test_a_backup_refuses_an_existing_file_unless_forced(db: Path, tmp_path: Path, capsys: Capture) -> None:
    dest = tmp_path / "kept.sqlite3"
    dest.write_bytes(b"an older backup")
    assert run(["backup", str(dest), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{dest} exists: choose another name, or --force to replace it\n"
    assert dest.read_bytes() == b"an older backup"
    with pytest.raises(BackupFailed, match="exists"):
        asyncio.run(backup_sqlite(db, dest))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kept.sqlite3"]  # no partial file left

    assert run(["backup", str(dest), "--db", str(db), "--force"]) == 0
    with closing(sqlite3.connect(dest)) as conn:
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (5,)
    assert dest.stat().st_mode & 0o777 == 0o600


def test_a_backup_of_what_is_not_a_database_of_ours_leaves_nothing(key: str, tmp_path: Path, capsys: Capture) -> None:
    missing = tmp_path / "nothing.sqlite3"
    assert run(["backup", str(tmp_path / "b1"), "--db", str(missing)]) == 1
    assert capsys.readouterr().err == f"{missing}: no such database\n"
    assert not missing.exists()

    stranger = tmp_path / "stranger.sqlite3"
    with closing(sqlite3.connect(stranger)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    assert run(["backup", str(tmp_path / "b2"), "--db", str(stranger)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "not one of this bot (no reports table)" in captured.err

    text = tmp_path / "text.sqlite3"
    text.write_text("hello, this is not SQLite " * 100)
    assert run(["backup", str(tmp_path / "b3"), "--db", str(text)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"{text}: not a SQLite database (file is not a database)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stranger.sqlite3", "text.sqlite3"]


# Another process writing to the database as fast as it can, until the file named second appears: the bot,
# or anything else with a connection of its own (in another process, so the GIL does not pace it).
WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA busy_timeout=5000")
n = 0
while not os.path.exists(sys.argv[2]):
    n += 1
    conn.execute("INSERT INTO chat_messages VALUES ('busy', ?, 0)", (n,))
    if n == 50:
        print("writing", flush=True)
conn.close()
"""


def test_a_backup_finishes_while_another_process_writes_without_pause(db: Path, tmp_path: Path) -> None:
    """SQLite restarts a stepped backup whenever another connection commits between two steps: without a
    snapshot held for the whole copy, a writer this busy keeps it from ever finishing."""
    with closing(sqlite3.connect(db)) as conn:
        conn.executemany(
            "INSERT INTO chat_messages (chat_key, message_id, sent_at) VALUES (?, ?, 0)",
            ((f"ballast:{n:06d}" + "x" * 200, n) for n in range(5000)),
        )  # a few hundred pages: hundreds of one-page steps
        conn.commit()
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"

        async def backup() -> tuple[int, bool]:
            copy = asyncio.create_task(backup_sqlite(db, tmp_path / "busy.sqlite3", pages=1))
            finished, _ = await asyncio.wait([copy], timeout=20)
            stop.touch()  # a copy that was restarting over and over finishes once the writer stops
            return await copy, bool(finished)

        count, in_time = asyncio.run(backup())
        assert writer.wait(timeout=30) == 0
    finally:
        stop.touch()
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        if writer.stdout is not None:
            writer.stdout.close()
    assert in_time, "the backup did not finish while another process kept writing"
    assert count == 5
    with closing(sqlite3.connect(tmp_path / "busy.sqlite3")) as conn:
        copied = conn.execute("SELECT count(*) FROM chat_messages WHERE chat_key = 'busy'").fetchone()[0]
    with closing(sqlite3.connect(db)) as conn:
        written = conn.execute("SELECT count(*) FROM chat_messages WHERE chat_key = 'busy'").fetchone()[0]
    assert 50 <= copied < written  # the database as of the moment the copy began, not as of its end


# ---- restore ---------------------------------------------------------------------------------------------


@pytest.fixture
def backup(db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "backups" / "bot-20261128-120000.sqlite3"
    asyncio.run(backup_sqlite(db, path))
    return path


def test_restore_refuses_a_file_that_is_not_a_database(db: Path, tmp_path: Path, capsys: Capture) -> None:
    before = files_in(db.parent)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"definitely not a database\n" * 200)
    assert run(["restore", str(junk), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"{junk}: not a SQLite database (file is not a database)\n"
    assert files_in(db.parent) == before  # the database as it was, no partial copy, nothing moved aside

    stranger = tmp_path / "stranger.sqlite3"
    with closing(sqlite3.connect(stranger)) as conn:
        conn.execute("CREATE TABLE reports (x)")  # a reports table, but no schema version: not ours
        conn.commit()
    assert run(["restore", str(stranger), "--db", str(db)]) == 1
    assert "not one of this bot" in capsys.readouterr().err
    assert files_in(db.parent) == before


def test_restore_refuses_a_backup_the_configured_key_cannot_open(
    db: Path, backup: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    before = files_in(db.parent)
    mine = data_key_id()
    monkeypatch.setenv("DATA_KEY", new_key())
    assert run(["restore", str(backup), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"{backup} does not open with key ") and "from DATA_KEY" in captured.err
    assert f"with key {data_key_id()} from DATA_KEY" in captured.err and mine in captured.err  # sealed with mine
    assert files_in(db.parent) == before


def test_restore_into_a_fresh_folder_needs_the_key_in_place_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATA_KEY", "DATA_KEY_FILE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "data" / "bot.sqlite3"
    asyncio.run(make_db(db, 3))
    saved = tmp_path / "saved" / "bot.sqlite3"
    asyncio.run(backup_sqlite(db, saved))
    key_file_for(saved).write_bytes(key_file_for(db).read_bytes())  # the key kept beside the backup

    target = tmp_path / "new" / "bot.sqlite3"
    assert run(["restore", str(saved), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "put the key in place first" in err and str(key_file_for(saved)) in err
    assert not target.parent.exists()

    target.parent.mkdir()
    key_file_for(target).write_bytes(key_file_for(saved).read_bytes())
    assert run(["restore", str(saved), "--db", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"{target}: 3 reports, 0600; start the bot again"


def test_restore_keeps_the_replaced_database_aside(
    key: str, db: Path, backup: Path, tmp_path: Path, capsys: Capture
) -> None:
    asyncio.run(make_db(db, 4, start=100))  # the database moved on after the backup: 9 reports
    assert run(["restore", str(backup), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    asides = sorted(db.parent.glob("bot.sqlite3.replaced-*"))
    assert len(asides) == 1 and asides[0].name[len("bot.sqlite3.replaced-") :].replace("-", "").isdigit()
    assert out == [
        f"restored {backup} into {db}: integrity ok, schema version {len(MIGRATIONS)}, "
        f"opens with key {data_key_id()} from DATA_KEY",
        f"{db}: the database that was there is kept as {asides[0]}",
        f"{db}: 5 reports, 0600; start the bot again",
    ]
    assert len(asyncio.run(read_all(asides[0], key))) == 9
    assert [r.reference for r in asyncio.run(read_all(db, key))] == [f"DRIL-{n:04d}" for n in range(5)]
    assert db.stat().st_mode & 0o777 == 0o600
    assert backup.exists()  # a restore copies the backup; it stays for the next time

    assert run(["restore", str(backup), "--db", str(db)]) == 0  # twice in a second: a name of its own
    assert len(list(db.parent.glob("bot.sqlite3.replaced-*"))) == 2


def test_restore_refuses_while_the_bot_writes_and_force_moves_a_crash_left_wal_along(
    key: str, db: Path, backup: Path, tmp_path: Path, capsys: Capture
) -> None:
    async def crash_image(crashed: Path) -> None:
        """The bot's files as a crash leaves them: committed reports still in the -wal."""
        store = SqliteStore(db)
        await store.open()
        try:
            for n in range(200, 203):
                await submit(store, n)
            wal = db.with_name(db.name + "-wal")
            assert wal.stat().st_size > 0
            before = files_in(db.parent)
            assert await asyncio.to_thread(run, ["restore", str(backup), "--db", str(db)]) == 1  # the bot runs
            assert files_in(db.parent) == before
            await asyncio.to_thread(copy_files, [db, wal], crashed.parent)
        finally:
            await store.close()

    crashed = tmp_path / "crashed" / "bot.sqlite3"
    asyncio.run(crash_image(crashed))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "looks in use" in err and "Stop the bot" in err

    assert run(["restore", str(backup), "--db", str(crashed)]) == 1
    assert run(["restore", str(backup), "--db", str(crashed), "--force"]) == 0
    capsys.readouterr()
    (aside,) = crashed.parent.glob("bot.sqlite3.replaced-*[0-9]")
    assert aside.with_name(aside.name + "-wal").exists() and not crashed.with_name("bot.sqlite3-wal").exists()
    assert len(asyncio.run(read_all(aside, key))) == 8  # the reports in the -wal were kept with it
    assert len(asyncio.run(read_all(crashed, key))) == 5


def test_restore_on_postgresql_points_to_pg_restore(
    db: Path, backup: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    before = files_in(db.parent)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:s3cret@db.example:5432/bot")
    assert run(["restore", str(backup)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pg_restore --clean --dbname" in err and "s3cret" not in err
    assert files_in(db.parent) == before


# ---- PostgreSQL ------------------------------------------------------------------------------------------


@pytest.fixture
def schema() -> Iterator[str]:
    name = new_schema()

    async def create() -> None:
        conn = await asyncpg.connect(DATABASE_URL)
        try:
            await conn.execute(f'CREATE SCHEMA "{name}"')
            await conn.execute(f'CREATE TABLE "{name}".reports (id int)')
            await conn.execute(f'INSERT INTO "{name}".reports VALUES (1), (2)')
        finally:
            await conn.close()

    asyncio.run(create())
    try:
        yield name
    finally:
        asyncio.run(drop_schema(name))


def test_a_postgresql_backup_is_a_pg_dump_of_the_bots_schema(
    key: str, schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    # A password in the URL (trust authentication ignores it): never printed, never on pg_dump's command line.
    url = DATABASE_URL.replace("postgres@", "postgres:s3cret@", 1) + f"?search_path={schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    dest = tmp_path / "pg" / "bot.dump"
    assert run(["backup", str(dest)]) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert "s3cret" not in captured.out + captured.err
    assert out[0] == f"backing up {url.replace(':s3cret@', ':***@')} to {dest}"
    assert "pg_dump's custom format, 0600; the data key" in out[1] and "is in DATA_KEY" in out[1]
    assert dest.stat().st_mode & 0o777 == 0o600 and dest.read_bytes()[:5] == b"PGDMP"
    listing = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True, check=True).stdout
    assert f"TABLE {schema} reports" in listing

    argv, env = pg_dump_command("pg_dump", url, dest)
    assert "s3cret" not in " ".join(argv) and env["PGPASSWORD"] == "s3cret"
    assert argv[argv.index("--schema") + 1] == schema and "search_path" not in argv[-1]

    assert run(["backup", str(dest)]) == 1
    assert capsys.readouterr().err == f"{dest} exists: choose another name, or --force to replace it\n"


def test_a_postgresql_backup_without_pg_dump_says_so(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db.example:5432/bot")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    assert run(["backup", str(tmp_path / "bot.dump")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "pg_dump is not installed" in captured.err
    assert not (tmp_path / "bot.dump").exists()


# ---- the drill -------------------------------------------------------------------------------------------

BURST = 300  # reports submitted during the drill
CITIZENS = 30  # concurrent conversations submitting them
BACKUP_AFTER = 60  # committed reports when the backup starts


async def burst_with_a_backup(live: Path, dest: Path) -> tuple[set[str], int, int]:
    """Submit BURST reports from concurrent tasks on one store, and take a backup in the middle of it.
    Returns the references committed before the backup began, the backup's count, and how many reports
    were committed while it ran."""
    store = SqliteStore(live)
    await store.open()
    await store.publish("report", "spec_version: 1\nid: report\n", "test")
    committed: list[str] = []
    enough = asyncio.Event()

    async def citizen(numbers: range) -> None:
        for n in numbers:
            await submit(store, n)
            committed.append(new_report(n).reference)
            if len(committed) >= BACKUP_AFTER:
                enough.set()

    try:
        citizens = [asyncio.create_task(citizen(range(k, BURST, CITIZENS))) for k in range(CITIZENS)]
        await enough.wait()
        before = set(committed)
        backup = asyncio.create_task(backup_sqlite(live, dest, pages=4))
        ended: list[int] = []
        backup.add_done_callback(lambda _: ended.append(len(committed)))
        count = await backup  # meanwhile the event loop goes on serving the citizens
        during = ended[0] - len(before)
        await asyncio.gather(*citizens)
    finally:
        await store.close()
    assert len(committed) == BURST
    return before, count, during


def test_drill_a_backup_taken_during_a_burst_restores_every_report_committed_before_it(
    key: str, tmp_path: Path, capsys: Capture
) -> None:
    live = tmp_path / "live" / "bot.sqlite3"
    dest = tmp_path / "backups" / scheduled_name(datetime.now(UTC))
    before, count, during = asyncio.run(burst_with_a_backup(live, dest))
    assert len(before) >= BACKUP_AFTER
    assert len(before) <= count < BURST  # a snapshot taken mid-burst: not empty, not the end state
    assert during > 0, "no report was committed while the backup ran: the drill did not overlap them"

    fresh = tmp_path / "elsewhere" / "bot.sqlite3"  # another machine: nothing there yet
    assert run(["restore", str(dest), "--db", str(fresh)]) == 0  # the same DATA_KEY
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"restored {dest} into {fresh}: integrity ok")
    assert out[1:] == [f"{fresh}: {count} reports, 0600; start the bot again"]  # nothing was there to replace

    restored = asyncio.run(read_all(fresh, key))  # opens every report: answers and evidence decrypted
    by_reference = {r.reference: r for r in restored}
    assert len(restored) == count == len(by_reference)
    assert before <= set(by_reference)
    for reference, report in by_reference.items():
        n = int(reference.split("-")[1])
        assert report.answers == answers_of(n)
        assert report.evidence == (EvidenceLink(f"https://www.facebook.com/fake.{n}", "facebook"),)
    with closing(sqlite3.connect(fresh)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert len(asyncio.run(read_all(live, key))) == BURST  # the live database went on to the end
