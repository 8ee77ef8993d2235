"""Schema 7's running totals (report_counts) stay equal to counting the reports table itself.

/stats reads the totals instead of scanning a million reports; a trigger that missed a change would
make the figures drift silently, so every way a report's province, category or status changes is
compared with a real GROUP BY.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from bot.store.sqlite import database as sqlite_module
from bot.store.sqlite.migrations import MIGRATIONS, statements
from bot.store.sqlite.store import SqliteStore
from testing.sql import execute

PROVINCES = ("punjab", "sindh", None)
CATEGORIES = ("blackmail", "harassment", None)
STATUSES = ("new", "claimed", "waiting", "resolved", "spam")


async def insert(
    store: SqliteStore, n: int, province: str | None, category: str | None, status: str, pin: str = "pin"
) -> None:
    def change(db: sqlite3.Connection) -> None:
        db.execute(
            f"INSERT INTO reports (reference, {pin}, flow_id, revision_id, language, category, province, minor, "
            "status, answers, created_at) VALUES (?, '-', 'report', 1, 'en', ?, ?, 0, ?, '{}', '2026-11-28T00:00:00')",
            (f"R{n:07d}", category, province, status),
        )

    await store.database.write(change)


async def counted(store: SqliteStore) -> dict[tuple[str, str, str], int]:
    rows = await store.database.fetchall("SELECT province, category, status, n FROM report_counts WHERE n > 0")
    return {(p, c, s): n for p, c, s, n in rows}


async def scanned(store: SqliteStore) -> dict[tuple[str, str, str], int]:
    rows = await store.database.fetchall(
        "SELECT coalesce(province, 'none'), coalesce(category, 'none'), status, count(*) FROM reports GROUP BY 1, 2, 3"
    )
    return {(p, c, s): n for p, c, s, n in rows}


async def test_totals_follow_inserts_updates_and_deletes(store: SqliteStore) -> None:
    rng = random.Random(7)
    for n in range(60):
        await insert(store, n, rng.choice(PROVINCES), rng.choice(CATEGORIES), "new")
    assert await counted(store) == await scanned(store)
    for _ in range(200):
        report_id = rng.randint(1, 60)
        column, value = rng.choice(
            [
                ("status", rng.choice(STATUSES)),
                ("province", rng.choice(PROVINCES)),
                ("category", rng.choice(CATEGORIES)),
            ]
        )
        await execute(store, f"UPDATE reports SET {column} = ? WHERE id = ?", (value, report_id))

    def change(db: sqlite3.Connection) -> None:
        db.execute("UPDATE reports SET claimed_by = 5 WHERE id = 3")  # other columns leave the totals alone
        db.execute("DELETE FROM evidence WHERE report_id IN (4, 5)")
        db.execute("DELETE FROM reports WHERE id IN (4, 5)")

    await store.database.write(change)

    assert await counted(store) == await scanned(store)
    assert sum((await counted(store)).values()) == 58


async def test_a_rolled_back_change_leaves_the_totals_as_they_were(store: SqliteStore) -> None:
    await insert(store, 1, "punjab", "blackmail", "new")
    before = await counted(store)
    with pytest.raises(RuntimeError):

        def change(db: sqlite3.Connection) -> None:
            db.execute("UPDATE reports SET status = 'resolved' WHERE id = 1")
            raise RuntimeError("the case's other writes failed")

        await store.database.write(change)

    assert await counted(store) == before == {("punjab", "blackmail", "new"): 1}


async def test_upgrading_a_database_counts_the_reports_already_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", MIGRATIONS[:6])
    old = SqliteStore(path)
    await old.open()
    await old.publish("report", "spec_version: 1\nid: report\n", "test")
    for n, (province, category, status) in enumerate(
        [("punjab", "blackmail", "new"), ("punjab", "blackmail", "new"), (None, "harassment", "resolved")]
    ):
        await insert(old, n, province, category, status, pin="pin_hash")  # its name before schema 14
    await old.close()
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", MIGRATIONS)

    upgraded = SqliteStore(path)
    await upgraded.open()
    try:
        assert await upgraded.schema_version() == len(MIGRATIONS)
        assert await counted(upgraded) == {("punjab", "blackmail", "new"): 2, ("none", "harassment", "resolved"): 1}
        await insert(upgraded, 9, "punjab", "blackmail", "new")
        assert (await counted(upgraded))[("punjab", "blackmail", "new")] == 3
    finally:
        await upgraded.close()


def test_migration_statements_are_split_where_sqlite_ends_them() -> None:
    script = "CREATE TABLE a (x); CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = ';'; DELETE FROM a; END;"

    assert statements(script) == [
        "CREATE TABLE a (x);",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = ';'; DELETE FROM a; END;",
    ]
    with pytest.raises(ValueError, match="unfinished statement"):
        statements("CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM a")
