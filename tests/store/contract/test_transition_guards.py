"""A transition changes the case only as the officer saw it: still in the queue, still unclaimed.

Found by a review of the desk, which added a second way to act at the same time as the group's
buttons: a stale copy of a case resolved it after it had moved to another queue, and two claims of
a case left waiting (a question asked before anyone claimed it) both succeeded.
"""

from __future__ import annotations

import asyncio

from bot.cases.casework import Actor, Casework
from bot.store.base import Store
from bot.store.ports import Books
from tests.store.contract.helpers import submit


async def test_a_case_moved_to_another_queue_is_not_changed_by_a_stale_copy(store: Store, books: Books) -> None:
    casework = Casework.over(books)
    report_id = await submit(store, "PUNJ-2345", queue="punjab")
    stale = await books.cases.case(report_id)
    assert stale is not None
    moved = await casework.transfer(stale, Actor(501, "Ayesha"), "sindh")
    assert moved is not None and moved.queue == "sindh"
    assert await casework.resolve(stale, Actor(501, "Ayesha"), "advice") is None  # Ayesha saw it in Punjab
    assert await casework.spam(stale, Actor(501, "Ayesha")) is None
    now = await books.cases.case(report_id)
    assert now is not None and (now.status, now.queue) == ("new", "sindh")
    refused = [e for e in await books.audit.trail(report_id) if not e.allowed]
    assert [(e.action, e.detail) for e in refused] == [("resolve", "case had moved on"), ("spam", "case had moved on")]


async def test_two_claims_of_a_case_waiting_without_a_claim_give_one_claim(store: Store, books: Books) -> None:
    casework = Casework.over(books)
    report_id = await submit(store, "WAIT-2345", queue="punjab")
    report = await books.cases.case(report_id)
    assert report is not None
    # A question from the desk before anyone claimed it: waiting, claimed by nobody.
    await books.cases.open_ask(report_id, 501, 0, None)
    assert await casework.ask(report, Actor(501, "Ayesha"), "When did it start?")
    waiting = await books.cases.case(report_id)
    assert waiting is not None and (waiting.status, waiting.claimed_by) == ("waiting", None)
    first, second = await asyncio.gather(
        casework.claim(waiting, Actor(501, "Ayesha")), casework.claim(waiting, Actor(502, "Bilal"))
    )
    assert [c is not None for c in (first, second)].count(True) == 1
    claimed = await books.cases.case(report_id)
    assert claimed is not None and claimed.status == "waiting"
    assert claimed.claimed_by == (501 if first is not None else 502)
