"""Claims with a lease: what lets several instances share one outbox (every backend keeps the same contract).

An instance claims deliveries (``mark_sending``) for a lease; another may not take them while it runs,
and takes them over once it has run out (their instance died). A receipt written held is left to its
adapter for ``HOLD_SECONDS`` in the same way.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import HOLD_SECONDS, LEASE_SECONDS, PENDING, SENDING, Delivery, Outgoing
from tests.store.contract.helpers import claim_of, submit

QUEUE = "queue:punjab"
CHAT = "chat:1001"


def case(key: str, **fields: Any) -> Outgoing:
    return Outgoing(kind="case", target=QUEUE, dedupe_key=key, **fields)


def held_receipt(key: str) -> Outgoing:
    return Outgoing(kind="receipt", target=CHAT, dedupe_key=key, payload={"pin": "4821"}, state=SENDING)


async def ids(books: Books, *keys: str) -> list[int]:
    found = {d.dedupe_key: d.id for d in await books.outbox.due(now=time.time() + 10 * HOLD_SECONDS)}
    return [found[key] for key in keys]


def attempts(deliveries: list[Delivery]) -> list[tuple[str, int]]:
    return [(d.dedupe_key, d.attempts) for d in deliveries]


async def test_a_claim_returns_the_ids_it_took_in_the_order_given(store: Store, books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2"), case("c3")])
    c1, c2, c3 = await ids(books, "c1", "c2", "c3")
    before = time.time()

    assert await books.outbox.mark_sending([c3, c1, c1, c3 + 100], owner="instance-a", lease=30.0) == [c3, c1]

    owner, lease_until = await claim_of(store, c3)
    assert owner == "instance-a"
    assert lease_until is not None and before + 30.0 <= lease_until <= time.time() + 30.0
    assert await claim_of(store, c2) == (None, None)
    assert await books.outbox.mark_sending([]) == []
    assert await books.outbox.counts() == {PENDING: 1, SENDING: 2}


async def test_a_running_claim_is_taken_by_no_one_not_even_its_owner(books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2")])
    c1, c2 = await ids(books, "c1", "c2")
    assert await books.outbox.mark_sending([c1], owner="a") == [c1]

    assert await books.outbox.mark_sending([c1, c2], owner="b") == [c2]
    assert await books.outbox.mark_sending([c1, c2], owner="a") == []
    # Each was claimed once: one attempt each, seen once their leases have run out.
    assert attempts(await books.outbox.due(now=time.time() + LEASE_SECONDS + 5)) == [("c1", 1), ("c2", 1)]


async def test_a_claim_is_due_again_only_once_its_lease_has_run_out(books: Books) -> None:
    await books.outbox.add([case("old"), case("urgent", priority=True), case("claimed")])
    urgent, claimed = await ids(books, "urgent", "claimed")
    await books.outbox.mark_sending([urgent, claimed])

    assert attempts(await books.outbox.due(now=time.time() + LEASE_SECONDS - 5)) == [("old", 0)]
    # Ran out: offered again, in the usual order (priority first, then oldest), pending ones beside them.
    later = time.time() + LEASE_SECONDS + 5
    assert attempts(await books.outbox.due(now=later)) == [("urgent", 1), ("old", 0), ("claimed", 1)]
    assert attempts(await books.outbox.due(now=later, limit=2)) == [("urgent", 1), ("old", 0)]


async def test_a_dead_instances_claim_is_taken_over_once_its_lease_has_run_out(store: Store, books: Books) -> None:
    await books.outbox.add([case("c1"), case("c2")])
    c1, c2 = await ids(books, "c1", "c2")
    await books.outbox.mark_sending([c1], owner="dead", lease=-1.0)  # its lease ran out a second ago
    await books.outbox.mark_sending([c2], owner="alive")

    assert attempts(await books.outbox.due()) == [("c1", 1)]
    assert await books.outbox.mark_sending([c1, c2], owner="survivor") == [c1]
    owner, lease_until = await claim_of(store, c1)
    assert owner == "survivor" and lease_until is not None and lease_until > time.time()
    assert await books.outbox.due() == []
    assert attempts(await books.outbox.due(now=time.time() + LEASE_SECONDS + 5)) == [("c1", 2), ("c2", 1)]


async def test_a_held_receipt_is_left_to_its_adapter_for_the_hold_then_sent_by_any_courier(
    store: Store, books: Books
) -> None:
    before = time.time()
    await books.outbox.add([held_receipt("r1")])
    [r1] = await ids(books, "r1")

    owner, lease_until = await claim_of(store, r1)
    assert owner is None
    assert lease_until is not None and before + HOLD_SECONDS <= lease_until <= time.time() + HOLD_SECONDS
    assert await books.outbox.mark_sending([r1], owner="courier") == []  # its adapter is showing it
    assert await books.outbox.due(now=time.time() + HOLD_SECONDS - 10) == []
    # Its instance died without settling it: after the hold it is due, so another instance sends it.
    assert attempts(await books.outbox.due(now=time.time() + HOLD_SECONDS + 5)) == [("r1", 0)]


async def test_a_receipt_held_with_its_report_is_held_the_same(store: Store, books: Books) -> None:
    report_id = await submit(store, "EFGH-6789", deliveries=(held_receipt("receipt:EFGH-6789"),))
    held = await books.outbox.undelivered_receipt(CHAT)
    assert held is not None and held.report_id == report_id
    _, lease_until = await claim_of(store, held.id)
    assert lease_until is not None and lease_until > time.time() + HOLD_SECONDS - 10
    assert await books.outbox.mark_sending([held.id]) == []


@pytest.mark.parametrize("end", ["release", "retry", "mark_sent", "mark_dead", "settle_receipt"])
async def test_ending_a_claim_clears_its_owner_and_lease(store: Store, books: Books, end: str) -> None:
    await books.outbox.add([case("c1"), held_receipt("r1")])
    c1, r1 = await ids(books, "c1", "r1")
    assert await books.outbox.mark_sending([c1], owner="a") == [c1]

    if end == "release":
        await books.outbox.release([c1])
    elif end == "retry":
        await books.outbox.retry([c1], 0.0, "429")
    elif end == "mark_sent":
        await books.outbox.mark_sent([c1])
    elif end == "mark_dead":
        await books.outbox.mark_dead([c1], "chat not found")
    else:
        await books.outbox.settle_receipt("r1", delivered=False)
        assert await claim_of(store, r1) == (None, None)
        assert await books.outbox.mark_sending([r1], owner="courier") == [r1]
        return
    assert await claim_of(store, c1) == (None, None)


async def test_claims_made_at_once_take_each_entry_once(books: Books) -> None:
    await books.outbox.add([case(f"c{n}") for n in range(30)])
    wanted = [d.id for d in await books.outbox.due()]

    claims = await asyncio.gather(
        *(books.outbox.mark_sending(wanted[n:] + wanted[:n], owner=f"o{n}") for n in range(0, 30, 6))
    )
    taken = [row_id for claim in claims for row_id in claim]
    assert sorted(taken) == sorted(wanted)
    assert await books.outbox.counts() == {SENDING: 30}
