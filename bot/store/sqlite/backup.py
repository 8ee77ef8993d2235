"""Backups of the SQLite database and the way back from one, for ``main.py backup`` / ``restore`` and the
bot's scheduled backups (bot/telegram/backups.py).

A backup is made with SQLite's online backup API, page by page, inside one read transaction, so it is
consistent while the bot goes on writing; it holds what is on disk, sealed values still sealed, and never
the data key. Nothing here prints: the callers say what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.store.keyring import PREFIX, KeyProblem, Keyring
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SEALED, SqliteStore

# Pages copied per step of the online backup (4 MiB at SQLite's default page size): each step is a short
# trip, and the copy can be watched or interrupted between two.
PAGES_PER_STEP = 1024
SUFFIX = ".sqlite3"


class BackupFailed(Exception):
    """A backup or a restore refused or failed; the message says why in one line."""


@dataclasses.dataclass(frozen=True)
class Restored:
    reports: int
    schema_version: int
    replaced: Path | None  # where the database that was there went, if one was


# ---- backup ----------------------------------------------------------------------------------------------


async def backup_sqlite(db: Path, dest: Path, *, force: bool = False, pages: int = PAGES_PER_STEP) -> int:
    """Copy the SQLite database ``db`` to ``dest`` while the bot may be writing to it; returns the number of
    reports in the copy.

    The copy runs on a thread of its own, so a running event loop goes on serving citizens. ``dest`` is
    owner-only (0600) from its first byte, written under a temporary name beside it and renamed into place
    once it passed ``PRAGMA integrity_check``: a file named ``dest`` is always a whole, checked backup. It is
    a single file (no -wal beside it). Raises ``BackupFailed`` when ``db`` is missing or not this bot's, when
    ``dest`` exists (unless ``force``) or when the copy fails its check; ``sqlite3.Error`` or ``OSError``
    when reading or writing fails. Prints nothing."""
    return await asyncio.to_thread(_backup, Path(db), Path(dest), force, pages)


def _backup(db: Path, dest: Path, force: bool, pages: int) -> int:
    refuse_before_copying(db, dest, force)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = private_file_beside(dest)
    try:
        with (
            contextlib.closing(_connect_existing(db)) as source,
            contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy,
        ):
            try:
                # One read transaction around every step: the copy is the database as of this moment.
                # Without it SQLite restarts a stepped backup from its first page whenever another
                # connection commits between two steps, and a busy bot would keep it from ever finishing.
                # In WAL mode (the bot's) a reader does not hold writers back.
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchone()
                source.backup(copy, pages=pages)
            except sqlite3.DatabaseError as exc:
                raise BackupFailed(f"copying {db}: {exc}") from None
            finally:
                with contextlib.suppress(sqlite3.Error):
                    source.execute("COMMIT")  # reads only: ends the snapshot, so checkpoints can go on
            # The copy's header says WAL, as the bot's database does: back to a rollback journal, so the
            # backup is one self-contained file (the bot turns WAL on again when it opens a restored one).
            copy.execute("PRAGMA journal_mode=DELETE")
            count = _checked(copy, f"the copy of {db}")
        sync_file(partial)
        refuse_existing(dest, force)  # again: something may have appeared there during the copy
        os.replace(partial, dest)
        sync_folder(dest.parent)
    except BaseException:
        remove_partial(partial)
        raise
    return count


def refuse_before_copying(db: Path, dest: Path, force: bool) -> None:
    """What needs no copy to be refused: no file is written, and the command says it in one line."""
    if not db.is_file():  # sqlite3.connect would create an empty database
        raise BackupFailed(f"{db}: no such database")
    if dest.exists() and dest.resolve() == db.resolve():
        raise BackupFailed(f"{dest} is the database itself: write the backup elsewhere")
    refuse_existing(dest, force)
    try:
        with contextlib.closing(_connect_existing(db)) as conn:
            ours = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reports'").fetchone()
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise BackupFailed(f"{db}: not a SQLite database ({exc})") from None
    if ours is None:
        raise BackupFailed(f"{db}: a SQLite database, but not one of this bot (no reports table)")


def _checked(conn: sqlite3.Connection, what: str) -> int:
    """The number of reports of a copy, once ``PRAGMA integrity_check`` found nothing wrong in it."""
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{what}: {exc}") from None
    if problems != ["ok"]:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BackupFailed(f"{what} fails its integrity check: {problems[0]}{more}")
    try:
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])
    except sqlite3.OperationalError:
        raise BackupFailed(f"{what} is not a database of this bot (no reports table)") from None


def rotate(folder: Path, keep: int, prefix: str = "bot-") -> list[Path]:
    """Delete the oldest scheduled backups in ``folder`` (named by ``scheduled_name`` with this ``prefix``),
    keeping the newest ``keep``; returns the paths deleted, oldest first. No other file is touched. The
    names give the order (their time stamps sort as text), not the files' times, which a copy changes."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}: rotation never deletes the newest backup")
    doomed = [path for _, path in scheduled(folder, prefix)][:-keep]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def scheduled(folder: Path, prefix: str = "bot-") -> list[tuple[datetime, Path]]:
    """The scheduled backups in ``folder`` (files named by ``scheduled_name``), oldest first, with the
    time each was taken, read from its name."""
    pattern = re.compile(re.escape(prefix) + r"(\d{8}-\d{6})" + re.escape(SUFFIX))
    found = []
    for path in Path(folder).iterdir():
        match = pattern.fullmatch(path.name)
        if match is not None and path.is_file():
            found.append((datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC), path))
    return sorted(found)


