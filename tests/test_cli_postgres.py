"""The operator's commands on PostgreSQL: migrate, export and keys check|rotate with DATABASE_URL or --url."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

import main
from bot.store.keyring import Keyring, new_key, parse_keys
from bot.store.postgres.store import PostgresStore
from tests.store.contract.helpers import submit
from tests.store.postgres.server import DATABASE_URL, drop_schema, new_schema


async def _create(schema: str) -> None:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[tuple[str, str]]:
    """An empty schema named by DATABASE_URL, and the data key in DATA_KEY; no .env is read from here."""
    schema = new_schema()
    asyncio.run(_create(schema))
    url = f"{DATABASE_URL}?search_path={schema}"
    key = new_key()
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_KEY", key)
    try:
        yield url, key
    finally:
        asyncio.run(drop_schema(schema))


async def _report(url: str, key: str, reference: str) -> None:
    store = PostgresStore(url, keyring=Keyring(parse_keys(key, "DATA_KEY"), "DATA_KEY"))
    await store.open()
    try:
        await submit(store, reference, answers={"account": "He sends threats"})
    finally:
        await store.close()


def test_migrate_export_and_keys_work_on_postgresql(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, key = database
    assert main.main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("postgresql://postgres@127.0.0.1:5432/test") and "schema version 7" in out

    asyncio.run(_report(url, key, "ABCD-2345"))
    assert main.main(["export", "--since", "2026-11-01"]) == 0
    captured = capsys.readouterr()
    assert "ABCD-2345" in captured.out and "1 reports exported" in captured.err
    assert "exporting from postgresql://" in captured.err

    assert main.main(["keys", "check"]) == 0
    assert "opens with key" in capsys.readouterr().out


def test_keys_rotate_reseals_postgresql_with_the_new_key_first(
    database: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, old = database
    asyncio.run(_report(url, old, "WXYZ-6789"))
    fresh = new_key()
    monkeypatch.setenv("DATA_KEY", f"{fresh},{old}")
    assert main.main(["keys", "rotate"]) == 0
    assert "value(s) re-encrypted" in capsys.readouterr().out
    monkeypatch.setenv("DATA_KEY", fresh)  # the old key gone: everything opens with the new one alone
    assert main.main(["keys", "check"]) == 0
    assert main.main(["export", "--since", "2026-11-01", "--personal", "-o", "out.csv"]) == 0


def test_a_missing_key_or_server_is_one_line(
    database: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATA_KEY")
    assert main.main(["migrate"]) == 1
    assert "DATA_KEY" in capsys.readouterr().err
    monkeypatch.setenv("DATA_KEY", new_key())
    assert main.main(["migrate", "--url", "postgresql://postgres@127.0.0.1:5999/test"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "127.0.0.1:5999" in err
