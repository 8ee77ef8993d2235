"""The match key: the secret under which connected cases are keyed (``bot/cases/matching.py``).

A key of its own, apart from the data key: ``keys rotate`` changes the data key and must leave every
match in place, and a match key never seals anything, so it is never rotated. It comes from
``MATCH_KEY`` (one base64 key of 32 bytes, as ``main.py keys new`` makes), else ``MATCH_KEY_FILE``,
else, for SQLite, the file ``<database>.matchkey`` created owner-only beside the database on first use.

PostgreSQL has no file beside it and its instances must share one key: there ``MATCH_KEY`` or
``MATCH_KEY_FILE`` is the only source. Without either the bot still runs (a victim's report must never
wait on this), connected cases are off, and every start says so in its log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from bot.store.keyring import KeyProblem, new_key, parse_keys, write_key_file

log = logging.getLogger(__name__)

NAMES = ("MATCH_KEY", "MATCH_KEY_FILE")


def match_key_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".matchkey")


def _one(raw: str, source: str) -> bytes:
    keys = parse_keys(raw, source)
    if len(keys) != 1:
        raise KeyProblem(f"{source}: one key, not {len(keys)} (a match key is never rotated)")
    return keys[0]


def _from_settings(environ: Mapping[str, str]) -> bytes | None:
    if environ.get("MATCH_KEY", "").strip():
        return _one(environ["MATCH_KEY"], "MATCH_KEY")
    if environ.get("MATCH_KEY_FILE", "").strip():
        path = Path(environ["MATCH_KEY_FILE"].strip())
        if not path.is_file():
            raise KeyProblem(f"MATCH_KEY_FILE {path}: no such file")
        return _one(path.read_text(encoding="ascii"), str(path))
    return None


def load_match_key(database: Path, environ: Mapping[str, str], *, create: bool = True) -> bytes:
    """``MATCH_KEY``, else ``MATCH_KEY_FILE``, else ``<database>.matchkey`` (created when missing, unless
    the database already holds match keys: a new key would silently part every new report from them)."""
    if environ.get("MATCH_KEY", "").strip():
        return _one(environ["MATCH_KEY"], "MATCH_KEY")
    if str(database) == ":memory:" and not environ.get("MATCH_KEY_FILE", "").strip():
        return os.urandom(32)  # a database that ends with the process: its matches end with it
    # MATCH_KEY_FILE is created where it says when missing, as DATA_KEY_FILE is (a container keeps both
    # on its /keys volume, apart from the database's).
    named = environ.get("MATCH_KEY_FILE", "").strip()
    path = Path(named) if named else match_key_file_for(database)
    if not path.exists():
        if not create:
            raise KeyProblem(f"{path}: no match key file and MATCH_KEY is not set")
        if _holds_keys(database):
            raise KeyProblem(
                f"{path}: the match key file is missing, but {database} already holds connected cases. Restore "
                "the file from its backup, or set MATCH_KEY or MATCH_KEY_FILE to where the key is."
            )
        write_key_file(path, [new_key()])
        log.warning("created a new match key in %s (owner-only); back it up with the data key", path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s can be read by other users (mode %o); chmod 600 it", path, mode)
    return _one(path.read_text(encoding="ascii"), str(path))


def postgres_match_key(environ: Mapping[str, str]) -> bytes | None:
    """The PostgreSQL store's match key from the settings, or None (connected cases off, said in the log)."""
    given = _from_settings(environ)
    if given is None:
        log.warning(
            "MATCH_KEY is not set: connected cases (other reports naming the same account) are off. Set MATCH_KEY "
            "(make one with 'main.py keys new') or MATCH_KEY_FILE, the same on every instance."
        )
    return given


def _holds_keys(database: Path) -> bool:
    if str(database) == ":memory:" or not database.is_file() or database.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'case_keys'").fetchone()
            return found is not None and conn.execute("SELECT 1 FROM case_keys LIMIT 1").fetchone() is not None
    except sqlite3.DatabaseError:
        return False  # not ours, or locked: the store's own open says what is wrong with it