def scheduled_name(now: datetime, prefix: str = "bot-") -> str:
    """``bot-YYYYMMDD-HHMMSS.sqlite3``, the name of a scheduled backup taken at ``now``. An aware time is
    written in UTC, so that the names sort in time order across daylight-saving changes."""
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return f"{prefix}{now:%Y%m%d-%H%M%S}{SUFFIX}"


# ---- restore ---------------------------------------------------------------------------------------------


async def restore_sqlite(backup: Path, db: Path, keyring: Keyring) -> Restored:
    """Put the backup ``backup`` in place of the SQLite database ``db``, once it proved whole and readable.

    The backup is copied beside ``db`` (0600, under a temporary name) and checked there: a SQLite database
    of this bot, not newer than this code, passing its integrity check, every sealed value's key in
    ``keyring`` and the newest report decrypting. Only then is the database that was at ``db`` (with its
    -wal and -shm) moved aside to ``<db>.replaced-YYYYMMDD-HHMMSS`` (never deleted), and the copy renamed
    into place. A refusal (``BackupFailed``) leaves ``db`` as it was. The bot must be stopped: see
    ``main``. Prints nothing."""
    folder_made = not db.parent.exists()
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = private_file_beside(db)
    try:
        await asyncio.to_thread(_copy_bytes, backup, partial)
        await asyncio.to_thread(_check_backup_file, partial, backup)
        reports, version = await _open_with_key(partial, backup, keyring)
        await asyncio.to_thread(_single_file, partial)
        replaced = _move_aside(db)
        os.replace(partial, db)
        sync_folder(db.parent)
    except BaseException:
        remove_partial(partial)
        if folder_made:
            with contextlib.suppress(OSError):
                db.parent.rmdir()
        raise
    return Restored(reports, version, replaced)


def _copy_bytes(source: Path, dest: Path) -> None:
    with source.open("rb") as src, dest.open("wb") as out:  # "wb" on the file made 0600: its mode stays
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _check_backup_file(copy: Path, backup: Path) -> None:
    """Refuse what is not a whole SQLite database of this bot, before the store opens it (and would
    migrate it: a stranger's database would get our tables)."""
    try:
        with contextlib.closing(sqlite3.connect(copy, isolation_level=None)) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version < 1 or "reports" not in tables:
                raise BackupFailed(f"{backup}: a SQLite database, but not one of this bot (no reports table)")
            if version > len(MIGRATIONS):
                raise BackupFailed(
                    f"{backup}: schema version {version} is newer than this code's ({len(MIGRATIONS)}): "
                    "restore it with the version of the bot that made it"
                )
            _checked(conn, str(backup))
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise BackupFailed(f"{backup}: not a SQLite database ({exc})") from None


