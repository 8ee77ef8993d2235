"""The retention contract: drafts expire, closed cases keep their figures and lose the rest, /forget detaches a chat."""

from __future__ import annotations

from bot.clock import now_iso
from bot.engine.session import ACTIVE, Session
from bot.store.base import Store
from bot.store.ports import Books
from bot.store.records import OPEN_STATUSES, AuditEntry, ChatState, EvidenceLink, Forgotten, Outgoing
from tests.store.contract.helpers import CITIZEN, FLOW, FLOW_SOURCE, submit

CHAT = "chat:1001"  # the outbox target of CITIZEN
LATER = 4_000_000_000.0  # far in the future: every pending delivery is due
CUTOFF = "2026-01-01T00:00:00+00:00"
LONG_AGO = "2025-02-01T00:00:00+00:00"
RECENTLY = "2026-11-01T00:00:00+00:00"
LINK = EvidenceLink("https://instagram.com/nadia.fake.profile", "instagram")
OFFICER, OTHER_OFFICER = 501, 502


def draft(revision: int) -> Session:
    return Session(flow_id=FLOW, revision=revision, lang="ur", step="account", status=ACTIVE)


def receipt(key: str, target: str = CHAT) -> Outgoing:
    return Outgoing(kind="receipt", target=target, dedupe_key=key, payload={"pin": "4821"})


def card(key: str) -> Outgoing:
    return Outgoing(kind="case", target="queue:punjab", dedupe_key=key)


def entry(action: str, report_id: int | None) -> AuditEntry:
    return AuditEntry("2025-01-11T00:00:00+00:00", OFFICER, "officer", action, report_id, "punjab", True)


async def close(books: Books, report_id: int, closed_at: str) -> None:
    changes = {"status": "resolved", "outcome": "advice", "closed_at": closed_at}
    assert await books.cases.transition(report_id, OPEN_STATUSES, changes, entry("resolve", report_id)) is not None


async def pending_keys(books: Books) -> set[str]:
    return {d.dedupe_key for d in await books.outbox.due(now=LATER)}


def system_entries(trail: list[AuditEntry], action: str) -> list[tuple[int | None, str, int | None, str | None, str]]:
    """The store's own entries of ``action``, without their time."""
    return [(e.actor, e.actor_name, e.report_id, e.queue, e.detail) for e in trail if e.action == action]


# ---- drafts -----------------------------------------------------------------------------------------


async def test_drafts_untouched_before_the_cutoff_expire_on_every_revision(store: Store, books: Books) -> None:
    first = await store.publish(FLOW, FLOW_SOURCE, "admin")
    second = await store.publish(FLOW, FLOW_SOURCE + "# changed\n", "admin")
    await store.commit_step("tg:1", draft(first.id))
    await store.commit_step("tg:2", draft(second.id))
    report_id = await submit(store)

    assert await books.retention.expire_drafts("2000-01-01T00:00:00+00:00") == 0
    assert await store.load_session("tg:1") is not None and await store.load_session("tg:2") is not None

    assert await books.retention.expire_drafts("9999-01-01T00:00:00+00:00") == 2
    assert await store.load_session("tg:1") is None and await store.load_session("tg:2") is None
    assert await store.report_by_id(report_id) is not None  # submitted reports are not drafts
    assert await books.retention.expire_drafts("9999-01-01T00:00:00+00:00") == 0


async def test_a_draft_touched_at_the_cutoff_itself_stays(store: Store, books: Books) -> None:
    revision = await store.publish(FLOW, FLOW_SOURCE, "admin")
    cutoff = now_iso()  # the draft is saved at this second or later
    await store.commit_step("tg:1", draft(revision.id))

    assert await books.retention.expire_drafts(cutoff) == 0
    assert await store.load_session("tg:1") is not None


# ---- anonymisation ------------------------------------------------------------------------------------


