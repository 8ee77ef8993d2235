"""The desk's case page lists what the citizen added to her case after sending it (/add), with the times,
escaped like everything she writes; a case she added nothing to has no such section."""

from __future__ import annotations

from bot.store.records import AuditEntry, EvidenceLink, Outgoing
from tests.desk.conftest import ADMIN, Desk


async def add(desk: Desk, report_id: int, text: str) -> None:
    audit = AuditEntry("2026-11-28T12:00:00+00:00", None, "citizen", "add_information", report_id, "punjab", True)
    relay = Outgoing("addition", "queue:punjab", f"addition:{report_id}", report_id, payload={"text": text})
    links = [EvidenceLink("https://instagram.com/new.bad.account", "instagram")]
    assert await desk.store.books().cases.add_information(report_id, text, links, audit, relay)


async def test_the_case_page_lists_what_the_citizen_added_oldest_first(desk: Desk) -> None:
    report_id = await desk.submit("ADDS-2345")
    await add(desk, report_id, "he made a new account today")
    await add(desk, report_id, "<script>alert(1)</script> his number too")
    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{report_id}")).text
    await client.aclose()
    assert "Added by the citizen after sending" in page and 'id="additions"' in page
    first, second = page.index("he made a new account today"), page.index("his number too")
    assert first < second
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "https://instagram.com/new.bad.account" in page  # its link is with the evidence


async def test_a_case_with_nothing_added_has_no_such_section(desk: Desk) -> None:
    report_id = await desk.submit("NONE-2345")
    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{report_id}")).text
    await client.aclose()
    assert 'id="additions"' not in page
