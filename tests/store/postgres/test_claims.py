"""The outbox shared by two instances: each delivery claimed by one, a dead one's claims taken over after
their lease, a live one's never, and a chat's state never taken back to an older update."""

from __future__ import annotations

import asyncio
import random

from bot.store.postgres.store import PostgresStore
from bot.store.records import PENDING, SENDING, SENT, ChatState, Outgoing

QUEUE = "queue:punjab"


def cards(n: int) -> list[Outgoing]:
    return [Outgoing("case", QUEUE, f"case:{k}", priority=k % 7 == 0) for k in range(n)]


async def test_two_couriers_at_once_send_each_delivery_once(pair: tuple[PostgresStore, PostgresStore]) -> None:
    await pair[0].books().outbox.add(cards(300))
    sent: dict[str, list[int]] = {"one": [], "two": []}

    async def courier(store: PostgresStore, name: str) -> None:
        outbox = store.books().outbox
        while due := await outbox.due(limit=40):
            claimed = await outbox.mark_sending([d.id for d in due], owner=name)
            sent[name].extend(claimed)
            await asyncio.sleep(0)  # the Bot API call
            await outbox.mark_sent(claimed)

    await asyncio.gather(courier(pair[0], "one"), courier(pair[1], "two"))
    assert not set(sent["one"]) & set(sent["two"])
    assert len(sent["one"]) + len(sent["two"]) == 300
    assert await pair[1].books().outbox.counts() == {SENT: 300}


async def test_claims_of_the_same_entries_at_once_through_both_take_each_once(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    await pair[0].books().outbox.add(cards(50))
    wanted = [d.id for d in await pair[0].books().outbox.due()]
    outboxes = [store.books().outbox for store in pair]

    claims = await asyncio.gather(
        *(outboxes[n % 2].mark_sending(random.sample(wanted, len(wanted)), owner=f"o{n}") for n in range(8))
    )
    taken = [row_id for claim in claims for row_id in claim]
    assert sorted(taken) == sorted(wanted)


async def test_a_dead_instances_claims_are_taken_over_after_their_lease_and_not_before(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    dead, survivor = (store.books().outbox for store in pair)
    await dead.add(cards(3))
    ids = [d.id for d in await dead.due()]
    assert await dead.mark_sending(ids, owner="dead", lease=0.5) == ids

    assert await survivor.mark_sending(ids, owner="survivor") == []
    assert await survivor.recover_in_flight() == 0  # a survivor restarting meanwhile leaves them too
    assert await survivor.due() == []
    await pair[0].close()  # the dead instance goes; its claims stay until their lease runs out

    await asyncio.sleep(0.6)
    assert sorted(d.id for d in await survivor.due()) == sorted(ids)
    assert sorted(await survivor.mark_sending(ids, owner="survivor")) == sorted(ids)
    assert await survivor.counts() == {SENDING: 3}


async def test_start_up_recovery_leaves_a_live_instances_deliveries_alone(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    live, starting = (store.books().outbox for store in pair)
    await live.add([*cards(2), Outgoing("receipt", "chat:1", "receipt:1", payload={"pin": "1"}, state=SENDING)])
    [first, _] = [d.id for d in await live.due()]
    await live.mark_sending([first], owner="live")

    assert await starting.recover_in_flight() == 0
    assert await starting.counts() == {PENDING: 1, SENDING: 2}
    assert [d.dedupe_key for d in await starting.due()] == ["case:1"]


async def test_chat_states_saved_at_once_by_both_keep_the_newest(pair: tuple[PostgresStore, PostgresStore]) -> None:
    updates = list(range(1, 41))
    random.shuffle(updates)
    await asyncio.gather(
        *(
            pair[n % 2].save_chat_state(ChatState("tg:7", "en", last_update_id=update), remember=[update])
            for n, update in enumerate(updates)
        )
    )
    state = await pair[1].chat_state("tg:7")
    assert state is not None and state.last_update_id == 40
    assert [mid for mid, _ in await pair[0].forget_messages("tg:7")] == list(range(1, 41))
