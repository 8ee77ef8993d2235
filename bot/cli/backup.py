"""``python main.py backup PATH`` and ``python main.py restore PATH``: a copy of the database that can be
taken while the bot runs, and the way back from one.

A SQLite backup is made by ``bot/store/sqlite/backup.py`` (SQLite's online backup API, consistent while
the bot goes on writing); it holds what is on disk, sealed values still sealed. The data key is not in
it: the command says where the key is, to be kept apart (a backup and its key in one place are as
readable as the database itself). A PostgreSQL database is dumped by ``pg_dump``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from bot.config import key_environment, match_key_environment
from bot.problems import ConfigError
from bot.store.keyring import KeyProblem, Keyring, key_file_for, load_keyring
from bot.store.match_key import match_key_file_for
from bot.store.sqlite.backup import (
    BackupFailed,
    backup_sqlite,
    private_file_beside,
    refuse_before_copying,
    refuse_existing,
    remove_partial,
    restore_sqlite,
    sidecar,
    sync_file,
    sync_folder,
)

from . import database

# libpq's own URI parameters, as its documentation lists them. asyncpg passes any other one as a server
# setting of its sessions, which libpq (pg_dump) would refuse as an invalid URI parameter.
_LIBPQ_PARAMETERS = frozenset(
    """host hostaddr port dbname user passfile connect_timeout client_encoding options application_name
    fallback_application_name keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    sslmode sslcompression sslcert sslkey sslpassword sslrootcert sslcrl sslcrldir sslsni requirepeer
    ssl_min_protocol_version ssl_max_protocol_version gssencmode krbsrvname gsslib service
    target_session_attrs channel_binding require_auth load_balance_hosts""".split()  # noqa: SIM905
)


def _mode(path: Path) -> str:
    return f"{path.stat().st_mode & 0o777:04o}"


# ---- the commands ----------------------------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction, default_db: str) -> None:  # type: ignore[type-arg]
    backup = sub.add_parser(
        "backup",
        help="a consistent copy of the database, safe while the bot runs (the data key is not in it)",
        description=(
            "Copies the SQLite database with SQLite's online backup API while the bot may be writing to it, "
            "checks the copy (integrity check, number of reports) and writes it owner-only (mode 600). "
            "Encrypted values stay encrypted: the data key is not in the backup, and is needed to read "
            "it; keep a copy of the key apart from the backups. With PostgreSQL (--url or DATABASE_URL) "
            "it runs pg_dump --format=custom."
        ),
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the backup file to write")
    database.add_arguments(backup, default_db)
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    restore = sub.add_parser(
        "restore",
        help="put a backup in place of the SQLite database, once it proved readable (stop the bot first)",
        description=(
            "Stop the bot first. The backup is checked before anything changes: a SQLite database of this "
            "bot, passing its integrity check, that the configured data key (DATA_KEY, DATA_KEY_FILE or the "
            "key file beside --db) opens. Then the database at --db, if any, is moved aside to "
            "<db>.replaced-YYYYMMDD-HHMMSS (never deleted) and the backup copied into place, mode 600. "
            "Refused while the database's -wal file holds data (the bot running) unless --force. A "
            "PostgreSQL dump is restored with pg_restore."
        ),
    )
    restore.add_argument("path", type=Path, metavar="PATH", help="the backup file to restore")
    database.add_arguments(restore, default_db)
    restore.add_argument(
        "--force", action="store_true", help="restore although the database's -wal holds data (a bot that crashed)"
    )


def main(args: argparse.Namespace) -> int:
    url = database.database_url(args.url)
    try:
        if args.command == "backup":
            if url:
                return _backup_postgres(url, args.path, args.force)
            return _backup_command(args.db, args.path, args.force)
        if url:
            print(
                f"{database.shown(url)}: restore works on SQLite files; restore a pg_dump file with "
                "pg_restore --clean --dbname URL PATH, the bot stopped",
                file=sys.stderr,
            )
            return 1
        return _restore_command(args.db, args.path, args.force)
    except (BackupFailed, ConfigError, sqlite3.Error, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1


def _backup_command(db: Path, dest: Path, force: bool) -> int:
    refuse_before_copying(db, dest, force)  # before the first line: a refusal is one line
    print(f"backing up {db} to {dest}", flush=True)
    count = asyncio.run(backup_sqlite(db, dest, force=force))
    print(f"{dest}: {count} reports, integrity ok, {_mode(dest)}; {_key_advice(db, '')}")
    return 0


def _key_advice(db: Path, url: str) -> str:
    """Where the data key is, without which the backup cannot be read."""
    try:
        ring = database.keyring_for(db, url)
    except ConfigError as exc:  # KeyProblem included
        return f"no data key found ({exc}): without the key that sealed them, the reports cannot be read"
    advice = f"the data key {ring.current} is in {ring.source}: keep a copy of it apart from this backup"
    # The match key connects reports naming the same abuser (bot/store/match_key.py); a restore without it
    # refuses to start rather than split old reports from new ones.
    env = match_key_environment()
    if env.get("MATCH_KEY"):
        return advice + "; so is the match key, in MATCH_KEY"
    match_file = Path(env["MATCH_KEY_FILE"]) if env.get("MATCH_KEY_FILE") else match_key_file_for(db)
    if url or not match_file.exists():
        return advice
    return advice + f"; and the match key in {match_file}"


def _backup_postgres(url: str, dest: Path, force: bool) -> int:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed(
            "pg_dump is not installed: a PostgreSQL backup needs the PostgreSQL client tools "
            "(e.g. apt-get install postgresql-client)"
        )
    refuse_existing(dest, force)
    where = database.shown(url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    print(f"backing up {where} to {dest}", flush=True)
    partial = private_file_beside(dest)  # pg_dump writes into it, keeping its mode 0600
    try:
        argv, env = pg_dump_command(pg_dump, url, partial)
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise BackupFailed(f"{where}: pg_dump failed: {lines[-1] if lines else f'exit {done.returncode}'}")
        sync_file(partial)
        refuse_existing(dest, force)
        os.replace(partial, dest)
        sync_folder(dest.parent)
    except BaseException:
        remove_partial(partial)
        raise
    print(
        f"{dest}: {dest.stat().st_size} bytes in pg_dump's custom format, {_mode(dest)}; "
        f"{_key_advice(Path('postgresql'), url)}"
    )
    print(f"to restore it, the bot stopped: pg_restore --clean --dbname URL {dest}")
    return 0


def pg_dump_command(pg_dump: str, dsn: str, out: Path) -> tuple[list[str], dict[str, str]]:
    """pg_dump's command line and environment for the bot's DSN. The password goes in PGPASSWORD, not on
    the command line, where ``ps`` shows it to every user; ``?search_path=schema`` (asyncpg's) becomes
    ``--schema``, so the dump holds the bot's schema of a database it may share."""
    parts = urlsplit(dsn)
    env = dict(os.environ)
    credentials, _, host = parts.netloc.rpartition("@")
    user = credentials.partition(":")[0]
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    kept: list[tuple[str, str]] = []
    schema: list[str] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == "search_path":
            first = value.split(",")[0].strip().strip('"')
            if first and not first.startswith("$"):
                schema = ["--schema", first]
        elif name in _LIBPQ_PARAMETERS:
            kept.append((name, value))
    netloc = f"{user}@{host}" if user else host
    clean = urlunsplit(parts._replace(netloc=netloc, query=urlencode(kept)))
    return [pg_dump, "--format=custom", "--file", str(out), *schema, "--dbname", clean], env


def _restore_command(db: Path, backup: Path, force: bool) -> int:
    if not backup.is_file():
        raise BackupFailed(f"{backup}: no such file")
    if db.exists() and backup.resolve() == db.resolve():
        raise BackupFailed(f"{backup} is the database itself")
    wal = sidecar(db, "-wal")
    if not force and wal.exists() and wal.stat().st_size > 0:
        raise BackupFailed(
            f"{db} looks in use: {wal} holds {wal.stat().st_size} bytes. Stop the bot, then restore; if it "
            "has stopped (a crash leaves the -wal behind), --force moves the -wal aside with the database"
        )
    ring = _restore_keyring(db, backup)
    done = asyncio.run(restore_sqlite(backup, db, ring))
    # Printed once done: a refusal is one line, and changed nothing.
    print(
        f"restored {backup} into {db}: integrity ok, schema version {done.schema_version}, "
        f"opens with key {ring.current} from {ring.source}"
    )
    if done.replaced is not None:
        print(f"{db}: the database that was there is kept as {done.replaced}")
    print(f"{db}: {done.reports} reports, {_mode(db)}; start the bot again")
    return 0


def _restore_keyring(db: Path, backup: Path) -> Keyring:
    """The key the bot will use on ``db``: the one the backup must open with. Never a new one."""
    try:
        return load_keyring(db, key_environment(), create=False)
    except KeyProblem as exc:
        beside = key_file_for(backup)
        if beside.exists():
            raise BackupFailed(
                f"{exc}. {beside} is beside the backup: put the key in place first (copy it to "
                f"{key_file_for(db)}, or set DATA_KEY_FILE), then restore"
            ) from None
        raise BackupFailed(f"{exc}: the key that sealed the backup is needed to check it and to run the bot") from None
