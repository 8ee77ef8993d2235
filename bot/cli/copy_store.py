"""``python main.py copy-store --from FILE --to postgresql://…``: every row of a SQLite database into an
empty PostgreSQL one, for an agency that outgrows one machine, then the counts of both compared.

What a citizen told us stays sealed: sealed values are copied as the ciphertext they are, so the
PostgreSQL store is opened with the SQLite store's own keyring, and the bot on PostgreSQL needs that
same key. The tables and columns copied are read from both databases when the command runs (the
schemas grow by migrations), in the order their foreign keys need, inside one PostgreSQL transaction:
a copy that fails leaves nothing behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sqlite3
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import key_environment
from bot.problems import ConfigError
from bot.store.keyring import PREFIX, Keyring, load_keyring
from bot.store.sqlite.store import SEALED, SqliteStore

from .copy_plan import Refused, Table, convert, plan_copy, quote
from .database import database_url, shown

if TYPE_CHECKING:  # asyncpg costs ~150 ms to import: main.py imports this module on every command
    from bot.store.postgres.database import Connection
    from bot.store.postgres.store import PostgresStore

BATCH = 1000


def add_parser(sub: argparse._SubParsersAction, default_db: str) -> None:  # type: ignore[type-arg]
    copy = sub.add_parser(
        "copy-store",
        help="copy every row of a SQLite database into an empty PostgreSQL database, and compare the counts",
        description=(
            "Moves a SQLite database into PostgreSQL, for running several instances of the bot on one "
            "database. Stop the bot first: what it writes after the copy starts is not copied. Both "
            "databases are migrated to the current schema; the PostgreSQL one must hold no rows yet "
            "(nothing is merged). Everything is copied in one transaction, so a failed copy leaves nothing "
            "behind. Encrypted values are copied encrypted: the bot on PostgreSQL needs the same data key "
            "(DATA_KEY, or DATA_KEY_FILE pointing at the key file beside the SQLite database). Exits 0 only "
            "when every table holds as many rows on both sides and the newest report reads the same on both."
        ),
    )
    copy.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=Path(default_db),
        help=f"the SQLite file to copy (default {default_db})",
    )
    copy.add_argument(
        "--to",
        dest="dsn",
        help="the PostgreSQL database, postgresql://user[:password]@host:port/database (default: DATABASE_URL)",
    )
    copy.add_argument(
        "--schema",
        help="the PostgreSQL schema to fill, created if missing (default: the first of the user's search_path)",
    )
    copy.add_argument("--batch", type=int, default=BATCH, help=f"rows read and written at a time (default {BATCH})")


def main(args: argparse.Namespace) -> int:
    dsn = database_url(args.dsn)
    if not dsn:
        print("no destination: give --to postgresql://user@host:port/database or set DATABASE_URL", file=sys.stderr)
        return 1
    if args.batch < 1:
        print("--batch must be at least 1", file=sys.stderr)
        return 1
    return asyncio.run(copy_store(args.source, dsn, schema=args.schema, batch=args.batch))


async def copy_store(
    source: Path, dsn: str, *, schema: str | None = None, batch: int = BATCH, out: TextIO | None = None
) -> int:
    """Copy ``source`` into ``dsn`` (``schema``), print the progress and the counts to ``out``, the reason
    for a refusal or a failure to stderr; 0 when the counts are equal and the newest report reads the same."""
    import asyncpg

    from bot.store.postgres.store import PostgresStore

    write = out or sys.stdout
    where = str(source)
    try:
        if not await asyncio.to_thread(source.is_file):  # SqliteStore would create a missing file
            raise Refused(f"{source}: no such database")
        # create=False: never write a fresh key beside a database; the key that sealed it must be found.
        ring = load_keyring(source, key_environment(), create=False)
        # The same keyring: sealed values travel as ciphertext, and must open on the other side. Made
        # before SQLite is opened (and migrated), so a malformed DSN or schema name fails first.
        postgres = PostgresStore(dsn, schema=schema, keyring=ring, min_pool=1, max_pool=2)
        sqlite = SqliteStore(source, keyring=ring)
        await sqlite.open()  # migrates, and checks the key against the newest sealed value of each column
        try:
            print(f"from {source}: SQLite schema version {await sqlite.schema_version()}", file=write)
            await _check_sealed_keys(sqlite, ring, write)
            where = shown(dsn)
            await postgres.open()
            try:
                return await _copy(sqlite, postgres, where, batch, write)
            finally:
                await postgres.close()
        finally:
            await sqlite.close()
    except Refused as exc:
        print(exc, file=sys.stderr)
    except ConfigError as exc:  # a key that does not open the database, a malformed DSN or schema name
        print(exc, file=sys.stderr)
    except sqlite3.DatabaseError as exc:
        print(f"{source}: {exc}", file=sys.stderr)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # PostgreSQL's messages name tables and constraints, not values (those are in .detail, not shown).
        print(f"{where}: {exc}", file=sys.stderr)
    return 1


async def _check_sealed_keys(sqlite: SqliteStore, ring: Keyring, out: TextIO) -> None:
    """Refuse when a sealed value was sealed with a key the ring lacks. The store's own check at open
    tries only the newest value of each column; a copy is the moment to find an older one unreadable."""
    used: dict[str, set[str]] = {}
    for table, _, column in SEALED:
        start = len(PREFIX) + 1
        rows = await sqlite.database.fetchall(
            f"SELECT DISTINCT substr({column}, {start}, instr(substr({column}, {start}), ':') - 1) "
            f"FROM {table} WHERE {column} LIKE '{PREFIX}%'"
        )
        for (kid,) in rows:
            used.setdefault(str(kid), set()).add(f"{table}.{column}")
    missing = sorted(set(used) - set(ring.ids))
    if missing:
        columns = ", ".join(sorted(set().union(*(used[k] for k in missing))))
        raise Refused(
            f"values in {columns} were sealed with key(s) {', '.join(missing)}, which {ring.source} does not "
            "hold: they could not be read on either side. Configure that key too (DATA_KEY=new,old), or "
            "finish 'main.py keys rotate', then copy."
        )
    print(f"data key {ring.current} from {ring.source} ({len(ring.ids)} key(s) configured)", file=out)
    if used:
        print(f"sealed values use key(s) {', '.join(sorted(used))}: all configured", file=out)
    if ring.source == "DATA_KEY":
        print("the bot on PostgreSQL needs the same DATA_KEY", file=out)
    else:
        print(
            f"the bot on PostgreSQL needs this key: set DATA_KEY_FILE={ring.source} (or DATA_KEY); "
            "PostgreSQL has no key file beside it",
            file=out,
        )


class _Snapshot:
    """The SQLite side read in one read transaction: every table and count as of one moment (WAL lets
    a writer go on meanwhile, though the bot should be stopped: its later rows would not be copied)."""

    def __init__(self, sqlite: SqliteStore) -> None:
        self.database = sqlite.database

    async def __aenter__(self) -> _Snapshot:
        await self.database.read(lambda conn: conn.execute("BEGIN"))
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.database.read(lambda conn: conn.execute("COMMIT"))  # read only: nothing to undo

    async def count(self, table: str, where: str = "") -> int:
        row = await self.database.fetchone(f"SELECT count(*) FROM {quote(table)} {where}")
        return int(row[0]) if row else 0

    async def batches(self, table: Table, size: int) -> AsyncGenerator[list[Any], None]:
        """The table's shared columns, ``size`` rows at a time (one trip to SQLite's thread each)."""
        columns = ", ".join(quote(c) for c in table.columns)
        cursor = await self.database.read(lambda conn: conn.execute(f"SELECT {columns} FROM {quote(table.name)}"))
        try:
            while rows := await self.database.read(lambda _: cursor.fetchmany(size)):
                yield rows
        finally:
            await self.database.read(lambda _: cursor.close())  # on the thread that made it, as sqlite3 wants


async def _copy(sqlite: SqliteStore, postgres: PostgresStore, where: str, batch: int, out: TextIO) -> int:
    started = time.perf_counter()
    # One connection of the store's pool for the whole copy: one transaction, and no retry of it (the
    # store's write() retries serialization failures, which an empty database does not have).
    async with postgres.database.pool.acquire() as conn:
        schema = str(await conn.fetchval("SELECT current_schema()"))
        print(f"to {where}, schema {schema}: PostgreSQL schema version {await postgres.schema_version()}", file=out)
        plan, source_only_tables = await plan_copy(sqlite, conn, schema, out)
        async with _Snapshot(sqlite) as snapshot:
            await _refuse_losses(snapshot, plan, source_only_tables)
            source = {t.name: await snapshot.count(t.name) for t in plan}
            async with conn.transaction():
                await _refuse_unless_empty(conn, schema, plan, where)
                print(f"copying {len(plan)} tables in one transaction, {batch} rows at a time", file=out)
                triggered = await _tables_with_triggers(conn, schema)
                for table in plan:
                    began = time.perf_counter()
                    copied = await _copy_table(snapshot, conn, schema, table, batch, table.name in triggered)
                    print(f"{table.name}: {copied} rows ({time.perf_counter() - began:.2f} s)", file=out, flush=True)
                moved = await _move_identities(conn, schema, plan)
        if moved:
            print("identities moved past the copied ids: " + ", ".join(moved), file=out)
        print(f"committed in {time.perf_counter() - started:.1f} s", file=out)
        destination = {t.name: int(await conn.fetchval(f"SELECT count(*) FROM {quote(t.name)}")) for t in plan}
    differ = _print_counts(source, destination, out)
    same = await _open_on_both(sqlite, postgres, out)
    if differ:
        print(f"counts differ in {', '.join(differ)}", file=sys.stderr)
    return 0 if not differ and same else 1


async def _refuse_losses(snapshot: _Snapshot, plan: Sequence[Table], source_only_tables: Sequence[str]) -> None:
    """Refuse when SQLite holds rows or values PostgreSQL has no place for (both are migrated by this
    code, so that means the two schemas disagree): a copy that drops data must not look complete."""
    for name in source_only_tables:
        if held := await snapshot.count(name):
            raise Refused(f"{name} ({held} rows) has no table in PostgreSQL: its rows would be lost")
    for table in plan:
        for column in table.source_only:
            if await snapshot.count(table.name, f"WHERE {quote(column)} IS NOT NULL"):
                raise Refused(
                    f"{table.name}.{column} holds values but PostgreSQL has no such column: they would be lost"
                )


async def _copy_table(
    snapshot: _Snapshot, conn: Connection, schema: str, table: Table, batch: int, triggered: bool
) -> int:
    """Copy one table a batch at a time (binary COPY, which also keeps identity values as given); returns
    how many rows went."""
    if triggered:
        # A trigger keeping a summary (report_counts) would count every copied report again, on top of
        # the summary rows copied as they are: off for this table's copy, inside the transaction.
        await conn.execute(f"ALTER TABLE {quote(table.name)} DISABLE TRIGGER USER")
    copied = 0
    async with contextlib.aclosing(snapshot.batches(table, batch)) as batches:
        async for rows in batches:
            records = convert(table, rows)
            await conn.copy_records_to_table(table.name, records=records, columns=table.columns, schema_name=schema)
            copied += len(rows)
    if triggered:
        await conn.execute(f"ALTER TABLE {quote(table.name)} ENABLE TRIGGER USER")
    return copied


async def _refuse_unless_empty(conn: Connection, schema: str, plan: Sequence[Table], where: str) -> None:
    held = []
    for table in plan:
        if n := int(await conn.fetchval(f"SELECT count(*) FROM {quote(table.name)}")):
            held.append(f"{table.name} {n}")
    if held:
        raise Refused(
            f"{where} (schema {schema}) already holds rows ({', '.join(held)}): copy-store fills an empty "
            "database and merges nothing. Use a new database or --schema"
        )


async def _tables_with_triggers(conn: Connection, schema: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE NOT g.tgisinternal AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)",
        schema,
    )
    return {str(r[0]) for r in rows}


async def _move_identities(conn: Connection, schema: str, plan: Sequence[Table]) -> list[str]:
    """Set every identity (or serial) sequence to the largest id copied, so the next row gets a fresh
    one: rows were copied with their ids, which a sequence does not see."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, "
        "pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name) AS sequence "
        "FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name",
        schema,
    )
    copied = {t.name: set(t.columns) for t in plan}
    moved = []
    for table, column, sequence in rows:
        if sequence is None or column not in copied.get(table, set()):
            continue
        largest = await conn.fetchval(f"SELECT max({quote(column)}) FROM {quote(table)}")
        if largest is not None:
            await conn.execute("SELECT setval($1::regclass, $2)", sequence, int(largest))
            moved.append(f"{table}.{column} {largest}")
    return moved


