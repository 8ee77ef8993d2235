"""``python main.py keys new|rotate|check``: the data key that seals citizens' reports at rest."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import key_environment
from bot.problems import ConfigError
from bot.store.keyring import KeyProblem, Keyring, key_file_for, new_key, write_key_file

from . import database


def add_parser(sub: argparse._SubParsersAction, default_db: str) -> None:  # type: ignore[type-arg]
    keys = sub.add_parser(
        "keys",
        help="the data key that encrypts reports at rest: new, rotate, check",
        description=(
            "Reports, evidence links, relayed questions and unfinished drafts are encrypted with a data key "
            "from DATA_KEY (comma-separated, newest first) or from a key file (DATA_KEY_FILE, by default "
            "the database's name + '.key'). Keep a copy of the key apart from the database."
        ),
    )
    actions = keys.add_subparsers(dest="keys_command", required=True)
    actions.add_parser("new", help="print a fresh key for DATA_KEY")
    rotate = actions.add_parser(
        "rotate",
        help="re-encrypt everything with a new key",
        description=(
            "With a key file: a new key is added to the file, every value is re-encrypted with it, then the old "
            "key is removed. With DATA_KEY: put the new key first ('keys new', then DATA_KEY=new,old), run "
            "this, then remove the old key. Safe to run while the bot runs, and to run again after a crash."
        ),
    )
    check = actions.add_parser("check", help="say which key is in use and whether it opens the database")
    for action in (rotate, check):
        database.add_arguments(action, default_db)


def main(args: argparse.Namespace) -> int:
    if args.keys_command == "new":
        print(new_key())
        return 0
    url = database.database_url(args.url)
    if not url and not args.db.exists():
        print(f"{args.db}: no such database", file=sys.stderr)
        return 1
    failures: tuple[type[Exception], ...] = (KeyProblem, ConfigError, *database.postgres_errors())
    try:
        if args.keys_command == "check":
            return asyncio.run(_check(args.db, url))
        return asyncio.run(_rotate(args.db, url))
    except failures as exc:
        print(exc, file=sys.stderr)
        return 1


async def _check(db: Path, url: str) -> int:
    ring = database.keyring_for(db, url)
    store, name = database.open_store(db, url, ring)
    await store.open()  # opens the newest sealed value of every column with this ring
    await store.close()
    print(f"{name}: opens with key {ring.current} from {ring.source} ({len(ring.ids)} key(s) configured)")
    return 0


async def _rotate(db: Path, url: str) -> int:
    env = key_environment()
    if env.get("DATA_KEY", "").strip():
        ring = database.keyring_for(db, url)
        if len(ring.ids) < 2:
            print(
                "DATA_KEY holds one key: put a new one first (python main.py keys new), keep the old one "
                "after a comma, run rotate, then remove the old key.",
                file=sys.stderr,
            )
        return await _reseal(db, url, ring)
    old = database.keyring_for(db, url)  # PostgreSQL: refused unless DATA_KEY or DATA_KEY_FILE is set
    path = Path(env["DATA_KEY_FILE"]) if env.get("DATA_KEY_FILE") else key_file_for(db)
    fresh = new_key()
    old_lines = [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
    # The new key goes first while the old ones stay: a crash at any point leaves a file that opens everything.
    write_key_file(path, [fresh, *old_lines])
    ring = database.keyring_for(db, url)
    result = await _reseal(db, url, ring)
    if result == 0:
        write_key_file(path, [fresh])
        print(f"{path}: now holds only key {ring.current}; old key(s) {', '.join(old.ids)} removed")
    return result


async def _reseal(db: Path, url: str, ring: Keyring) -> int:
    store, name = database.open_store(db, url, ring)
    await store.open()
    try:
        print(f"re-encrypting {name} with key {ring.current}…", file=sys.stderr)
        changed = await store.reseal()
    finally:
        await store.close()
    for column, count in changed.items():
        print(f"  {column}: {count} value(s) re-encrypted")
    return 0
