"""Two ``main.py run --webhook`` instances on one PostgreSQL database, one of them killed mid-burst.

The test is Telegram and the load balancer (testing/instances.py): the offline Bot API holds what
citizens send, and a pump posts each update to the instances in turn (one chat's updates go to both).
200 citizens walk the English report to "Send", 50 at a time, answering whatever question their chat
shows. When a quarter of them have their reference, the instance that delivers the outbox is killed
with SIGKILL.

It shows: every submitted report reaches its queue group; duplicate cards are at most the deliveries
the dead instance had in flight; the survivor finishes every citizen's report at the question she
was on; the courier's lead moves to the survivor, and how fast; Telegram's limits hold throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from bot.store.keyring import new_key
from testing.fakeapi.server import FakeBotApi
from testing.instances import GROUPS, OVERALL, Balancer, Walk, reference_of, start
from tests.store.postgres.server import DATABASE_URL, drop_schema, new_schema

CITIZENS = int(os.environ.get("INSTANCES_CITIZENS", "200"))  # fewer when looking into a failure
AT_ONCE = 50
KILL_AFTER = CITIZENS // 4  # references shown before the leader is killed


@pytest_asyncio.fixture
async def schema() -> AsyncIterator[str]:
    name = new_schema()
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    try:
        yield name
    finally:
        await drop_schema(name)


async def in_flight(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE state = 'sending' AND kind = 'case'"))
    finally:
        await conn.close()


async def test_two_instances_on_postgresql_survive_a_kill_mid_burst(api: FakeBotApi, schema: str) -> None:
    for chat_id in GROUPS.values():
        api.group(chat_id)
    api.global_limit = (OVERALL, 1.0)
    dsn = f"{DATABASE_URL}?search_path={schema}"
    database = {"DATABASE_URL": dsn, "DATA_KEY": new_key()}
    first = await start("first", api, database)
    second = await start("second", api, database)
    instances = [first, second]
    balancer = Balancer(api, instances)
    pump = asyncio.create_task(balancer.run())
    try:
        await api.wait_for(lambda: any(i.leads_since() for i in instances), within=30)
        leader = next(i for i in instances if i.leads_since())
        survivor = second if leader is first else first

        gate = asyncio.Semaphore(AT_ONCE)
        walks = [
            Walk(api, api.user(50_000 + n, "Citizen", language_code="en"), "Punjab" if n % 2 else "Sindh")
            for n in range(CITIZENS)
        ]

        async def walk(w: Walk) -> str:
            async with gate:
                return await w.run()

        running = [asyncio.create_task(walk(w)) for w in walks]
        await api.wait_for(
            lambda: sum(reference_of(api, w.user.id) is not None for w in walks) >= KILL_AFTER, within=300
        )
        leader.process.send_signal(signal.SIGKILL)
        await leader.process.wait()
        killed_at = time.monotonic()
        leader.alive = False
        flying = await in_flight(dsn)
        try:
            references = await asyncio.gather(*running)
        except AssertionError as stuck:
            # What the instances said, for finding the fault from the logs as an operator would.
            said = [
                f"{i.name}: {line[:300]}" for i in instances for _, line in i.lines if '"level": "INFO"' not in line
            ]
            raise AssertionError(f"{stuck}\ninstances' warnings and errors:\n" + "\n".join(said[-40:])) from None

        def cards() -> dict[str, int]:
            shown = dict.fromkeys(references, 0)
            for chat_id in GROUPS.values():
                for message in api.bot_messages(chat_id):
                    for reference in references:
                        if reference in (message.text or ""):
                            shown[reference] += 1
            return shown

        await api.wait_for(lambda: all(cards().values()), within=240)
        await asyncio.sleep(2.0)  # anything still to come would be a duplicate
        shown = cards()
        duplicates = sum(n - 1 for n in shown.values())
        took_over = survivor.leads_since()
        assert took_over is not None, "the survivor never took the courier's lead"
        moved = max(0.0, took_over - killed_at)
        resent = sum(w.resent for w in walks)
        restarts = sum(w.restarts for w in walks)
        print(
            f"\n{CITIZENS} citizens over 2 instances ({balancer.posted[0]} + {balancer.posted[1]} updates posted); "
            f"the courier's leader killed after {KILL_AFTER} references: {flying} case deliveries in flight, "
            f"{duplicates} duplicate cards; lead moved in {moved:.2f} s; {resent} inputs sent again by "
            f"citizens whose update died with the instance, {restarts} /start after two went unanswered; "
            f"{len(set(references))} reports, all in their queue"
        )
        assert len(set(references)) == CITIZENS
        assert duplicates <= flying
        assert api.limit_violations == 0, api.rate_limited
        assert moved < 5.0
        assert survivor.process.returncode is None
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.terminate()
                await instance.process.wait()
