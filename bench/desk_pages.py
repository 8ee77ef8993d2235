"""The officers' desk over a large store: server time of the case list and the case page.

    python bench/desk_pages.py [--cases 100000] [--requests 200] [--db PATH]

Seeds ``--cases`` cases over four queues into a SQLite file (a third claimed, a third resolved),
then asks each page ``--requests`` times through the desk's ASGI app in this process (the time a
request spends in the server: routing, session and role checks, the store's queries, decryption of
the page's reports, templates; no network) and prints p50 and p99 per page. A seeded file given with
``--db`` is reused, so a second run measures without seeding again.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bot.cases.casework import Actor, Casework
from bot.cases.flows import FlowRegistry
from bot.config import Settings
from bot.desk.app import build_desk
from bot.desk.passes import Passes
from bot.desk.roles import Roles
from bot.desk.services import DeskServices
from bot.store.records import StoredReport
from bot.store.sqlite.store import SqliteStore
from testing.seeding import seed_cases

QUEUES = ("punjab", "sindh", "kpk", "balochistan")
OFFICER, ADMIN = 501, 9000


async def vary(db: Path) -> None:
    """A third of the cases claimed, a third resolved, as in a queue that has worked for a while."""
    store = SqliteStore(db)
    await store.open()

    def change(conn: sqlite3.Connection) -> None:
        # Received over the last 60 days, an hour apart: some new ones are overdue, as in a real queue.
        stamp = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || (id % 1440) || ' hours')"
        conn.execute(f"UPDATE reports SET created_at = {stamp}, queued_at = {stamp}")
        # Twenty officers share each queue's claims (queues go round by id); OFFICER is one of Punjab's.
        conn.execute(
            "UPDATE reports SET status = 'claimed', claimed_by = ? + ((id - 1) / 4) % 20, "
            "claimed_name = 'Ayesha', claimed_at = created_at WHERE id % 3 = 1",
            (OFFICER,),
        )
        conn.execute(
            "UPDATE reports SET status = 'resolved', outcome = 'advice', closed_at = created_at, "
            "claimed_by = ? + ((id - 1) / 4) % 20, claimed_name = 'Ayesha', claimed_at = created_at WHERE id % 3 = 2",
            (OFFICER,),
        )

    await store.database.write(change)
    await store.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(db: Path, requests: int) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        books = store.books(frozenset({ADMIN}))
        await books.admins.load()
        for n, queue in enumerate(QUEUES):
            await books.cases.bind(queue, -100 - n, "en", ADMIN)
        await books.cases.add_officer("punjab", OFFICER, ADMIN)
        flows = FlowRegistry(store)
        await flows.live()

        async def may_act(user_id: int, queue: str) -> bool:
            return queue in await books.cases.officer_queues(user_id)

        async def changed(report: StoredReport, actor: Actor, old_queue: str | None) -> None:
            return None

        passes = Passes(books.desk)
        services = DeskServices(
            books,
            flows,
            Casework.over(books),
            Roles(books.cases, books.admins.load, may_act),
            passes,
            Settings(bot_token="1:x", desk_port=1, desk_url="http://desk.bench"),
            changed,
        )
        app = build_desk(services)
        total = await store.count_reports()
        some_case = (await books.cases.open_cases(["punjab"], limit=1))[0]
        pages = {
            "officer: open cases of my queue": (OFFICER, "/"),
            "officer: claimed by me": (OFFICER, "/?status=open&mine=1"),
            "officer: overdue": (OFFICER, "/?status=open&overdue=1"),
            "officer: page 200 of my open cases": (OFFICER, "/?status=open&page=200"),
            "officer: search by reference": (OFFICER, f"/?ref={some_case.reference}"),
            "admin: every case, all statuses": (ADMIN, "/?status=all"),
            "admin: children only, any status": (ADMIN, "/?status=all&child=1"),
            "officer: a case page": (OFFICER, f"/case/{some_case.id}"),
            "officer: SLA board": (OFFICER, "/board"),
            "admin: SLA board, four queues": (ADMIN, "/board"),
            "admin: stats": (ADMIN, "/stats"),
            "admin: audit log": (ADMIN, "/admin/audit"),
        }
        print(f"{total:,} cases in {db}; {requests} requests per page, in-process (no network)")
        print(f"{'page':40} {'p50 ms':>8} {'p99 ms':>8}  rows")
        for name, (user, path) in pages.items():
            token = await passes.issue(user, "Ayesha" if user == OFFICER else "Admin")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://desk.bench") as client:
                signed = await client.post("/signin", data={"t": token})
                assert signed.status_code == 303, signed.text
                times = []
                rows = 0
                for _ in range(requests):
                    started = time.perf_counter()
                    response = await client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    rows = response.text.count('class="reference"')
            print(f"{name:40} {percentile(times, 0.5):8.1f} {percentile(times, 0.99):8.1f}  {rows}")
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="desk-bench-")) / "bot.sqlite3"
    if not db.exists():
        print(f"seeding {args.cases:,} cases into {db}")
        started = time.perf_counter()
        await seed_cases(db, args.cases, QUEUES)
        await vary(db)
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
    await measure(db, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
