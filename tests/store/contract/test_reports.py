"""Reports read back by id and by creation time (the export), and old sessions expiring, on every backend."""

from __future__ import annotations

from bot.engine.session import Session
from bot.store.base import Store
from tests.store.contract.helpers import FLOW, submit


async def test_a_report_by_id_is_the_report_by_reference(store: Store) -> None:
    report_id = await submit(store, "ABCD-2345")
    by_id, by_reference = await store.report_by_id(report_id), await store.report_by_reference("ABCD-2345")
    assert by_id is not None and by_id == by_reference and by_id.id == report_id
    assert await store.report_by_id(report_id + 1) is None


async def test_reports_created_take_since_leave_until_and_page_by_id(store: Store) -> None:
    days = ["2026-11-01", "2026-11-02", "2026-11-02", "2026-11-03", "2026-11-04"]
    ids = [
        await submit(store, f"DAY{n}-0000", created_at=f"{day}T10:00:00+00:00", chat_key=f"tg:{n}")
        for n, day in enumerate(days)
    ]
    window = await store.reports_created("2026-11-02T00:00:00+00:00", "2026-11-04T00:00:00+00:00", 0, 100)
    assert [r.id for r in window] == ids[1:4]
    first = await store.reports_created("2026-11-02T00:00:00+00:00", None, 0, 2)
    rest = await store.reports_created("2026-11-02T00:00:00+00:00", None, first[-1].id, 2)
    assert [r.id for r in first] == ids[1:3] and [r.id for r in rest] == ids[3:5]
    assert await store.reports_created("2026-11-02T00:00:00+00:00", None, ids[-1], 2) == []


async def test_expiry_drops_unfinished_sessions_of_old_revisions_only(store: Store) -> None:
    old = await store.publish(FLOW, "spec_version: 1\nid: report\n# old\n", "admin")
    new = await store.publish(FLOW, "spec_version: 1\nid: report\n# new\n", "admin")
    await store.commit_step("tg:1", Session(flow_id=FLOW, revision=old.id, lang="ur", step="category"))
    await store.commit_step("tg:2", Session(flow_id=FLOW, revision=new.id, lang="en", step="category"))
    # A cutoff in the past touches nothing; one in the future takes what is not on the live revision.
    assert await store.expire_sessions("2000-01-01T00:00:00+00:00", new.id) == 0
    assert await store.expire_sessions("9999-01-01T00:00:00+00:00", new.id) == 1
    assert await store.load_session("tg:1") is None
    kept = await store.load_session("tg:2")
    assert kept is not None and kept.revision == new.id