def _print_counts(source: dict[str, int], destination: dict[str, int], out: TextIO) -> list[str]:
    """The table of counts; returns the tables whose counts differ."""
    width = max(len("table"), *(len(name) for name in source))
    print(f"{'table':<{width}}  {'sqlite':>9}  {'postgresql':>10}", file=out)
    differ = []
    for name in sorted(source):
        mark = "" if source[name] == destination[name] else "  <- differs"
        if mark:
            differ.append(name)
        print(f"{name:<{width}}  {source[name]:>9}  {destination[name]:>10}{mark}", file=out)
    total_source, total_destination = sum(source.values()), sum(destination.values())
    print(f"{'total':<{width}}  {total_source:>9}  {total_destination:>10}", file=out)
    if not differ:
        print(f"counts equal in all {len(source)} tables", file=out)
    return differ


async def _open_on_both(sqlite: SqliteStore, postgres: PostgresStore, out: TextIO) -> bool:
    """Read the newest report through both stores (decrypting its answers and evidence) and compare them;
    only its id and what differs are printed, never its contents."""
    row = await sqlite.database.fetchone("SELECT reference FROM reports ORDER BY id DESC LIMIT 1")
    if row is None:
        print("no report to open on both", file=out)
        return True
    mine, theirs = await sqlite.report_by_reference(row[0]), await postgres.report_by_reference(row[0])
    if mine is None or theirs is None:
        print("the newest report is missing on PostgreSQL", file=sys.stderr)
        return False
    differ = [f.name for f in dataclasses.fields(mine) if getattr(mine, f.name) != getattr(theirs, f.name)]
    if differ:
        print(f"report {mine.id} (the newest) reads differently on PostgreSQL: {', '.join(differ)}", file=sys.stderr)
        return False
    print(
        f"a report opened on both: report {mine.id} (the newest) reads the same, "
        f"{len(mine.answers)} answers and {len(mine.evidence)} evidence link(s) decrypted",
        file=out,
    )
    return True
