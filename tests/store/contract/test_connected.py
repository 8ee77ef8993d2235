"""The connected-cases contract: match keys are written with their report; ``Cases.connected`` gives the other
reports sharing one, newest first, at most fifty; anonymising a closed case drops its keys, /forget does not."""

from __future__ import annotations

from bot.engine.session import COMPLETED, Session
from bot.store.base import Store
from bot.store.ports import Books, ReferenceTaken
from bot.store.records import CONNECTED_LIMIT, OPEN_STATUSES, AuditEntry, NewReport
from tests.store.contract.helpers import FLOW, FLOW_SOURCE

HANDLE = "1f" * 32  # what HMAC-SHA256 of "handle:bad.guy99" looks like: hex, 64 characters
PHONE = "2e" * 32
LINK = "3d" * 32
OTHER = "4c" * 32
CUTOFF = "2026-01-01T00:00:00+00:00"


async def report(
    store: Store, reference: str, keys: tuple[str, ...], *, queue: str | None = "punjab", chat_key: str | None = None
) -> int:
    revision = await store.live_revision(FLOW) or await store.publish(FLOW, FLOW_SOURCE, "admin")
    session = Session(flow_id=FLOW, revision=revision.id, lang="en", step="", status=COMPLETED)
    new = NewReport(
        reference=reference,
        pin="246810",
        flow_id=FLOW,
        revision_id=revision.id,
        chat_key=chat_key,
        language="en",
        category="harassment",
        province=queue,
        minor=False,
        answers={"suspects": "(the store never sees what the keys stand for)"},
        created_at="2026-11-28T10:00:00+00:00",
        queue=queue,
        match_keys=keys,
    )
    report_id = await store.commit_step(chat_key or f"anonymous:{reference}", session, new)
    assert report_id is not None
    return report_id


async def test_reports_sharing_a_key_are_connected_newest_first_with_reference_and_queue(books: Books) -> None:
    store = books.sessions
    assert isinstance(store, Store)
    first = await report(store, "FRST-2345", (HANDLE, LINK))
    second = await report(store, "SCND-2345", (PHONE,), queue="sindh")
    third = await report(store, "THRD-2345", (HANDLE, PHONE), queue=None)
    alone = await report(store, "ALON-2345", (OTHER,))
    assert await books.cases.connected(third) == [(second, "SCND-2345", "sindh"), (first, "FRST-2345", "punjab")]
    assert await books.cases.connected(first) == [(third, "THRD-2345", None)]  # sharing is not transitive
    assert await books.cases.connected(second) == [(third, "THRD-2345", None)]
    assert await books.cases.connected(alone) == []


async def test_a_report_sharing_several_keys_is_named_once(books: Books) -> None:
    store = books.sessions
    assert isinstance(store, Store)
    first = await report(store, "FRST-2345", (HANDLE, PHONE, LINK))
    second = await report(store, "SCND-2345", (LINK, PHONE, HANDLE, HANDLE))  # a repeated key is kept once
    assert await books.cases.connected(second) == [(first, "FRST-2345", "punjab")]


async def test_a_report_without_keys_or_unknown_is_connected_to_nothing(books: Books) -> None:
    store = books.sessions
    assert isinstance(store, Store)
    await report(store, "FRST-2345", (HANDLE,))
    bare = await report(store, "BARE-2345", ())
    assert await books.cases.connected(bare) == []
    assert await books.cases.connected(999_999) == []


async def test_at_most_fifty_are_given_the_newest(books: Books) -> None:
    store = books.sessions
    assert isinstance(store, Store)
    ids = [await report(store, f"R{n:03d}-2345", (HANDLE,)) for n in range(CONNECTED_LIMIT + 5)]
    found = await books.cases.connected(ids[0])
    assert len(found) == CONNECTED_LIMIT == 50
    assert [other for other, _, _ in found] == sorted(ids[1:], reverse=True)[:CONNECTED_LIMIT]


async def test_keys_are_written_in_the_reports_own_transaction(books: Books) -> None:
    """A report refused for its taken reference leaves no key behind to connect to."""
    store = books.sessions
    assert isinstance(store, Store)
    first = await report(store, "FRST-2345", (HANDLE,))
    try:
        await report(store, "FRST-2345", (HANDLE, PHONE))
    except ReferenceTaken:
        pass
    else:
        raise AssertionError("a taken reference was stored twice")
    later = await report(store, "LATR-2345", (PHONE,))
    assert await books.cases.connected(later) == []
    assert await books.cases.connected(first) == []


async def test_anonymising_a_closed_case_drops_its_keys_and_forget_keeps_them(books: Books) -> None:
    store = books.sessions
    assert isinstance(store, Store)
    closed = await report(store, "CLSD-2345", (HANDLE,))
    forgotten = await report(store, "FRGT-2345", (HANDLE,), chat_key="tg:77")
    current = await report(store, "CURR-2345", (HANDLE,))
    audit = AuditEntry("2025-01-11T00:00:00+00:00", 501, "officer", "resolve", closed, "punjab", True)
    changes = {"status": "resolved", "outcome": "advice", "closed_at": "2025-02-01T00:00:00+00:00"}
    assert await books.cases.transition(closed, OPEN_STATUSES, changes, audit) is not None
    await books.retention.forget("tg:77", "chat:77")  # the keys are about the abuser, not the citizen
    assert await books.retention.anonymise_closed(CUTOFF) == 1
    assert await books.cases.connected(current) == [(forgotten, "FRGT-2345", "punjab")]
    assert await books.cases.connected(closed) == []
