"""One instance on SQLite, one on PostgreSQL, two on PostgreSQL: the same citizens, in one run.

Each configuration runs ``main.py run --webhook`` processes against the same offline Bot API, with the
load balancer and citizens of ``testing/instances.py`` in this process:

- closed loop: CLOSED citizens walk the English report to "Send" at once, each sending her next input
  as soon as the bot has answered (0.2 s for the rest of the reply): updates handled a second;
- paced: PACED citizens at a human pace (THINK seconds between reply and next input): the p50 and p99
  of the time from an input to the bot's first reply.

"resent" counts inputs a citizen sent again after 8 s without an answer (testing/instances.py's Walk);
"stuck" citizens had no reference by the Walk's deadline: both are printed, not hidden.

The offline API takes 200 messages a second (as a local Bot API server might); each instance is given
its share, as an operator would set OVERALL_MESSAGES_PER_SECOND. Every process shares this machine's
cores: two instances on one box show the cost of coordination, not the gain of a second box.

    .venv/bin/python bench/instances.py [--closed 200] [--paced 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.store.keyring import new_key
from testing.fakeapi.server import FakeBotApi
from testing.instances import GROUPS, OVERALL, Balancer, Instance, Walk, start

THINK = 1.0
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


async def run_walks(api: FakeBotApi, walks: list[Walk]) -> tuple[float, int]:
    """Seconds until every citizen has her reference or gave up (Walk's deadline), and how many gave up:
    a stuck citizen is a figure of the run, printed with her transcript, not the end of the bench."""
    started = time.monotonic()
    results = await asyncio.gather(*(w.run() for w in walks), return_exceptions=True)
    stuck = [r for r in results if isinstance(r, BaseException)]
    for problem in stuck[:2]:
        print(f"  stuck: {problem}"[:4000], flush=True)
    return time.monotonic() - started, len(stuck)


async def one(label: str, count: int, database: dict[str, str], closed: int, paced: int, first_id: int) -> list[str]:
    api = FakeBotApi()
    await api.start()
    for chat_id in GROUPS.values():
        api.group(chat_id)
    api.global_limit = (OVERALL, 1.0)
    share = {"OVERALL_MESSAGES_PER_SECOND": str(OVERALL // count)}
    instances: list[Instance] = []
    try:
        for n in range(count):
            instances.append(await start(f"{label} {n + 1}", api, {**database, **share}))
        balancer = Balancer(api, instances)
        pump = asyncio.create_task(balancer.run())
        try:
            walks = [Walk(api, api.user(first_id + n, "Citizen", language_code="en"), "Punjab") for n in range(closed)]
            print(f"{label} x{count}: closed loop, {closed} citizens…", flush=True)
            seconds, stuck = await run_walks(api, walks)
            updates = sum(balancer.posted)
            slow = [
                Walk(api, api.user(first_id + closed + n, "Citizen", language_code="en"), "Sindh", think=THINK)
                for n in range(paced)
            ]
            print(f"{label} x{count}: {paced} citizens at a human pace…", flush=True)
            _, stuck_paced = await run_walks(api, slow)
            latencies = sorted(x for w in slow for x in w.latencies)
        finally:
            pump.cancel()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99)] * 1000
        retried = sum(w.resent for w in walks)
        return [
            label,
            str(count),
            f"{updates / seconds:.0f}",
            f"{seconds:.1f}",
            f"{retried}",
            f"{stuck}+{stuck_paced}",
            f"{p50:.0f}",
            f"{p99:.0f}",
        ]
    finally:
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.terminate()
                await instance.process.wait()
        await api.stop()


async def main(closed: int, paced: int) -> None:
    rows = [
        [
            "store",
            "instances",
            "updates/s (closed)",
            "closed walk s",
            "resent (closed)",
            "stuck (closed+paced)",
            "paced p50 ms",
            "paced p99 ms",
        ]
    ]
    with tempfile.TemporaryDirectory() as folder:
        rows.append(
            await one("SQLite", 1, {"DATABASE_PATH": str(Path(folder) / "bot.sqlite3")}, closed, paced, 100_000)
        )
    for count in (1, 2):
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(DATABASE_URL)
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
            database = {"DATABASE_URL": f"{DATABASE_URL}?search_path={schema}", "DATA_KEY": new_key()}
            rows.append(await one("PostgreSQL", count, database, closed, paced, 200_000 * count))
        finally:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    one_pg, two_pg = float(rows[2][2]), float(rows[3][2])
    print(f"PostgreSQL x2 / x1 (closed-loop updates/s): {two_pg / one_pg:.2f}")
    print(f"PostgreSQL x1 / SQLite x1: {one_pg / float(rows[1][2]):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--closed", type=int, default=200, help="citizens at once in the closed loop")
    parser.add_argument("--paced", type=int, default=100, help="citizens at a human pace")
    args = parser.parse_args()
    asyncio.run(main(args.closed, args.paced))
