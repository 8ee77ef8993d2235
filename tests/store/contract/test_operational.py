"""Stats.operational, the figures the metrics endpoint exports: open conversations, deliveries by
destination and state (a chat's id never among them), and unclaimed cases past their SLA per queue."""

from __future__ import annotations

from typing import Any

from bot.engine.session import CANCELLED, Session
from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import DEAD, PENDING, SENDING, SENT, AuditEntry, Operational, Outgoing
from tests.store.contract.helpers import FLOW, FLOW_SOURCE, submit

OFFICER = 501
# A non-priority case is overdue once queued at or before BEFORE, a priority one (shorter SLA) at or
# before BEFORE_PRIORITY, which is therefore the later of the two.
BEFORE, BEFORE_PRIORITY = "2026-11-28T08:00:00+00:00", "2026-11-28T09:30:00+00:00"
EARLY, MIDDLE, LATE = "2026-11-28T07:00:00+00:00", "2026-11-28T09:00:00+00:00", "2026-11-28T10:00:00+00:00"


async def figures(books: Books) -> Operational:
    return await books.stats.operational(BEFORE, BEFORE_PRIORITY)


async def draft(books: Books, chat_key: str, status: str = "active") -> None:
    revision = await books.revisions.live_revision(FLOW) or await books.revisions.publish(FLOW, FLOW_SOURCE, "admin")
    session = Session(flow_id=FLOW, revision=revision.id, lang="en", step="account", status=status)
    assert await books.sessions.commit_step(chat_key, session) is None


def delivery(key: str, target: str, kind: str = "notice", **fields: Any) -> Outgoing:
    return Outgoing(kind=kind, target=target, dedupe_key=key, **fields)


async def ids_of(books: Books, *keys: str) -> list[int]:
    by_key = {d.dedupe_key: d.id for d in await books.outbox.due(now=4_000_000_000.0)}
    return [by_key[key] for key in keys]


async def claim(books: Books, report_id: int) -> None:
    audit = AuditEntry(LATE, OFFICER, "officer", "claim", report_id, "punjab", True)
    changes = {"status": "claimed", "claimed_by": OFFICER, "claimed_name": "officer", "claimed_at": LATE}
    assert await books.cases.transition(report_id, ("new",), changes, audit) is not None


async def test_an_empty_store_has_nothing_to_show(books: Books) -> None:
    assert await figures(books) == Operational(0, {}, {})


async def test_open_conversations_are_counted_until_they_finish(store: Store, books: Books) -> None:
    await draft(books, "tg:1")
    await draft(books, "tg:2")
    await draft(books, "tg:2")  # the same conversation, one step further
    assert (await figures(books)).sessions_open == 2

    await draft(books, "tg:1", status=CANCELLED)
    assert (await figures(books)).sessions_open == 1

    await submit(store, "R-1", chat_key="tg:2")  # the step that submits finishes the conversation
    assert (await figures(books)).sessions_open == 0


async def test_deliveries_are_counted_by_queue_and_state_and_every_chat_as_one(store: Store, books: Books) -> None:
    await submit(
        store,
        "R-1",
        chat_key="tg:1001",
        deliveries=(delivery("card:1", "queue:punjab", "case"), delivery("receipt:1", "chat:1001", "receipt")),
    )
    await books.outbox.add(
        [
            delivery("card:2", "queue:punjab", "case"),
            delivery("card:3", "queue:sindh", "case"),
            delivery("notice:1", "chat:1001"),
            delivery("notice:2", "chat:-2002"),
        ]
    )
    assert (await figures(books)).deliveries == {
        ("chat", PENDING): 3,
        ("punjab", PENDING): 2,
        ("sindh", PENDING): 1,
    }

    card, other_card, notice, other_notice = await ids_of(books, "card:1", "card:2", "notice:1", "notice:2")
    assert await books.outbox.mark_sending([card, other_card, notice, other_notice], owner="test") == [
        card,
        other_card,
        notice,
        other_notice,
    ]
    await books.outbox.mark_sent([card])
    await books.outbox.mark_dead([notice], "bot was blocked")
    await books.outbox.retry([other_notice], 4_000_000_000.0, "timed out")
    found = await figures(books)

    assert found.deliveries == {
        ("chat", DEAD): 1,
        ("chat", PENDING): 2,
        ("punjab", SENDING): 1,
        ("punjab", SENT): 1,
        ("sindh", PENDING): 1,
    }
    assert not any("1001" in destination or "2002" in destination for destination, _ in found.deliveries)


async def test_overdue_cases_are_new_ones_past_their_threshold_counted_per_queue(store: Store, books: Books) -> None:
    await submit(store, "R-1", queue="punjab", priority=True, created_at=MIDDLE)  # past the priority threshold
    await submit(store, "R-2", queue="punjab", created_at=MIDDLE)  # as old, but not priority: not yet
    await submit(store, "R-3", queue="sindh", created_at=EARLY)
    await submit(store, "R-4", queue=None, created_at=BEFORE)  # exactly at the threshold: overdue
    await submit(store, "R-5", queue="sindh", priority=True, created_at=LATE)  # too recent even for priority
    claimed = await submit(store, "R-6", queue="punjab", created_at=EARLY)
    await claim(books, claimed)

    assert (await figures(books)).overdue == {"none": 1, "punjab": 1, "sindh": 1}
    # The same cases with each threshold a second earlier: those exactly at it are no longer overdue.
    earlier = await books.stats.operational("2026-11-28T07:59:59+00:00", "2026-11-28T08:59:59+00:00")
    assert earlier.overdue == {"sindh": 1}


async def test_a_reminded_case_is_still_overdue_and_a_requeued_one_waits_anew(store: Store, books: Books) -> None:
    reminded = await submit(store, "R-1", queue="punjab", created_at=EARLY)
    moved = await submit(store, "R-2", queue="punjab", created_at=EARLY)
    await books.cases.raise_level([reminded], 2, [])
    assert (await figures(books)).overdue == {"punjab": 2}

    audit = AuditEntry(LATE, OFFICER, "officer", "transfer", moved, "punjab", True)
    assert await books.cases.transition(moved, ("new",), {"queue": "sindh", "queued_at": LATE}, audit) is not None
    assert (await figures(books)).overdue == {"punjab": 1}
