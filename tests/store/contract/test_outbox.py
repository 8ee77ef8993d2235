"""The outbox contract: what is due and in which order, the attempt count, and a receipt's short life."""

from __future__ import annotations

import time
from typing import Any

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.postgres.store import PostgresStore
from bot.store.records import DEAD, HOLD_SECONDS, PENDING, SENDING, SENT, Delivery, Outgoing
from tests.store.contract.helpers import CITIZEN, submit

QUEUE = "queue:punjab"
CHAT = "chat:1001"
LATER = 4_000_000_000.0  # far in the future


def case(key: str, **fields: Any) -> Outgoing:
    return Outgoing(kind="case", target=QUEUE, dedupe_key=key, **fields)


def receipt(key: str, target: str = CHAT, **fields: Any) -> Outgoing:
    return Outgoing(kind="receipt", target=target, dedupe_key=key, payload={"pin": "4821"}, **fields)


def keys(deliveries: list[Delivery]) -> list[str]:
    return [d.dedupe_key for d in deliveries]


async def by_key(books: Books, key: str, now: float = LATER) -> Delivery:
    return next(d for d in await books.outbox.due(now=now) if d.dedupe_key == key)


async def test_an_added_delivery_is_due_as_it_was_given(books: Books) -> None:
    before = time.time()
    payload = {"text": "آپ کی رپورٹ موصول ہو گئی", "n": [1, 2]}
    await books.outbox.add([case("c1", priority=True, payload=payload)])
    payload["text"] = "changed by the caller afterwards"

    [delivery] = await books.outbox.due()
    assert (delivery.kind, delivery.target, delivery.dedupe_key) == ("case", QUEUE, "c1")
    assert (delivery.report_id, delivery.priority, delivery.attempts) == (None, True, 0)
    assert delivery.payload == {"text": "آپ کی رپورٹ موصول ہو گئی", "n": [1, 2]}
    assert before <= delivery.created_at <= time.time()
    assert await books.outbox.counts() == {PENDING: 1}


async def test_an_existing_dedupe_key_is_left_as_it_is(books: Books) -> None:
    await books.outbox.add([case("c1", payload={"v": 1}), case("c1", payload={"v": 2})])
    [first] = await books.outbox.due()
    await books.outbox.mark_sending([first.id])
    await books.outbox.add([case("c1", payload={"v": 3}), case("c2")])

    assert await books.outbox.counts() == {PENDING: 1, SENDING: 1}
    [other] = await books.outbox.due()
    assert other.dedupe_key == "c2"
    await books.outbox.release([first.id])
    assert (await by_key(books, "c1")).payload == {"v": 1}


async def test_due_is_priority_first_then_oldest_and_only_pending_whose_time_has_come(books: Books) -> None:
    await books.outbox.add(
        [
            case("old"),
            case("urgent", priority=True),
            case("waits", not_before=2000.0),
            case("new"),
            case("urgent-later", priority=True, not_before=1000.0),
            case("taken"),
        ]
    )
    taken = await by_key(books, "taken")
    await books.outbox.mark_sending([taken.id])

    assert keys(await books.outbox.due(now=1000.0)) == ["urgent", "urgent-later", "old", "new"]
    assert keys(await books.outbox.due(now=999.0)) == ["urgent", "old", "new"]
    assert keys(await books.outbox.due(now=2000.0, limit=2)) == ["urgent", "urgent-later"]
    assert keys(await books.outbox.due(now=2000.0)) == ["urgent", "urgent-later", "old", "waits", "new"]
    assert await books.outbox.due(now=2000.0, limit=0) == []


async def test_due_without_a_time_uses_the_clock(books: Books) -> None:
    await books.outbox.add([case("now", not_before=time.time() - 1), case("later", not_before=time.time() + 3600)])
    assert keys(await books.outbox.due()) == ["now"]


async def test_next_due_at_is_the_earliest_pending_entry(books: Books) -> None:
    assert await books.outbox.next_due_at() is None
    await books.outbox.add([case("a", not_before=500.0), case("b", not_before=300.0), case("c", not_before=800.0)])
    assert await books.outbox.next_due_at() == 300.0

    b = await by_key(books, "b")
    await books.outbox.mark_sending([b.id])
    assert await books.outbox.next_due_at() == 500.0
    a = await by_key(books, "a")
    await books.outbox.mark_sent([a.id])
    assert await books.outbox.next_due_at() == 800.0


