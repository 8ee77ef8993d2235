"""The commands: ``python main.py …`` in a checkout, ``harassment-bot …`` where the package is installed
(run, console, flows, migrate, export, keys, copy-store, backup, restore, health; ``--help`` on each).

Every command reads its settings the same way (``bot.config.environment``: the ``.env`` file in the working
directory, then the process environment), so ``DATABASE_PATH`` set in ``.env`` is the file each one opens."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from bot.cli import backup as cli_backup
from bot.cli import copy_store as cli_copy_store
from bot.cli import database as cli_database
from bot.cli import flows as cli_flows
from bot.cli import health as cli_health
from bot.cli import keys as cli_keys


def build_parser(default_db: str) -> argparse.ArgumentParser:
    # Named as it was run: the console script where the package is installed, else main.py in a checkout.
    prog = "harassment-bot" if Path(sys.argv[0]).name == "harassment-bot" else "main.py"
    parser = argparse.ArgumentParser(
        prog=prog, description="Report online harassment to the NCCIA, in Urdu or English, over Telegram."
    )
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the Telegram bot (the default command; needs BOT_TOKEN)")
    run.add_argument("--webhook", action="store_true", help="serve Telegram's webhook instead of long polling")
    console = sub.add_parser("console", help="try the citizen flow in this terminal; no token or network needed")
    console.add_argument(
        "--lang", choices=["ur", "roman", "en"], default="en", help="language to start in (default en)"
    )
    console.add_argument("--db", type=Path, default=Path(default_db), help=f"SQLite file (default {default_db})")
    migrate = sub.add_parser("migrate", help="create or upgrade the database schema (SQLite or PostgreSQL)")
    cli_database.add_arguments(migrate, default_db)
    cli_flows.add_parser(sub, default_db)
    cli_keys.add_parser(sub, default_db)
    cli_copy_store.add_parser(sub, default_db)
    cli_backup.add_parser(sub, default_db)
    cli_health.add_parser(sub)
    export = sub.add_parser(
        "export",
        help="write reports as CSV; personal data only with --personal (audited)",
        description="Reports created in a date range as CSV. Every export is audited.",
    )
    export.add_argument("--since", required=True, help="first day, YYYY-MM-DD (UTC), included")
    export.add_argument("--until", help="last day, YYYY-MM-DD (UTC), not included")
    export.add_argument("--format", default="csv", choices=["csv"], help="output format (csv)")
    export.add_argument(
        "--personal", action="store_true", help="add the account, links, suspects and phone (audited, file mode 600)"
    )
    cli_database.add_arguments(export, default_db)
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    return parser


async def _migrate(db: Path, url: str) -> int:
    store, name = cli_database.open_store(db, url)
    await store.open()
    version = await store.schema_version()
    await store.close()
    print(f"{name}: schema version {version}")
    return 0


async def _write_export(db: Path, url: str, since: str, until: str | None, personal: bool, out: TextIO) -> int:
    from bot.cases import export as case_export

    store, name = cli_database.open_store(db, url)
    await store.open()
    print(f"exporting from {name}", file=sys.stderr)  # named once it opened: a failure stays one line
    try:
        return await case_export.export(store.books(), since, until, personal, out)
    finally:
        await store.close()


def _export(args: argparse.Namespace) -> int:
    from bot.cases import export as case_export
    from bot.problems import ConfigError

    try:
        since = case_export.parse_day(args.since, "--since")
        until = case_export.parse_day(args.until, "--until") if args.until else None
        url = cli_database.database_url(args.url)
        if not url and not args.db.exists():
            raise ValueError(f"{args.db}: no such database")
        out = case_export.open_output(args.output, args.personal, args.force) if args.output else sys.stdout
    except (ValueError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    failures: tuple[type[Exception], ...] = (sqlite3.DatabaseError, OSError, ConfigError)
    failures += cli_database.postgres_errors()
    try:
        count = asyncio.run(_write_export(args.db, url, since, until, args.personal, out))
    except BrokenPipeError:
        # `export ... | head`: the reader has what it wanted; the export is already audited.
        sys.stdout = None  # no second error when Python flushes at exit
        return 0
    except failures as exc:
        if out is not sys.stdout:
            out.close()
            args.output.unlink(missing_ok=True)  # no half-written file that looks like a whole export
        print(f"{cli_database.shown(url) if url else args.db}: {exc}", file=sys.stderr)
        return 1
    if out is not sys.stdout:
        out.close()
    print(f"{count} reports exported" + (" with personal data (audited)" if args.personal else ""), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    from bot.config import database_path, environment
    from bot.problems import ConfigError

    try:
        default_db = str(database_path(environment()))
    except ConfigError as exc:  # a .env line it cannot read: one line naming it, before any command runs
        print(exc, file=sys.stderr)
        return 1
    args = build_parser(default_db).parse_args(argv)
    if args.command == "console":
        from bot.cli.console import run_console

        return asyncio.run(run_console(args.db, args.lang))
    if args.command == "flows":
        return cli_flows.main(args)
    if args.command == "migrate":
        url = cli_database.database_url(args.url)
        failures: tuple[type[Exception], ...] = (ConfigError, OSError, *cli_database.postgres_errors())
        try:
            return asyncio.run(_migrate(args.db, url))
        except failures as exc:
            print(f"{cli_database.shown(url) if url else args.db}: {exc}", file=sys.stderr)
            return 1
    if args.command == "export":
        return _export(args)
    if args.command == "keys":
        return cli_keys.main(args)
    if args.command == "copy-store":
        return cli_copy_store.main(args)
    if args.command in ("backup", "restore"):
        return cli_backup.main(args)
    if args.command == "health":
        return cli_health.main(args)
    from bot.config import load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc)
        return 1
    from bot.logs import configure

    configure(settings.log_level, settings.log_format, secrets=(settings.bot_token, settings.webhook_secret or ""))
    from bot.allocator import return_large_buffers
    from bot.engine.errors import FlowLoadError
    from bot.telegram.app import run

    return_large_buffers()  # before the first large buffer: see allocator.py
    try:
        run(settings, webhook=getattr(args, "webhook", False))
    except ConfigError as exc:  # e.g. a broken flows/routing.yaml
        print(exc)
        return 1
    except sqlite3.DatabaseError as exc:  # not a database, read-only, a disk that failed: one line, no traceback
        print(f"{settings.database_path}: {exc} (DATABASE_PATH)", file=sys.stderr)
        return 1
    except cli_database.postgres_errors() as exc:  # the server unreachable, refused, or its schema newer
        print(f"{cli_database.shown(settings.database_url or '')}: {exc} (DATABASE_URL)", file=sys.stderr)
        return 1
    except FlowLoadError as exc:  # a live revision published before a loader rule it breaks (e.g. YAML aliases)
        print(
            f"the live flow does not load: {exc}. Publish a corrected one: main.py flows publish PATH", file=sys.stderr
        )
        return 1
    return 0


def entry() -> None:
    """The console script (``harassment-bot``) and ``python main.py``."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