async def test_closed_cases_before_the_cutoff_lose_what_identifies_the_citizen(store: Store, books: Books) -> None:
    old = await submit(store, "OLD-1", minor=True, evidence=(LINK,), deliveries=(card("c1"), receipt("r1")))
    recent = await submit(store, "RECENT-2", evidence=(LINK,), deliveries=(card("c2"),))
    still_open = await submit(store, "OPEN-3", evidence=(LINK,), deliveries=(card("c3"),))
    await books.cases.open_ask(old, OFFICER, -1002, 77)
    question = await books.cases.ask(old, OFFICER, "Which account?", entry("ask", old), receipt("q"))
    assert question
    await books.cases.open_ask(old, OTHER_OFFICER, -1002, 78)
    await books.cases.open_ask(recent, OTHER_OFFICER, -1002, 79)
    await close(books, old, LONG_AGO)
    await close(books, recent, RECENTLY)
    kept = {r: await store.report_by_id(r) for r in (recent, still_open)}

    assert await books.retention.anonymise_closed(CUTOFF) == 1

    gone = await store.report_by_id(old)
    assert gone is not None
    assert (gone.answers, gone.evidence, gone.chat_key) == ({}, (), None)
    assert (gone.reference, gone.category, gone.province, gone.minor) == ("OLD-1", "blackmail", "punjab", True)
    assert (gone.status, gone.outcome, gone.closed_at, gone.created_at) == (
        "resolved",
        "advice",
        LONG_AGO,
        "2026-11-28T10:00:00+00:00",
    )
    assert await books.cases.question(question) is None
    assert await books.cases.pending_ask(old, OTHER_OFFICER, within=3600) is None
    assert await pending_keys(books) == {"c2", "c3"}
    assert [r.id for r in await store.reports_for_chat(CITIZEN)] == [recent, still_open]
    for report_id, before in kept.items():
        assert await store.report_by_id(report_id) == before
    assert await books.cases.pending_ask(recent, OTHER_OFFICER, within=3600) == 79
    assert system_entries(await books.audit.trail(), "anonymise") == [(None, "system", None, None, "1 closed cases")]


async def test_anonymisation_happens_once(store: Store, books: Books) -> None:
    report_id = await submit(store)
    await close(books, report_id, LONG_AGO)
    assert await books.retention.anonymise_closed(CUTOFF) == 1

    assert await books.retention.anonymise_closed(CUTOFF) == 0
    assert await books.retention.anonymise_closed("9999-01-01T00:00:00+00:00") == 0
    assert len(system_entries(await books.audit.trail(), "anonymise")) == 1  # no entry when nothing was due


async def test_a_case_closed_at_the_cutoff_itself_is_kept(store: Store, books: Books) -> None:
    report_id = await submit(store)
    await close(books, report_id, CUTOFF)

    assert await books.retention.anonymise_closed(CUTOFF) == 0
    found = await store.report_by_id(report_id)
    assert found is not None and found.chat_key == CITIZEN and found.answers != {}
    assert system_entries(await books.audit.trail(), "anonymise") == []


async def test_open_cases_are_never_anonymised(store: Store, books: Books) -> None:
    report_id = await submit(store, created_at="2020-01-01T00:00:00+00:00")
    claim = {"status": "claimed", "claimed_by": OFFICER, "claimed_at": "2020-01-02T00:00:00+00:00"}
    assert await books.cases.transition(report_id, ("new",), claim, entry("claim", report_id)) is not None

    assert await books.retention.anonymise_closed("9999-01-01T00:00:00+00:00") == 0
    found = await store.report_by_id(report_id)
    assert found is not None and found.chat_key == CITIZEN


async def test_anonymisation_is_audited_per_batch_of_500(store: Store, books: Books) -> None:
    ids = [await submit(store, f"REF-{n}", chat_key=None) for n in range(501)]
    for report_id in ids:
        await close(books, report_id, LONG_AGO)

    assert await books.retention.anonymise_closed(CUTOFF) == 501
    assert [d for *_, d in system_entries(await books.audit.trail(), "anonymise")] == [
        "500 closed cases",
        "1 closed cases",
    ]
    last = await store.report_by_id(ids[-1])
    assert last is not None and last.answers == {}


