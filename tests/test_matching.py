"""Connected cases, the pure part (bot/cases/matching.py): what a report names about the abuser, in one form
whatever the spelling, and kept only as a keyed hash."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.cases.matching import identifiers, keyed, match_keys
from bot.cases.reports import build_report
from bot.engine.model import Flow
from bot.engine.session import COMPLETED, Answer, Session
from bot.problems import ConfigError
from bot.store.keyring import new_key
from bot.store.match_key import load_match_key, match_key_file_for, postgres_match_key

KEY = b"k" * 32


def answers(flow: Flow, **given: Answer) -> dict[str, Answer]:
    """Answers by their report field (suspects, evidence, account, phone …), keyed by the flow's step ids."""
    return {flow.report[name]: value for name, value in given.items()}


def keys_of(flow: Flow, key: bytes = KEY, **given: Answer) -> tuple[str, ...]:
    return match_keys(flow, answers(flow, **given), key)


def evidence(*urls: str) -> list[dict[str, str]]:
    return [{"url": url, "platform": "instagram"} for url in urls]


@pytest.mark.parametrize(
    "given",
    [
        {"suspects": "@Bad.Guy99"},
        {"suspects": "instagram.com/bad.guy99/"},
        {"suspects": "https://www.instagram.com/Bad.Guy99?igsh=x"},
        {"suspects": "woh ladka @BAD.GUY99. mujhe tang karta hai"},
        {"evidence": evidence("https://instagram.com/bad.guy99/")},
        {"suspects": "tiktok.com/@bad.guy99/video/7312345"},
        {"account": "He messages me from @Bad.Guy99 every night"},
    ],
)
def test_every_spelling_of_one_handle_gives_one_key(report_flow: Flow, given: dict[str, Answer]) -> None:
    assert identifiers(report_flow, answers(report_flow, **given)) == ["handle:bad.guy99"]
    assert keys_of(report_flow, **given) == (keyed("handle:bad.guy99", KEY),)


def test_different_handles_give_different_keys(report_flow: Flow) -> None:
    one = keys_of(report_flow, suspects="@bad.guy99")
    other = keys_of(report_flow, suspects="@bad.guy98")
    underscored = keys_of(report_flow, suspects="@bad_guy99")
    assert len({*one, *other, *underscored}) == 3


def test_a_key_is_a_hex_digest_and_nothing_in_clear(report_flow: Flow) -> None:
    (key,) = keys_of(report_flow, suspects="@bad.guy99")
    assert len(key) == 64 and int(key, 16) >= 0
    assert "bad" not in key


def test_another_match_key_gives_other_keys(report_flow: Flow) -> None:
    first = keys_of(report_flow, KEY, suspects="@bad.guy99 03001234567")
    second = keys_of(report_flow, b"m" * 32, suspects="@bad.guy99 03001234567")
    assert len(first) == len(second) == 2 and not set(first) & set(second)


def test_phone_numbers_are_read_from_the_suspects_answer_in_e164(report_flow: Flow) -> None:
    for spelling in ("03001234567", "0300-1234567", "+92 300 1234567", "۰۳۰۰۱۲۳۴۵۶۷", "wa.me/923001234567"):
        found = identifiers(report_flow, answers(report_flow, suspects=f"is number se: {spelling}"))
        assert found == ["phone:+923001234567"], spelling


def test_the_citizens_own_phone_is_not_used(report_flow: Flow) -> None:
    own: dict[str, Answer] = {"contact": "phone", "phone": "+923211234567"}
    assert keys_of(report_flow, **own) == ()
    # Typed among the abuser's, her own number is still hers.
    found = identifiers(report_flow, answers(report_flow, suspects="he calls my 03211234567 from 03001234567", **own))
    assert found == ["phone:+923001234567"]


def test_the_account_gives_only_handles_and_links_not_numbers(report_flow: Flow) -> None:
    found = identifiers(
        report_flow,
        answers(report_flow, account="Ayesha here, 03001234567 is my brother's. He is t.me/bad_guy and @someone."),
    )
    assert found == ["handle:someone", "handle:bad_guy"]


