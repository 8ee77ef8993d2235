"""One leader per role among instances sharing one PostgreSQL database, and fail-over when it dies.

The lead is a session-level advisory lock on a connection of its own: when the leader steps down,
closes, loses its connection or its process is killed, another instance's next ``lead()`` takes it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from bot.store.postgres.locks import ROLE_KEY
from bot.store.postgres.store import PostgresStore
from tests.store.postgres.server import DATABASE_URL, drop_schema, fresh_keyring, lock_holders, new_schema, terminate

ROOT = Path(__file__).resolve().parents[3]
COURIER = "courier"


async def test_one_of_two_instances_leads_and_the_other_does_not(pair: tuple[PostgresStore, PostgresStore]) -> None:
    one, two = (store.books().leadership for store in pair)
    assert await one.lead(COURIER)
    for _ in range(3):
        assert not await two.lead(COURIER)
        assert await one.lead(COURIER)


async def test_roles_are_led_apart(pair: tuple[PostgresStore, PostgresStore]) -> None:
    one, two = (store.books().leadership for store in pair)
    assert await one.lead(COURIER)
    assert await two.lead("housekeeping")
    assert not await one.lead("housekeeping")
    assert not await two.lead(COURIER)


async def test_a_leader_that_steps_down_is_followed_at_the_next_call(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = (store.books().leadership for store in pair)
    assert await one.lead(COURIER)
    assert not await two.lead(COURIER)
    await one.step_down(COURIER)
    assert await two.lead(COURIER)
    assert not await one.lead(COURIER)


async def test_a_closed_leader_is_followed_at_the_next_call(pair: tuple[PostgresStore, PostgresStore]) -> None:
    one, two = pair
    assert await one.books().leadership.lead(COURIER)
    assert not await two.books().leadership.lead(COURIER)
    await one.close()
    assert await two.books().leadership.lead(COURIER)
    assert not await one.books().leadership.lead(COURIER)  # closed: it leads nothing


async def test_a_leader_whose_connection_is_cut_loses_the_lead_and_the_other_takes_it(
    pair: tuple[PostgresStore, PostgresStore], schema: str
) -> None:
    one, two = (store.books().leadership for store in pair)
    assert await one.lead(COURIER)
    assert not await two.lead(COURIER)
    [holder] = await lock_holders(ROLE_KEY, schema, COURIER)

    await terminate(holder)

    assert await two.lead(COURIER)  # within one call
    assert not await one.lead(COURIER)  # it noticed, dropped the dead connection, and follows
    assert not await one.lead(COURIER)
    await two.step_down(COURIER)
    assert await one.lead(COURIER)  # on a new connection


async def test_a_killed_leaders_role_moves_to_the_survivor(
    pair: tuple[PostgresStore, PostgresStore], schema: str
) -> None:
    """kill -9 of a leading process: PostgreSQL ends its session, and the lock with it."""
    survivor = pair[1].books().leadership
    script = (
        "import asyncio, sys\n"
        "from bot.store.postgres.store import PostgresStore\n"
        "from tests.store.postgres.server import DATABASE_URL, fresh_keyring\n"
        "async def main():\n"
        f"    store = PostgresStore(DATABASE_URL, schema={schema!r}, keyring=fresh_keyring())\n"
        "    await store.open()\n"
        f"    print(await store.books().leadership.lead({COURIER!r}), flush=True)\n"
        "    await asyncio.sleep(60)\n"
        "asyncio.run(main())\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"True\n"
        assert not await survivor.lead(COURIER)
    finally:
        process.kill()
        await process.wait()
    killed = time.monotonic()
    while not await survivor.lead(COURIER):
        assert time.monotonic() - killed < 5.0, "the survivor never took the lead"
        await asyncio.sleep(0.05)
    print(f"courier leadership moved {time.monotonic() - killed:.3f} s after kill -9")


async def test_instances_in_two_schemas_lead_apart(pair: tuple[PostgresStore, PostgresStore]) -> None:
    other_schema = new_schema()
    other = PostgresStore(DATABASE_URL, schema=other_schema, keyring=fresh_keyring())
    try:
        await other.open()
        assert await pair[0].books().leadership.lead(COURIER)
        assert await other.books().leadership.lead(COURIER)  # another deployment, its own courier
    finally:
        await other.close()
        await drop_schema(other_schema)


async def test_asking_every_second_is_cheap_for_leader_and_follower(
    pair: tuple[PostgresStore, PostgresStore], schema: str
) -> None:
    one, two = (store.books().leadership for store in pair)
    assert await one.lead(COURIER)
    assert not await two.lead(COURIER)
    started = time.perf_counter()
    for _ in range(100):
        assert await one.lead(COURIER)
        assert not await two.lead(COURIER)
    assert time.perf_counter() - started < 2.0  # one round trip each, on a connection kept open
    assert len(await lock_holders(ROLE_KEY, schema, COURIER)) == 1


async def test_asking_at_once_from_one_instance_is_safe(pair: tuple[PostgresStore, PostgresStore]) -> None:
    """Two tasks of one process asking together must not run two queries on the role's one connection."""
    one = pair[0].books().leadership
    assert await asyncio.gather(*(one.lead(COURIER) for _ in range(10))) == [True] * 10