async def test_sending_counts_an_attempt_and_release_gives_it_back(books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2")])
    c1, c2 = await books.outbox.due()

    await books.outbox.mark_sending([c1.id, c2.id])
    assert await books.outbox.due() == []
    assert await books.outbox.counts() == {SENDING: 2}

    await books.outbox.release([c1.id])
    assert [(d.dedupe_key, d.attempts) for d in await books.outbox.due()] == [("c1", 0)]

    await books.outbox.retry([c2.id], 0.0, "timed out")
    await books.outbox.mark_sending([c2.id])
    await books.outbox.retry([c2.id], 0.0, "timed out")
    assert (await by_key(books, "c2")).attempts == 2


async def test_release_never_takes_attempts_below_zero(books: Books) -> None:
    await books.outbox.add([case("c1")])
    [c1] = await books.outbox.due()
    await books.outbox.release([c1.id])
    await books.outbox.release([c1.id])
    await books.outbox.mark_sending([c1.id])
    await books.outbox.release([c1.id])
    assert (await by_key(books, "c1")).attempts == 0


async def test_each_listed_id_changes_once_and_unknown_or_no_ids_change_nothing(books: Books) -> None:
    await books.outbox.add([case("c1")])
    [c1] = await books.outbox.due()
    await books.outbox.mark_sending([c1.id, c1.id, c1.id + 100])
    await books.outbox.release([])
    await books.outbox.mark_sent([])
    await books.outbox.mark_dead([], "no")
    await books.outbox.retry([], 0.0, "no")
    await books.outbox.mark_sending([])
    assert await books.outbox.counts() == {SENDING: 1}
    await books.outbox.retry([c1.id], 0.0, "again")
    assert (await by_key(books, "c1")).attempts == 1


async def test_retry_waits_until_its_time_and_keeps_the_attempts(books: Books) -> None:
    await books.outbox.add([case("c1")])
    [c1] = await books.outbox.due()
    await books.outbox.mark_sending([c1.id])
    await books.outbox.retry([c1.id], 1500.0, "429 Too Many Requests")

    assert await books.outbox.due(now=1499.0) == []
    assert await books.outbox.next_due_at() == 1500.0
    [again] = await books.outbox.due(now=1500.0)
    assert (again.id, again.attempts) == (c1.id, 1)


async def test_sent_and_dead_entries_are_kept_but_never_due(books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2"), case("c3")])
    c1, c2, _ = await books.outbox.due()
    await books.outbox.mark_sending([c1.id, c2.id])
    await books.outbox.mark_sent([c1.id])
    await books.outbox.mark_dead([c2.id], "chat not found")

    assert keys(await books.outbox.due(now=LATER)) == ["c3"]
    assert await books.outbox.counts() == {SENT: 1, DEAD: 1, PENDING: 1}
    await books.outbox.add([case("c1"), case("c2")])
    assert await books.outbox.counts() == {SENT: 1, DEAD: 1, PENDING: 1}


async def test_a_receipt_is_deleted_once_sent_or_dead(books: Books) -> None:
    await books.outbox.add([receipt("r1"), receipt("r2"), case("c1")])
    r1, r2, c1 = [await by_key(books, k) for k in ("r1", "r2", "c1")]
    await books.outbox.mark_sending([r1.id, r2.id, c1.id])
    await books.outbox.mark_sent([r1.id, c1.id])
    await books.outbox.mark_dead([r2.id], "bot was blocked by the user")

    assert await books.outbox.counts() == {SENT: 1}
    assert await books.outbox.undelivered_receipt(CHAT) is None
    await books.outbox.add([receipt("r1")])  # the key is free again: nothing of it was kept
    assert keys(await books.outbox.due()) == ["r1"]


async def test_undelivered_receipt_is_the_newest_not_yet_shown_to_that_chat(books: Books) -> None:
    assert await books.outbox.undelivered_receipt(CHAT) is None
    await books.outbox.add(
        [
            receipt("r1"),
            receipt("r2", state=SENDING),
            receipt("other-chat", target="chat:2002"),
            Outgoing(kind="answer", target=CHAT, dedupe_key="not-a-receipt"),
        ]
    )
    held = await books.outbox.undelivered_receipt(CHAT)
    assert held is not None
    assert (held.dedupe_key, held.kind, held.payload) == ("r2", "receipt", {"pin": "4821"})

    await books.outbox.settle_receipt("r2", delivered=True)
    pending = await books.outbox.undelivered_receipt(CHAT)
    assert pending is not None and pending.dedupe_key == "r1"
    await books.outbox.mark_sending([pending.id])
    assert (await books.outbox.undelivered_receipt(CHAT)) == Delivery(**{**_fields(pending), "attempts": 1})
    await books.outbox.mark_sent([pending.id])
    assert await books.outbox.undelivered_receipt(CHAT) is None
    other = await books.outbox.undelivered_receipt("chat:2002")
    assert other is not None and other.dedupe_key == "other-chat"


def _fields(delivery: Delivery) -> dict[str, Any]:
    return {name: getattr(delivery, name) for name in Delivery.__slots__}


async def test_a_held_receipt_is_not_due_until_settled_undelivered(books: Books) -> None:
    await books.outbox.add([receipt("r1", state=SENDING)])
    # Within its hold; after it, the receipt is due (its instance died holding it: test_outbox_claims.py).
    assert await books.outbox.due(now=time.time() + HOLD_SECONDS - 10) == []
    assert await books.outbox.counts() == {SENDING: 1}

    before = time.time()
    await books.outbox.settle_receipt("r1", delivered=False)
    [due] = await books.outbox.due(now=LATER)
    assert (due.dedupe_key, due.attempts) == ("r1", 0)
    next_at = await books.outbox.next_due_at()
    assert next_at is not None and before <= next_at <= time.time()


async def test_settling_undelivered_leaves_a_receipt_that_is_not_held(books: Books) -> None:
    await books.outbox.add([receipt("r1", not_before=LATER), Outgoing(kind="case", target=QUEUE, dedupe_key="c1")])
    c1 = await by_key(books, "c1")
    await books.outbox.mark_sending([c1.id])

    await books.outbox.settle_receipt("r1", delivered=False)
    await books.outbox.settle_receipt("c1", delivered=False)
    await books.outbox.settle_receipt("c1", delivered=True)
    await books.outbox.settle_receipt("missing", delivered=True)

    assert await books.outbox.next_due_at() == LATER
    assert await books.outbox.counts() == {PENDING: 1, SENDING: 1}


async def test_a_shown_receipt_goes_whatever_its_state(books: Books) -> None:
    await books.outbox.add([receipt("held", state=SENDING), receipt("waiting")])
    await books.outbox.settle_receipt("held", delivered=True)
    await books.outbox.settle_receipt("waiting", delivered=True)
    assert await books.outbox.counts() == {}
    assert await books.outbox.undelivered_receipt(CHAT) is None


async def test_recover_in_flight_puts_back_the_claims_whose_lease_ran_out_and_counts_them(books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2"), case("c3")])
    c1, c2, c3 = [await by_key(books, k) for k in ("c1", "c2", "c3")]
    await books.outbox.mark_sending([c1.id, c2.id, c3.id], owner="crashed", lease=-1.0)  # ran out a second ago
    await books.outbox.mark_sent([c3.id])

    assert await books.outbox.recover_in_flight() == 2
    assert await books.outbox.recover_in_flight() == 0
    assert await books.outbox.counts() == {PENDING: 2, SENT: 1}
    assert [(d.dedupe_key, d.attempts) for d in await books.outbox.due()] == [("c1", 1), ("c2", 1)]


async def test_recover_in_flight_leaves_a_running_lease_only_where_instances_share_the_database(
    store: Store, books: Books
) -> None:
    """PostgreSQL: a running lease is a live instance's delivery or held receipt. Memory and SQLite: one
    process owns the database, so at its courier's start whoever claimed an entry is dead."""
    await books.outbox.add([case("c1"), receipt("r1", state=SENDING)])
    c1 = await by_key(books, "c1")
    await books.outbox.mark_sending([c1.id], owner="alive")

    if isinstance(store, PostgresStore):
        assert await books.outbox.recover_in_flight() == 0
        assert await books.outbox.counts() == {SENDING: 2}
    else:
        assert await books.outbox.recover_in_flight() == 2
        assert [(d.dedupe_key, d.attempts) for d in await books.outbox.due()] == [("c1", 1), ("r1", 0)]


async def test_counts_are_per_state(books: Books) -> None:
    assert await books.outbox.counts() == {}
    await books.outbox.add([case(f"c{i}") for i in range(5)])
    c0, c1, c2, *_ = await books.outbox.due()
    await books.outbox.mark_sending([c0.id, c1.id, c2.id])
    await books.outbox.mark_sent([c0.id])
    await books.outbox.mark_dead([c1.id], "gone")
    assert await books.outbox.counts() == {PENDING: 2, SENDING: 1, SENT: 1, DEAD: 1}


async def test_deliveries_given_with_a_report_are_stored_with_its_id(store: Store, books: Books) -> None:
    before = await submit(store, "ABCD-2345")
    report_id = await submit(
        store,
        "EFGH-6789",
        deliveries=(
            Outgoing(kind="case", target=QUEUE, dedupe_key="case:EFGH-6789", priority=True),
            Outgoing(kind="receipt", target=f"chat:{CITIZEN}", dedupe_key="receipt:EFGH-6789", state=SENDING),
        ),
    )
    assert report_id != before

    due = await books.outbox.due()
    assert [(d.dedupe_key, d.report_id, d.priority) for d in due] == [("case:EFGH-6789", report_id, True)]
    held = await books.outbox.undelivered_receipt(f"chat:{CITIZEN}")
    assert held is not None and (held.dedupe_key, held.report_id) == ("receipt:EFGH-6789", report_id)