def test_profile_links_of_each_platform_give_the_handle(report_flow: Flow) -> None:
    text = (
        "facebook.com/Bad.Guy99 x.com/Bad_Guy/status/17 twitter.com/bad_guy youtube.com/@BadGuy "
        "snapchat.com/add/badguy t.me/bad_guy https://www.facebook.com/profile.php?id=100012345678&ref=x"
    )
    found = identifiers(report_flow, answers(report_flow, suspects=text))
    assert found == ["handle:bad.guy99", "handle:bad_guy", "handle:badguy", "facebook-id:100012345678"]


def test_other_links_are_kept_in_one_form_and_platform_pages_are_not_handles(report_flow: Flow) -> None:
    found = identifiers(
        report_flow,
        answers(
            report_flow,
            evidence=evidence(
                "https://www.instagram.com/p/Cx1/",
                "http://instagram.com/p/Cx1",
                "https://youtube.com/watch?v=abc&si=share",
                "https://facebook.com/groups/123/",
                "https://example.pk/",
            ),
        ),
    )
    assert found == ["link:instagram.com/p/Cx1", "link:youtube.com/watch?v=abc", "link:facebook.com/groups/123"]


def test_an_email_address_is_not_a_handle(report_flow: Flow) -> None:
    assert identifiers(report_flow, answers(report_flow, suspects="bad.guy@gmail.com")) == []


def test_build_report_keeps_match_keys_only_with_a_match_key(report_flow: Flow) -> None:
    session = Session(flow_id=report_flow.id, revision=1, lang="en", step=None, status=COMPLETED)
    given = answers(report_flow, suspects="@Bad.Guy99")
    at = "2026-11-28T12:00:00+00:00"
    assert (
        build_report(report_flow, session, given, reference="R", pin="", chat_key="c", created_at=at).match_keys == ()
    )
    keyed_report = build_report(
        report_flow, session, given, reference="R", pin="", chat_key="c", created_at=at, match_key=KEY
    )
    assert keyed_report.match_keys == (keyed("handle:bad.guy99", KEY),)


# ---- the match key ----------------------------------------------------------------------------------


def test_the_match_key_file_is_created_owner_only_beside_the_database_and_kept(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    first = load_match_key(database, {})
    path = match_key_file_for(database)
    assert path.name == "bot.sqlite3.matchkey" and path.stat().st_mode & 0o777 == 0o600
    assert load_match_key(database, {}) == first and len(first) == 32


def test_match_key_and_match_key_file_come_before_the_file_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    given = new_key()
    from_setting = load_match_key(database, {"MATCH_KEY": given})
    elsewhere = tmp_path / "secret" / "match.key"
    elsewhere.parent.mkdir()
    elsewhere.write_text(given + "\n")
    assert load_match_key(database, {"MATCH_KEY_FILE": str(elsewhere)}) == from_setting
    assert not match_key_file_for(database).exists()
    # A MATCH_KEY_FILE not there yet is created there, owner-only, as DATA_KEY_FILE is.
    created = tmp_path / "keys" / "match.key"
    created.parent.mkdir()
    key = load_match_key(database, {"MATCH_KEY_FILE": str(created)})
    assert created.stat().st_mode & 0o777 == 0o600 and load_match_key(database, {"MATCH_KEY_FILE": str(created)}) == key
    assert not match_key_file_for(database).exists()
    with pytest.raises(ConfigError, match="MATCH_KEY: key 1 is"):
        load_match_key(database, {"MATCH_KEY": "not a key"})


def test_postgresql_without_a_match_key_runs_with_connected_cases_off(caplog: pytest.LogCaptureFixture) -> None:
    assert postgres_match_key({}) is None
    assert "MATCH_KEY is not set" in caplog.text
    given = new_key()
    assert postgres_match_key({"MATCH_KEY": given}) == load_match_key(Path(os.devnull), {"MATCH_KEY": given})


def test_a_lost_match_key_file_is_not_replaced_while_the_database_holds_match_keys(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    load_match_key(database, {})
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("CREATE TABLE case_keys (report_id INTEGER, key TEXT)")
        conn.execute("INSERT INTO case_keys VALUES (1, ?)", ("ab" * 32,))
        conn.commit()
    match_key_file_for(database).unlink()
    with pytest.raises(ConfigError, match="match key file is missing"):
        load_match_key(database, {})
    assert not match_key_file_for(database).exists()