async def _open_with_key(copy: Path, backup: Path, keyring: Keyring) -> tuple[int, int]:
    """(reports, schema version) of the copy, opened as the bot would open it with ``keyring``."""
    store = SqliteStore(copy, keyring=keyring)
    try:
        await store.open()  # migrates an older backup, and opens the newest sealed value of every column
    except KeyProblem as exc:
        raise BackupFailed(f"{backup} does not open with key {keyring.current} from {keyring.source}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{backup}: {exc}") from None
    try:
        await _refuse_unknown_keys(store, backup, keyring)
        # The newest report read whole: its answers and evidence links decrypted, as the bot will.
        await store.reports_where("1 = 1", limit=1, order="id DESC")
        return await store.count_reports(), await store.schema_version()
    except KeyProblem as exc:
        raise BackupFailed(f"{backup}: {exc}") from None
    finally:
        await store.close()


async def _refuse_unknown_keys(store: SqliteStore, backup: Path, keyring: Keyring) -> None:
    """The store's check at open tries the newest value of each column only; an older value sealed with a
    key that is not configured (a rotation left half done) would fail later, in a citizen's conversation."""
    start = len(PREFIX) + 1
    missing: set[str] = set()
    for table, _, column in SEALED:
        rows = await store.database.fetchall(
            f"SELECT DISTINCT substr({column}, {start}, instr(substr({column}, {start}), ':') - 1) "
            f"FROM {table} WHERE {column} LIKE '{PREFIX}%'"
        )
        missing.update(str(kid) for (kid,) in rows if str(kid) not in keyring.ids)
    if missing:
        raise BackupFailed(
            f"{backup} holds values sealed with key(s) {', '.join(sorted(missing))}, which {keyring.source} "
            "does not hold: configure them too (DATA_KEY=new,old), then restore"
        )


def _single_file(path: Path) -> None:
    """Fold the copy's -wal into it and leave a rollback journal, so that renaming the one file moves it
    all (the bot turns WAL on again when it opens it)."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    sync_file(path)


def _move_aside(db: Path) -> Path | None:
    """Move the database at ``db``, with the -wal, -shm or -journal beside it, to a name of its own: a
    -wal a crash left behind still holds committed reports, and SQLite finds it by the database's name."""
    files = [suffix for suffix in ("", "-wal", "-shm", "-journal") if sidecar(db, suffix).exists()]
    if not files:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside, n = db.with_name(f"{db.name}.replaced-{stamp}"), 1
    while any(sidecar(aside, suffix).exists() for suffix in ("", "-wal", "-shm", "-journal")):
        n += 1
        aside = db.with_name(f"{db.name}.replaced-{stamp}-{n}")
    for suffix in files:
        os.replace(sidecar(db, suffix), sidecar(aside, suffix))
    return aside


# ---- files -----------------------------------------------------------------------------------------------


def refuse_existing(dest: Path, force: bool) -> None:
    if dest.exists() and not force:
        raise BackupFailed(f"{dest} exists: choose another name, or --force to replace it")


def private_file_beside(dest: Path) -> Path:
    """A new empty file in ``dest``'s folder, 0600 from the start (SQLite would make its file 0644 under
    a usual umask, and pg_dump too), named so that neither ``rotate`` nor a reader takes it for a backup.
    In the same folder, so the rename that finishes the job is atomic."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)  # O_EXCL, 0600
    os.close(fd)
    return Path(name)


def _connect_existing(db: Path) -> sqlite3.Connection:
    # mode=rw: a file that vanished is an error, not a new empty database.
    conn = sqlite3.connect(db.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=5000")  # as the bot's own connection waits for a lock
    return conn


def sidecar(db: Path, suffix: str) -> Path:
    return db.with_name(db.name + suffix)


def remove_partial(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            sidecar(path, suffix).unlink(missing_ok=True)


def sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """The rename itself on disk: a power cut after the command said "done" keeps the new name."""
    with contextlib.suppress(OSError):  # not every system can open a folder to fsync it
        sync_file(folder)
