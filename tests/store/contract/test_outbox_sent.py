"""What a courier taking over counts against each chat's window: the messages sent, or perhaps sent, lately."""

from __future__ import annotations

import time

from bot.store.ports import Books
from bot.store.records import LEASE_SECONDS, SENDING, Outgoing

PUNJAB, SINDH = "queue:punjab", "queue:sindh"


async def test_a_digest_counts_once_and_a_claim_counts_as_perhaps_sent(books: Books) -> None:
    items = [Outgoing(kind="case", target=PUNJAB, dedupe_key=f"case:{n}") for n in range(3)]
    items.append(Outgoing(kind="case", target=SINDH, dedupe_key="case:sindh"))
    await books.outbox.add(items)
    due = {d.dedupe_key: d.id for d in await books.outbox.due()}
    before = time.time() - 1
    digest = [due["case:0"], due["case:1"]]
    assert await books.outbox.mark_sending(digest, "first") == digest
    await books.outbox.mark_sent(digest)  # one message listing two cases
    assert await books.outbox.mark_sending([due["case:sindh"]], "first") == [due["case:sindh"]]
    await books.outbox.mark_sent([due["case:sindh"]])
    claimed_at = time.time()
    assert await books.outbox.mark_sending([due["case:2"]], "first") == [due["case:2"]]  # the instance died here

    found = await books.outbox.sent_since(before)
    assert sorted(target for target, _ in found) == [PUNJAB, PUNJAB, SINDH]
    assert all(before <= at <= time.time() for _, at in found)
    in_flight = max(at for target, at in found if target == PUNJAB)
    assert abs(in_flight - claimed_at) < 5  # a claim counts from when it was made (its lease less its length)
    assert await books.outbox.sent_since(time.time() + LEASE_SECONDS) == []


async def test_a_held_receipt_is_not_counted_as_a_courier_s_message(books: Books) -> None:
    # Held by the citizen's adapter until shown, for longer than a lease: not a message the courier sent.
    receipt = Outgoing(kind="receipt", target="chat:1001", dedupe_key="receipt:A", payload={"pin": "1"}, state=SENDING)
    await books.outbox.add([receipt])
    assert await books.outbox.sent_since(time.time() - 3600) == []
