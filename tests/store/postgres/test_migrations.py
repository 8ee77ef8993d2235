"""PostgreSQL migrations: applied once, recorded in schema_version, and safe when instances start together."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.engine.session import Session
from bot.store.postgres import migrations
from bot.store.postgres.store import PostgresStore
from tests.store.contract.helpers import FLOW, FLOW_SOURCE, submit
from tests.store.postgres.server import DATABASE_URL, fresh_keyring

LATER = "CREATE TABLE later (x INTEGER)"


async def applied(schema: str) -> list[int]:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        rows = await conn.fetch(f'SELECT version FROM "{schema}".schema_version ORDER BY version')
        return [int(row[0]) for row in rows]
    finally:
        await conn.close()


async def test_a_fresh_schema_is_created_and_migrated_to_the_latest_version(schema: str) -> None:
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=fresh_keyring())
    await store.open()
    try:
        assert await store.schema_version() == len(migrations.MIGRATIONS)
    finally:
        await store.close()
    assert await applied(schema) == list(range(1, len(migrations.MIGRATIONS) + 1))


async def test_reopening_keeps_the_data_and_runs_only_new_migrations(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = fresh_keyring()
    first = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await first.open()
    try:
        revision = await first.publish(FLOW, FLOW_SOURCE, "admin")
        draft = Session(flow_id=FLOW, revision=revision.id, lang="ur", step="account")
        await first.commit_step("tg:1", draft)
        await submit(first, "K7QM-9TDX")
    finally:
        await first.close()

    # Migration 1's CREATE TABLE statements would fail if run again: a clean reopen shows it was skipped.
    again = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await again.open()
    try:
        assert await again.schema_version() == len(migrations.MIGRATIONS)
        assert await again.load_session("tg:1") == draft
        assert await again.count_reports() == 1
    finally:
        await again.close()

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, LATER))
    upgraded = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await upgraded.open()
    try:
        assert await upgraded.schema_version() == len(migrations.MIGRATIONS)
        assert await upgraded.load_session("tg:1") == draft
    finally:
        await upgraded.close()
    assert await applied(schema) == list(range(1, len(migrations.MIGRATIONS) + 1))


async def test_instances_starting_together_on_one_schema_migrate_it_once(schema: str) -> None:
    """Without the advisory lock, the losers would fail creating the schema or the tables twice."""
    keys = fresh_keyring()
    stores = [PostgresStore(DATABASE_URL, schema=schema, keyring=keys) for _ in range(4)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        assert [await store.schema_version() for store in stores] == [len(migrations.MIGRATIONS)] * 4
        # Each sees the others' rows: one schema, migrated once.
        await submit(stores[0], "AAAA-2345")
        assert [await store.count_reports() for store in stores] == [1] * 4
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    assert await applied(schema) == list(range(1, len(migrations.MIGRATIONS) + 1))


async def test_a_new_migration_is_applied_once_by_instances_upgrading_together(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = fresh_keyring()
    first = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await first.open()
    await first.close()

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, LATER))
    stores = [PostgresStore(DATABASE_URL, schema=schema, keyring=keys) for _ in range(3)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    assert await applied(schema) == list(range(1, len(migrations.MIGRATIONS) + 1))


async def test_the_tables_live_in_the_given_schema_only(schema: str) -> None:
    store = PostgresStore(DATABASE_URL, schema=schema, keyring=fresh_keyring())
    await store.open()
    await store.close()
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        found = {
            str(row[0])
            for row in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
            )
        }
    finally:
        await conn.close()
    assert {"reports", "outbox", "audit", "sessions", "report_counts", "schema_version"} <= found


async def test_entries_in_flight_before_leases_are_recovered_after_migration_2(
    schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = fresh_keyring()
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    old = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await old.open()
    try:
        await old.database.pool.executemany(
            "INSERT INTO outbox (kind, target, dedupe_key, payload, state, attempts, created_at) "
            "VALUES ('case', 'queue:punjab', $1, $2, $3, 1, 0)",
            [
                (key, keys.seal("{}", "outbox.payload"), state)
                for key, state in (("case:1", "sending"), ("case:2", "pending"))
            ],
        )
    finally:
        await old.close()
    monkeypatch.undo()

    upgraded = PostgresStore(DATABASE_URL, schema=schema, keyring=keys)
    await upgraded.open()
    try:
        assert await upgraded.schema_version() == len(migrations.MIGRATIONS) == 7
        outbox = upgraded.books().outbox
        assert [d.dedupe_key for d in await outbox.due()] == ["case:2"]  # no lease: not taken over by due
        assert await outbox.recover_in_flight() == 1
        due = await outbox.due()
        assert [(d.dedupe_key, d.attempts) for d in due] == [("case:1", 1), ("case:2", 1)]
        assert await outbox.mark_sending([d.id for d in due], owner="new") == [d.id for d in due]
    finally:
        await upgraded.close()
