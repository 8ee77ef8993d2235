"""The PostgreSQL server every machine of this project runs, as the tests reach it.

127.0.0.1:5432 with trust authentication and a database ``test`` (``TEST_DATABASE_URL`` overrides it).
It is always there: a test that cannot reach it fails, it is never skipped. Each test works in a
schema of its own, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid

import asyncpg

from bot.store.keyring import Keyring, new_key, parse_keys

DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def fresh_keyring() -> Keyring:
    return Keyring(parse_keys(new_key(), "test"), "test")


def new_schema() -> str:
    return f"t_{uuid.uuid4().hex}"


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def lock_holders(key_sql: str, *args: object) -> list[int]:
    """Server pids holding the advisory lock whose bigint key ``key_sql`` computes from ``args``."""
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        # A bigint advisory key is shown split: its high 32 bits as classid, its low ones as objid.
        rows = await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            f"AND ((classid::bigint << 32) | objid::bigint) = {key_sql}",
            *args,
        )
        return [int(row[0]) for row in rows]
    finally:
        await conn.close()


async def terminate(pid: int) -> None:
    """End a server session from outside, as a crash or a cut network would, and wait until it has gone."""
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await conn.close()
