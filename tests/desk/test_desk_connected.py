"""The desk's case page lists the other reports naming the same account: links to those the reader may open,
a count of the rest."""

from __future__ import annotations

from tests.desk.conftest import ADMIN, AYESHA, Desk


async def connect(desk: Desk, *report_ids: int) -> None:
    """The reports share a match key, as when their citizens named the same handle."""
    rows = [(report_id, "5a" * 32) for report_id in report_ids]
    await desk.store.database.write(lambda conn: conn.executemany("INSERT INTO case_keys VALUES (?, ?)", rows))


async def test_an_officer_sees_links_to_cases_of_their_queues_and_a_count_of_the_others(desk: Desk) -> None:
    mine = await desk.submit("MINE-2345")
    same_queue = await desk.submit("SAME-2345")
    other_queue = await desk.submit("SIND-2345", queue="sindh")
    await connect(desk, mine, same_queue, other_queue)
    client = await desk.signed_in(AYESHA, "Ayesha")
    page = (await client.get(f"/case/{mine}")).text
    await client.aclose()
    assert "Other reports naming this account" in page
    assert f'<a href="/case/{same_queue}" dir="ltr">SAME-2345</a>' in page
    assert "SIND-2345" not in page and f"/case/{other_queue}" not in page
    assert "1 more report in a queue you do not handle" in page

    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{mine}")).text
    await client.aclose()
    assert "SAME-2345" in page and f'<a href="/case/{other_queue}" dir="ltr">SIND-2345</a>' in page
    assert "you do not handle" not in page


async def test_a_case_connected_to_none_shows_no_such_section(desk: Desk) -> None:
    alone = await desk.submit("ALON-2345")
    client = await desk.signed_in(ADMIN, "Admin")
    page = (await client.get(f"/case/{alone}")).text
    await client.aclose()
    assert "naming this account" not in page
