"""``main.py copy-store`` on a SQLite database with 10,000 reports: the counts, the wall time, a report
opened on both.

    python bench/copy_store.py [--reports N] [--batch B] [--dsn postgresql://…] [--tmpdir DIR] [--keep]

Seeds a SQLite file the way a burst of submissions leaves it (``testing/seeding.py``: each report with
its evidence link and its case card in the outbox, over four queues), then moves part of the cases on
as officers would (every 10th claimed, every 30th of those resolved, with their audit entries) and
leaves 100 unfinished drafts. Then runs the command's own ``copy_store`` into a fresh schema of the
project's PostgreSQL server (``--dsn``, else TEST_DATABASE_URL, else 127.0.0.1:5432/test), printing
what the command prints, and the wall time of the copy alone. The schema is dropped afterwards
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.copy_store import copy_store
from bot.engine.session import ACTIVE, Session
from bot.store.records import AuditEntry
from bot.store.sqlite.store import SqliteStore
from testing.seeding import seed_cases

DEFAULT_DSN = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
QUEUES = ("punjab", "sindh", "kp", "islamabad")
AT = "2026-11-28T10:00:00+00:00"


async def move_cases_on(db: Path, count: int) -> tuple[int, int, int]:
    """Claim every 10th case, resolve every 30th, leave 100 drafts: (claimed, resolved, drafts)."""
    store = SqliteStore(db, synchronous="NORMAL")  # seeding speed only
    await store.open()
    try:
        cases = store.books().cases
        claimed = resolved = 0
        for report_id in range(1, count + 1, 10):
            audit = AuditEntry(AT, 11, "officer 11", "claim", report_id, None, True)
            change = {"status": "claimed", "claimed_by": 11, "claimed_name": "officer 11", "claimed_at": AT}
            if await cases.transition(report_id, ["new"], change, audit):
                claimed += 1
            if report_id % 30 == 1:
                audit = AuditEntry(AT, 11, "officer 11", "resolve", report_id, None, True)
                done = {"status": "resolved", "outcome": "account removed", "closed_at": AT}
                if await cases.transition(report_id, ["claimed"], done, audit):
                    resolved += 1
        revision = await store.live_revision("report")
        assert revision is not None
        drafts = 100
        for n in range(drafts):
            draft = Session(
                flow_id="report",
                revision=revision.id,
                lang="en",
                step="account",
                status=ACTIVE,
                answers={"name": f"draft {n}"},
            )
            await store.commit_step(f"tg:{900_000 + n}", draft)
        return claimed, resolved, drafts
    finally:
        await store.close()


async def drop(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def bench(reports: int, batch: int, dsn: str, tmpdir: str | None, keep: bool) -> int:
    with tempfile.TemporaryDirectory(dir=tmpdir) as tmp:
        db = Path(tmp) / "bot.sqlite3"
        began = time.perf_counter()
        await seed_cases(db, reports, queues=QUEUES)
        claimed, resolved, drafts = await move_cases_on(db, reports)
        print(
            f"seeded {reports} reports ({claimed} claimed, {resolved} of them resolved) and {drafts} drafts "
            f"in {time.perf_counter() - began:.1f} s; {(await asyncio.to_thread(db.stat)).st_size / 1e6:.1f} MB",
            flush=True,
        )
        schema = f"bench_copy_{uuid.uuid4().hex[:12]}"
        try:
            began = time.perf_counter()
            result = await copy_store(db, dsn, schema=schema, batch=batch)
            wall = time.perf_counter() - began
        finally:
            if not keep:
                await drop(dsn, schema)
        print(f"copy-store wall time: {wall:.2f} s ({reports / wall:,.0f} reports/s); exit code {result}")
        if keep:
            print(f"kept schema {schema}")
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=10_000, help="reports to seed (default 10000)")
    parser.add_argument("--batch", type=int, default=1000, help="rows per COPY (default 1000)")
    parser.add_argument("--dsn", default=DEFAULT_DSN, help=f"PostgreSQL server (default {DEFAULT_DSN})")
    parser.add_argument("--tmpdir", help="where the SQLite file is made (default: the system's temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema afterwards")
    args = parser.parse_args()
    return asyncio.run(bench(args.reports, args.batch, args.dsn, args.tmpdir, args.keep))


if __name__ == "__main__":
    sys.exit(main())
