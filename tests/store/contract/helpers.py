"""Reports put into a backend the way the conversation does it (one committed step), for the contract tests."""

from __future__ import annotations

from bot.engine.session import COMPLETED, Session
from bot.store.base import Store
from bot.store.memory.store import MemoryStore
from bot.store.postgres.store import PostgresStore
from bot.store.records import EvidenceLink, NewFile, NewReport, Outgoing
from bot.store.sqlite.store import SqliteStore

FLOW = "report"
FLOW_SOURCE = "spec_version: 1\nid: report\n"
CITIZEN = "tg:1001"


async def submit(
    store: Store,
    reference: str = "ABCD-2345",
    *,
    chat_key: str | None = CITIZEN,
    queue: str | None = "punjab",
    priority: bool = False,
    created_at: str = "2026-11-28T10:00:00+00:00",
    province: str | None = "punjab",
    category: str | None = "blackmail",
    minor: bool = False,
    answers: dict[str, object] | None = None,
    evidence: tuple[EvidenceLink, ...] = (),
    deliveries: tuple[Outgoing, ...] = (),
    files: tuple[NewFile, ...] = (),
) -> int:
    """Submit a report (a finished session in the same step); returns its id."""
    revision = await store.live_revision(FLOW) or await store.publish(FLOW, FLOW_SOURCE, "admin")
    session = Session(flow_id=FLOW, revision=revision.id, lang="en", step="", status=COMPLETED)
    report = NewReport(
        reference=reference,
        pin="246810",
        flow_id=FLOW,
        revision_id=revision.id,
        chat_key=chat_key,
        language="en",
        category=category,
        province=province,
        minor=minor,
        answers=answers if answers is not None else {"account": "@someone", "description": "threats"},
        evidence=evidence,
        created_at=created_at,
        queue=queue,
        priority=priority,
        deliveries=deliveries,
        files=files,
    )
    report_id = await store.commit_step(chat_key or f"anonymous:{reference}", session, report)
    assert report_id is not None
    return report_id


async def claim_of(store: Store, delivery_id: int) -> tuple[str | None, float | None]:
    """(owner, lease_until) of an outbox entry, read from the backend's own table: the port does not show them."""
    if isinstance(store, MemoryStore):
        entry = store.tables.outbox[delivery_id]
        return entry.owner, entry.lease_until
    if isinstance(store, SqliteStore):
        row = await store.database.fetchone("SELECT owner, lease_until FROM outbox WHERE id = ?", (delivery_id,))
        assert row is not None
        return row[0], row[1]
    if isinstance(store, PostgresStore):
        record = await store.database.fetchrow("SELECT owner, lease_until FROM outbox WHERE id = $1", delivery_id)
        assert record is not None
        return record[0], record[1]
    raise TypeError(f"no such backend: {type(store).__name__}")
