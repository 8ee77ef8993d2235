"""What ``copy-store`` copies: the tables both databases have, in the order their foreign keys need,
their shared columns, and each value converted to the PostgreSQL column's type (SQLite keeps flags as
0/1 and has no strict types). Read from both databases when the command runs: schemas grow by migrations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from bot.store.sqlite.store import SqliteStore

if TYPE_CHECKING:  # asyncpg costs ~150 ms to import: main.py imports the command on every run
    from bot.store.postgres.database import Connection

# The PostgreSQL store's own bookkeeping (SQLite keeps its version in PRAGMA user_version): never copied.
PG_OWN_TABLES = frozenset({"schema_version"})


class Refused(Exception):
    """A reason not to copy, in one line for the operator (never a value a citizen typed)."""


@dataclass(frozen=True, slots=True)
class Table:
    """One table both databases hold, and the columns they share (in PostgreSQL's order)."""

    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL's data_type of each column
    convert: tuple[Callable[[Any], Any], ...]
    source_only: tuple[str, ...]  # columns PostgreSQL lacks: refused if they hold a value
    destination_only: tuple[str, ...]  # columns SQLite lacks: left to PostgreSQL's default


def _boolean(value: Any) -> Any:
    # SQLite has no booleans: its flags are 0 and 1.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    raise TypeError


def _integer(value: Any) -> Any:
    if value is None or type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError


def _float(value: Any) -> Any:
    # A REAL column hands back an int when the value was stored as one (0 for "no delay").
    if value is None or type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise TypeError


def _text(value: Any) -> Any:
    if value is None or type(value) is str:
        return value
    raise TypeError


def _as_is(value: Any) -> Any:
    return value


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "boolean": _boolean,
    "smallint": _integer,
    "integer": _integer,
    "bigint": _integer,
    "double precision": _float,
    "real": _float,
    "text": _text,
    "character varying": _text,
}


async def _sqlite_tables(sqlite: SqliteStore) -> dict[str, list[str]]:
    def read(conn: sqlite3.Connection) -> dict[str, list[str]]:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        ]
        return {name: [str(c[1]) for c in conn.execute(f"PRAGMA table_info({quote(name)})")] for name in names}

    return await sqlite.database.read(read)


async def _postgres_tables(conn: Connection, schema: str) -> dict[str, list[tuple[str, str]]]:
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
        schema,
    )
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(str(table), []).append((str(column), str(data_type)))
    return tables


async def _foreign_keys(conn: Connection, schema: str) -> dict[str, set[str]]:
    """Table -> the tables its foreign keys point at (PostgreSQL checks them as rows arrive)."""
    rows = await conn.fetch(
        "SELECT child.relname, parent.relname FROM pg_constraint k "
        "JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid "
        "WHERE k.contype = 'f' AND child.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)",
        schema,
    )
    parents: dict[str, set[str]] = {}
    for child, parent in rows:
        if child != parent:  # a row pointing at its own table is copied in id order; none do today
            parents.setdefault(str(child), set()).add(str(parent))
    return parents


def dependency_order(tables: Iterable[str], parents: dict[str, set[str]]) -> list[str]:
    """Every table after the tables it points at; alphabetical where the keys leave a choice."""
    left = set(tables)
    order: list[str] = []
    while left:
        ready = sorted(t for t in left if not (parents.get(t, set()) & left))
        if not ready:
            raise Refused(f"the foreign keys between {', '.join(sorted(left))} form a cycle: no order to copy them in")
        order.extend(ready)
        left -= set(ready)
    return order


async def plan_copy(sqlite: SqliteStore, conn: Connection, schema: str, out: TextIO) -> tuple[list[Table], list[str]]:
    """The tables to copy in order, and the SQLite tables PostgreSQL lacks (refused if they hold rows)."""
    source = await _sqlite_tables(sqlite)
    destination = {k: v for k, v in (await _postgres_tables(conn, schema)).items() if k not in PG_OWN_TABLES}
    shared = set(source) & set(destination)
    for name in sorted(set(destination) - shared):
        print(f"note: {name} is only in PostgreSQL: left empty", file=out)
    plan: list[Table] = []
    for name in dependency_order(shared, await _foreign_keys(conn, schema)):
        columns = [(c, t) for c, t in destination[name] if c in source[name]]
        table = Table(
            name=name,
            columns=tuple(c for c, _ in columns),
            types=tuple(t for _, t in columns),
            # A type without a converter goes as SQLite hands it over; asyncpg's encoder then decides.
            convert=tuple(CONVERTERS.get(t, _as_is) for _, t in columns),
            source_only=tuple(c for c in source[name] if c not in {c for c, _ in columns}),
            destination_only=tuple(c for c, _ in destination[name] if c not in source[name]),
        )
        for column in table.destination_only:
            print(f"note: {name}.{column} is only in PostgreSQL: left to its default", file=out)
        plan.append(table)
    return plan, sorted(set(source) - shared)


def convert(table: Table, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    converters = table.convert
    try:
        return [tuple(f(v) for f, v in zip(converters, row, strict=True)) for row in rows]
    except TypeError:
        pass
    # Name the column and the kind of value, never the value itself: it may be what a citizen typed.
    for row in rows:
        for column, kind, f, v in zip(table.columns, table.types, converters, row, strict=True):
            try:
                f(v)
            except TypeError:
                raise Refused(
                    f"{table.name}.{column}: a SQLite {type(v).__name__} value that PostgreSQL's {kind} cannot "
                    "take; nothing was copied"
                ) from None
    raise AssertionError("a conversion failed, then passed")


# ---- the copy --------------------------------------------------------------------------------------------


def quote(name: str) -> str:
    """An identifier, quoted for both SQLite and PostgreSQL (names come from the databases' catalogues)."""
    return '"' + name.replace('"', '""') + '"'
