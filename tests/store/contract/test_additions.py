"""The additions contract: what a citizen adds to her open case (/add) is kept with it, its links appended to
the evidence after the ones it had, audited and relayed to its queue in one transaction; a closed case takes
nothing (a refused audit entry says so); anonymising a closed case deletes what she added."""

from __future__ import annotations

from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import CLAIMED, RESOLVED, SPAM, AuditEntry, EvidenceLink, Outgoing
from tests.store.contract.helpers import submit

AT = "2026-11-28T12:00:00+00:00"
FIRST = EvidenceLink("https://facebook.com/bad.account", "facebook")
NEW = EvidenceLink("https://instagram.com/new.bad.account", "instagram")
OTHER = EvidenceLink("https://x.com/another.one", "x")


def audit(report_id: int, detail: str = "1 link") -> AuditEntry:
    return AuditEntry(AT, None, "citizen", "add_information", report_id, "punjab", True, detail)


def relay(report_id: int) -> Outgoing:
    return Outgoing("addition", "queue:punjab", f"addition:{report_id}", report_id, False, {"text": "kept sealed"})


async def reported(books: Books) -> int:
    store = books.sessions
    assert isinstance(store, Store)
    return await submit(store, evidence=(FIRST,))


async def test_an_addition_is_kept_its_links_follow_the_evidence_and_its_relay_names_it(books: Books) -> None:
    report_id = await reported(books)
    text = "he made a new account today https://instagram.com/new.bad.account"
    changed = await books.cases.add_information(report_id, text, [NEW], audit(report_id), relay(report_id))
    assert changed is not None and changed.id == report_id and changed.evidence == (FIRST, NEW)
    stored = await books.reports.report_by_id(report_id)
    assert stored is not None and stored.evidence == (FIRST, NEW)
    [(added_at, kept)] = await books.cases.additions(report_id)
    assert kept == text and added_at >= "2026"
    trail = await books.audit.trail(report_id)
    assert trail[-1] == audit(report_id)
    [delivery] = [d for d in await books.outbox.due() if d.kind == "addition"]
    assert delivery.target == "queue:punjab" and delivery.report_id == report_id
    assert isinstance(delivery.payload["addition_id"], int) and delivery.payload["text"] == "kept sealed"
    assert delivery.dedupe_key == f"addition:{report_id}:{delivery.payload['addition_id']}"


async def test_additions_come_oldest_first_and_each_one_is_relayed(books: Books) -> None:
    report_id = await reported(books)
    assert await books.cases.add_information(report_id, "first", [NEW], audit(report_id), relay(report_id))
    assert await books.cases.add_information(report_id, "second", [], audit(report_id, "0 links"), relay(report_id))
    changed = await books.cases.add_information(report_id, "third", [OTHER], audit(report_id), relay(report_id))
    assert changed is not None and changed.evidence == (FIRST, NEW, OTHER)
    assert [text for _, text in await books.cases.additions(report_id)] == ["first", "second", "third"]
    ids = [d.payload["addition_id"] for d in await books.outbox.due() if d.kind == "addition"]
    assert len(set(ids)) == 3  # the same relay given three times: three deliveries, one per addition


async def test_a_claimed_or_waiting_case_takes_an_addition(books: Books) -> None:
    report_id = await reported(books)
    claim = {"status": CLAIMED, "claimed_by": 11, "claimed_name": "officer", "claimed_at": AT}
    assert await books.cases.transition(report_id, ["new"], claim, audit(report_id))
    assert await books.cases.add_information(report_id, "more", [], audit(report_id), relay(report_id))
    assert await books.cases.transition(report_id, [CLAIMED], {"status": "waiting"}, audit(report_id))
    assert await books.cases.add_information(report_id, "and more", [], audit(report_id), relay(report_id))
    assert len(await books.cases.additions(report_id)) == 2


async def test_a_closed_case_takes_nothing_and_the_refusal_is_audited(books: Books) -> None:
    for status in (RESOLVED, SPAM):
        store = books.sessions
        assert isinstance(store, Store)
        report_id = await submit(store, f"CLOS-234{len(status)}", evidence=(FIRST,))
        done = {"status": status, "closed_at": AT}
        assert await books.cases.transition(report_id, ["new"], done, audit(report_id))
        before = len(await books.outbox.due())
        assert await books.cases.add_information(report_id, "late", [NEW], audit(report_id), relay(report_id)) is None
        assert await books.cases.additions(report_id) == []
        stored = await books.reports.report_by_id(report_id)
        assert stored is not None and stored.evidence == (FIRST,)
        assert len(await books.outbox.due()) == before
        refused = (await books.audit.trail(report_id))[-1]
        assert refused.action == "add_information" and not refused.allowed and refused.detail == "case is closed"


async def test_an_unknown_case_takes_nothing(books: Books) -> None:
    assert await books.cases.add_information(999, "lost", [NEW], audit(999), relay(999)) is None
    assert await books.cases.additions(999) == []


async def test_anonymising_a_closed_case_deletes_what_she_added(books: Books) -> None:
    report_id = await reported(books)
    kept = await reported_other(books)
    assert await books.cases.add_information(report_id, "gone later", [NEW], audit(report_id), relay(report_id))
    assert await books.cases.add_information(kept, "stays", [], audit(kept), relay(kept))
    done = {"status": RESOLVED, "closed_at": "2026-11-28T13:00:00+00:00"}
    assert await books.cases.transition(report_id, ["new"], done, audit(report_id))
    assert await books.retention.anonymise_closed("2027-01-01T00:00:00+00:00") == 1
    assert await books.cases.additions(report_id) == []
    assert [text for _, text in await books.cases.additions(kept)] == ["stays"]


async def reported_other(books: Books) -> int:
    store = books.sessions
    assert isinstance(store, Store)
    return await submit(store, "OTHR-2345", chat_key="tg:1002")
