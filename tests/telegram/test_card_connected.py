"""Connected cases on the group card and the desk's case page: the references a reader may open are named,
the rest only counted."""

from __future__ import annotations

from bot.desk.roles import Role
from bot.desk.view import case_view
from bot.engine.model import Flow
from bot.store.records import Connected
from bot.telegram.card import card_text
from testing.fakeapi.html_check import visible_text
from tests.telegram.test_card import case

CONNECTED: list[Connected] = [(12, "PUNJ-2345", "punjab"), (11, "SIND-2345", "sindh"), (10, "PUNK-2345", "punjab")]


def test_the_card_names_the_references_of_its_queue_and_counts_the_others(report_flow: Flow) -> None:
    text = visible_text(card_text(case(language="en"), report_flow, "en", CONNECTED)[0])
    assert "🔗 2 other reports name this account: PUNJ-2345, PUNK-2345" in text
    assert "🔗 1 other report names this account (in other queues)" in text
    assert "SIND-2345" not in text


def test_the_card_of_a_case_connected_only_elsewhere_gives_only_the_count(report_flow: Flow) -> None:
    text = card_text(case(language="en", queue="kp"), report_flow, "en", CONNECTED)[0]
    assert "3 other reports name this account (in other queues)" in text
    assert "-2345" not in text


def test_a_card_with_no_connected_case_says_nothing_of_it(report_flow: Flow) -> None:
    assert "this account" not in card_text(case(), report_flow, "en")[0]
    assert card_text(case(), report_flow, "en", [])[0] == card_text(case(), report_flow, "en")[0]


def test_the_desk_shows_an_officer_the_cases_of_their_queues_and_an_admin_every_one(report_flow: Flow) -> None:
    officer = Role(501, "Ayesha", False, frozenset({"punjab"}))
    shown = case_view(case(), report_flow, "en", officer, [], [], CONNECTED)
    assert shown.connected == [(12, "PUNJ-2345"), (10, "PUNK-2345")] and shown.connected_hidden == 1
    admin = Role(9000, "Admin", True, frozenset())
    shown = case_view(case(), report_flow, "en", admin, [], [], CONNECTED)
    assert [reference for _, reference in shown.connected] == ["PUNJ-2345", "SIND-2345", "PUNK-2345"]
    assert shown.connected_hidden == 0
