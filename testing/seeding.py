"""Submitted cases written straight into a store, as a burst of submissions leaves them (report + outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.cases.deliveries import new_case_delivery
from bot.cases.flows import ensure_published
from bot.engine.session import COMPLETED, Session
from bot.store.records import EvidenceLink, NewReport
from bot.store.sqlite.store import SqliteStore

CATEGORIES = ("blackmail", "harassment", "impersonation", "hacking", "stalking", "child_abuse")


async def seed_cases(db: Path, count: int, queues: Sequence[str] = ("punjab",)) -> dict[str, str]:
    """Store ``count`` cases spread over ``queues``; returns reference -> queue."""
    store = SqliteStore(db, synchronous="NORMAL")  # seeding speed only; the bot itself runs with FULL
    await store.open()
    try:
        live, _ = await ensure_published(store)
        placed: dict[str, str] = {}
        for n in range(count):
            reference = f"B{n // 1000:03d}-{n % 1000:04d}"
            category = CATEGORIES[n % len(CATEGORIES)]
            queue = queues[n % len(queues)]
            report = NewReport(
                reference=reference,
                pin="-",
                flow_id="report",
                revision_id=live.id,
                chat_key=f"tg:{500_000 + n}",
                language="ur" if n % 2 else "en",
                category=category,
                province=queue,
                minor=category == "child_abuse",
                answers={
                    "category": category,
                    "province": queue,
                    "platforms": ["facebook"],
                    "account": "He keeps sending threats from a fake account. " * 4,
                    "contact": "bot",
                },
                evidence=(EvidenceLink("https://www.facebook.com/fake.profile", "facebook"),),
                queue=queue,
                priority=category == "child_abuse",
                deliveries=(new_case_delivery(None, reference, queue, category == "child_abuse"),),
            )
            session = Session(flow_id="report", revision=live.id, lang="en", status=COMPLETED, step=None, id="s")
            await store.commit_step(report.chat_key or "", session, report)
            placed[reference] = queue
        return placed
    finally:
        await store.close()