# ---- /forget ----------------------------------------------------------------------------------------------


async def test_forget_detaches_the_chat_and_drops_what_would_reach_it(store: Store, books: Books) -> None:
    first = await submit(store, "MINE-1", deliveries=(card("c1"), receipt("r1")))
    second = await submit(store, "MINE-2", deliveries=(receipt("r2"),))
    other = await submit(store, "THEIRS-3", chat_key="tg:10011", deliveries=(receipt("r3", "chat:10011"),))
    revision = await store.live_revision(FLOW)
    assert revision is not None
    await store.commit_step(CITIZEN, draft(revision.id))
    await store.commit_step("tg:10011", draft(revision.id))
    await books.outbox.add([receipt("later", CHAT)])
    await store.remember_messages(CITIZEN, [5, 6], 1.0)
    await store.remember_messages("tg:10011", [7], 1.0)

    assert await books.retention.forget(CITIZEN, CHAT) == Forgotten(draft=True, reports=2)

    assert await store.load_session(CITIZEN) is None
    assert await store.reports_for_chat(CITIZEN) == []
    for report_id in (first, second):
        found = await store.report_by_id(report_id)
        assert found is not None and found.chat_key is None and found.answers != {}  # the agency keeps the report
    assert await pending_keys(books) == {"c1", "r3"}
    assert await store.forget_messages(CITIZEN) == []
    assert await store.load_session("tg:10011") is not None
    assert [r.id for r in await store.reports_for_chat("tg:10011")] == [other]
    assert await store.forget_messages("tg:10011") == [(7, 1.0)]
    assert system_entries(await books.audit.trail(), "forget") == [(None, "citizen", None, None, "draft=1 reports=2")]


async def test_forget_drops_the_chat_state(store: Store, books: Books) -> None:
    await store.save_chat_state(ChatState(CITIZEN, "ur", last_update_id=42), remember=[9], sent_at=2.0)

    assert await books.retention.forget(CITIZEN, CHAT) == Forgotten(draft=False, reports=0)
    assert await store.chat_state(CITIZEN) is None
    assert await store.forget_messages(CITIZEN) == []


async def test_forget_with_nothing_to_forget_is_still_audited(books: Books) -> None:
    assert await books.retention.forget(CITIZEN, CHAT) == Forgotten(draft=False, reports=0)
    assert await books.retention.forget(CITIZEN, CHAT) == Forgotten(draft=False, reports=0)
    assert [d for *_, d in system_entries(await books.audit.trail(), "forget")] == ["draft=0 reports=0"] * 2


async def test_forget_keeps_a_block_and_spam_marks(store: Store, books: Books) -> None:
    report_id = await submit(store, "SPAM-1", chat_key="tg:9")
    marked = await submit(store, "SPAM-2", chat_key="tg:8")
    assert await books.senders.mark_spam("tg:9", report_id, threshold=2) is False
    assert await books.senders.mark_spam("tg:9", report_id, threshold=2) is True
    assert await books.senders.mark_spam("tg:8", marked, threshold=2) is False

    assert await books.retention.forget("tg:9", "chat:9") == Forgotten(draft=False, reports=1)
    assert await books.retention.forget("tg:8", "chat:8") == Forgotten(draft=False, reports=1)

    assert books.senders.is_blocked("tg:9") and await books.senders.spam_marks("tg:9") == 2
    assert not books.senders.is_blocked("tg:8") and await books.senders.spam_marks("tg:8") == 1
    reloaded = store.books().senders  # what a restart reads back
    await reloaded.load()
    assert reloaded.is_blocked("tg:9") and await reloaded.spam_marks("tg:9") == 2
