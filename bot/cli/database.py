"""Which database a command works on: PostgreSQL when ``--url`` or DATABASE_URL names one, else the
SQLite file (``--db``). Every command that opens the database names it on its first line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from bot.config import environment, key_environment
from bot.store.keyring import Keyring, load_keyring
from bot.store.sqlite.store import SqliteStore

if TYPE_CHECKING:
    from bot.store.postgres.store import PostgresStore


def add_arguments(parser: argparse.ArgumentParser, default_db: str) -> None:
    """``--db`` and ``--url`` for a command that opens the database."""
    parser.add_argument("--db", type=Path, default=Path(default_db), help=f"SQLite file (default {default_db})")
    parser.add_argument(
        "--url",
        default=None,
        help="a PostgreSQL database, postgresql://user@host:5432/database, instead of the SQLite file "
        "(default: DATABASE_URL, when it is set)",
    )


def database_url(explicit: str | None = None) -> str:
    """``explicit``, else DATABASE_URL as the bot sees it (the .env file, then the environment), else ""."""
    if explicit:
        return explicit.strip()
    return environment().get("DATABASE_URL", "").strip()


def shown(dsn: str) -> str:
    """The DSN without its password, fit to print."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def keyring_for(db: Path, url: str) -> Keyring:
    """The data key of the database: DATA_KEY or DATA_KEY_FILE, or (SQLite only) the file beside it.
    Never a new one: a command must open what is there."""
    if url:
        from bot.store.postgres.store import keyring_from  # asyncpg only when PostgreSQL is used

        return keyring_from(key_environment())
    return load_keyring(db, key_environment(), create=False)


def open_store(db: Path, url: str, keyring: Keyring | None = None) -> tuple[SqliteStore | PostgresStore, str]:
    """The store (not opened yet) and its printable name."""
    if url:
        from bot.store.postgres.store import PostgresStore

        return PostgresStore(url, keyring=keyring or keyring_for(db, url), max_pool=2), shown(url)
    return SqliteStore(db, keyring=keyring), str(db)


def postgres_errors() -> tuple[type[Exception], ...]:
    """PostgreSQL's own errors, to report in one line; none when asyncpg is not installed."""
    try:
        import asyncpg
    except ImportError:
        return ()
    return (asyncpg.PostgresError, asyncpg.InterfaceError)
