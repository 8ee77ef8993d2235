"""Approximate start dates in English, Roman Urdu and Urdu script, and the refusals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.dates import (
    EARLIEST_YEAR,
    FUTURE,
    IMPOSSIBLE,
    TOO_EARLY,
    UNRECOGNISED,
    ApproxDate,
    parse_approx_date,
)
from bot.engine.normalise import normalise
from bot.engine.outcome import Invalid, Reason, Valid

TODAY = date(2025, 6, 15)  # a Sunday
NEW_YEAR = date(2025, 1, 10)


def _parse(text: str, today: date = TODAY) -> Valid[ApproxDate] | Invalid:
    # The flow always normalises first; doing the same here exercises Urdu digits and Arabic letters.
    return parse_approx_date(normalise(text), today)


@pytest.mark.parametrize(
    ("text", "today", "iso", "precision"),
    [
        ("12/03/2025", TODAY, "2025-03-12", "day"),
        ("12-03-2025", TODAY, "2025-03-12", "day"),
        ("12.03.2025", TODAY, "2025-03-12", "day"),
        ("12 / 03 / 2025", TODAY, "2025-03-12", "day"),
        ("2025-03-12", TODAY, "2025-03-12", "day"),
        ("12/3/25", TODAY, "2025-03-12", "day"),
        ("1/1/1990", TODAY, "1990-01-01", "day"),
        ("03/2025", TODAY, "2025-03", "month"),
        ("3-2025", TODAY, "2025-03", "month"),
        ("2025-03", TODAY, "2025-03", "month"),
        ("2025", TODAY, "2025", "year"),
        ("2024.", TODAY, "2024", "year"),
        ("۱۲/۰۳/۲۰۲۵", TODAY, "2025-03-12", "day"),
        ("٢٠٢٤", TODAY, "2024", "year"),
        ("2024ء", TODAY, "2024", "year"),
        ("around 12/03/2025", TODAY, "2025-03-12", "day"),
        ("12/03/2025 se", TODAY, "2025-03-12", "day"),
        ("تقریباً 2024 سے", TODAY, "2024", "year"),
        ("16/06/2025", TODAY, "2025-06-16", "day"),  # one day ahead: time zones
    ],
)
def test_numeric_dates_are_read_day_first(text: str, today: date, iso: str, precision: str) -> None:
    assert _parse(text, today) == Valid(ApproxDate(iso, precision))


@pytest.mark.parametrize(
    ("text", "today", "iso", "precision"),
    [
        ("March 2025", TODAY, "2025-03", "month"),
        ("12 March 2025", TODAY, "2025-03-12", "day"),
        ("12th of March, 2025", TODAY, "2025-03-12", "day"),
        ("March 12, 2025", TODAY, "2025-03-12", "day"),
        ("Mar 2025", TODAY, "2025-03", "month"),
        ("SEPT 2024", TODAY, "2024-09", "month"),
        ("march", TODAY, "2025-03", "month"),
        ("june", TODAY, "2025-06", "month"),
        ("july", TODAY, "2024-07", "month"),
        ("december", NEW_YEAR, "2024-12", "month"),
        ("12 march", TODAY, "2025-03-12", "day"),
        ("20 june", TODAY, "2024-06-20", "day"),
        ("29 feb", TODAY, "2024-02-29", "day"),
        ("about March 2025", TODAY, "2025-03", "month"),
        ("since march", TODAY, "2025-03", "month"),
        ("in may 2024", TODAY, "2024-05", "month"),
        ("end of march", TODAY, "2025-03", "month"),
        ("early 2024", TODAY, "2024", "year"),
        # Roman Urdu
        ("janwari 2025", TODAY, "2025-01", "month"),
        ("farwari", TODAY, "2025-02", "month"),
        ("taqreeban aprail 2024 se", TODAY, "2024-04", "month"),
        ("march mein", TODAY, "2025-03", "month"),
        ("julai 2024", TODAY, "2024-07", "month"),
        ("5 disambar 2024", TODAY, "2024-12-05", "day"),
        # Urdu script
        ("مارچ 2025", TODAY, "2025-03", "month"),
        ("12 مارچ 2025", TODAY, "2025-03-12", "day"),
        ("۱۲ مارچ ۲۰۲۵", TODAY, "2025-03-12", "day"),
        ("جنوری", TODAY, "2025-01", "month"),
        ("فروری 2024", TODAY, "2024-02", "month"),
        ("فرورے 2024", TODAY, "2024-02", "month"),
        ("اپریل 2024", TODAY, "2024-04", "month"),
        ("مئی 2024", TODAY, "2024-05", "month"),
        ("مئ 2024", TODAY, "2024-05", "month"),
        ("مئے 2024", TODAY, "2024-05", "month"),
        ("جون", TODAY, "2025-06", "month"),
        ("جولائی 2024", TODAY, "2024-07", "month"),
        ("جولائ 2024", TODAY, "2024-07", "month"),
        ("جولائے 2024", TODAY, "2024-07", "month"),
        ("اگست 2024", TODAY, "2024-08", "month"),
        ("ستمبر 2024", TODAY, "2024-09", "month"),
        ("اکتوبر 2024", TODAY, "2024-10", "month"),
        ("نومبر 2024", TODAY, "2024-11", "month"),
        ("دسمبر", TODAY, "2024-12", "month"),
        ("تقریباً مارچ 2025 سے", TODAY, "2025-03", "month"),
        ("مارچ کے شروع میں", TODAY, "2025-03", "month"),
        ("مارچ 2025ء میں", TODAY, "2025-03", "month"),
        ("جنوري 2025", TODAY, "2025-01", "month"),  # Arabic yeh, folded by normalise()
        ("م\u06cc\u0654ی 2024", TODAY, "2024-05", "month"),  # ی + hamza typed apart
    ],
)
def test_month_names_in_three_languages(text: str, today: date, iso: str, precision: str) -> None:
    assert _parse(text, today) == Valid(ApproxDate(iso, precision))


@pytest.mark.parametrize(
    ("text", "today", "iso", "precision"),
    [
        # English
        ("today", TODAY, "2025-06-15", "day"),
        ("Yesterday", TODAY, "2025-06-14", "day"),
        ("day before yesterday", TODAY, "2025-06-13", "day"),
        ("3 days ago", TODAY, "2025-06-12", "day"),
        ("2 weeks ago", TODAY, "2025-06-01", "day"),
        ("a week ago", TODAY, "2025-06-08", "day"),
        ("about two weeks ago", TODAY, "2025-06-01", "day"),
        ("a few days ago", TODAY, "2025-06-12", "day"),
        ("2weeks ago", TODAY, "2025-06-01", "day"),
        ("one month ago", TODAY, "2025-05", "month"),
        ("three months ago", TODAY, "2025-03", "month"),
        ("an year ago", TODAY, "2024", "year"),
        ("2 years ago", TODAY, "2023", "year"),
        ("since 2 weeks", TODAY, "2025-06-01", "day"),
        ("since last 3 months", TODAY, "2025-03", "month"),
        ("last week", TODAY, "2025-06-08", "day"),
        ("last month", TODAY, "2025-05", "month"),
        ("last month", NEW_YEAR, "2024-12", "month"),
        ("last year", TODAY, "2024", "year"),
        ("this week", TODAY, "2025-06-09", "day"),
        ("this month", TODAY, "2025-06", "month"),
        ("this year", TODAY, "2025", "year"),
        # Roman Urdu
        ("aaj", TODAY, "2025-06-15", "day"),
        ("kal", TODAY, "2025-06-14", "day"),
        ("kal se", TODAY, "2025-06-14", "day"),
        ("3 din pehle", TODAY, "2025-06-12", "day"),
        ("do hafte pehle", TODAY, "2025-06-01", "day"),
        ("ek haftay pehle", TODAY, "2025-06-08", "day"),
        ("teen mahine pehle", TODAY, "2025-03", "month"),
        ("2 maheenay pehle", TODAY, "2025-04", "month"),
        ("ek saal pehle", TODAY, "2024", "year"),
        ("taqreeban 2 saal pehle", TODAY, "2023", "year"),
        ("pichle hafte", TODAY, "2025-06-08", "day"),
        ("pichle mahine se", TODAY, "2025-05", "month"),
        ("pichle saal", TODAY, "2024", "year"),
        ("is mahine", TODAY, "2025-06", "month"),
        ("2 hafton se", TODAY, "2025-06-01", "day"),
        # Urdu script
        ("آج", TODAY, "2025-06-15", "day"),
        ("کل", TODAY, "2025-06-14", "day"),
        ("کل سے", TODAY, "2025-06-14", "day"),
        ("پرسوں", TODAY, "2025-06-13", "day"),
        ("3 دن پہلے", TODAY, "2025-06-12", "day"),
        ("۳ دن پہلے", TODAY, "2025-06-12", "day"),
        ("دو ہفتے پہلے", TODAY, "2025-06-01", "day"),
        ("ایک ہفتہ پہلے", TODAY, "2025-06-08", "day"),
        ("تین مہینے پہلے", TODAY, "2025-03", "month"),
        ("ایک مہینہ پہلے", TODAY, "2025-05", "month"),
        ("دو ماہ قبل", TODAY, "2025-04", "month"),
        ("ایک سال پہلے", TODAY, "2024", "year"),
        ("تقریباً دو سال پہلے سے", TODAY, "2023", "year"),
        ("پچھلے ہفتے", TODAY, "2025-06-08", "day"),
        ("پچھلے مہینے", TODAY, "2025-05", "month"),
        ("پچھلے سال", TODAY, "2024", "year"),
        ("گزشتہ ماہ", TODAY, "2025-05", "month"),
        ("اس ہفتے", TODAY, "2025-06-09", "day"),
        ("اس سال", TODAY, "2025", "year"),
        ("چند دن پہلے", TODAY, "2025-06-12", "day"),
    ],
)
def test_relative_dates_in_three_languages(text: str, today: date, iso: str, precision: str) -> None:
    assert _parse(text, today) == Valid(ApproxDate(iso, precision))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason(UNRECOGNISED)),
        ("I don't remember", Reason(UNRECOGNISED)),
        ("week", Reason(UNRECOGNISED)),
        ("12 march 12", Reason(UNRECOGNISED)),
        ("12 march 2025 and 3 april", Reason(UNRECOGNISED)),
        ("31/02/2025", Reason(IMPOSSIBLE)),
        ("00/03/2025", Reason(IMPOSSIBLE)),
        ("12/13/2025", Reason(IMPOSSIBLE)),
        ("13/2025", Reason(IMPOSSIBLE)),
        ("29/02/2025", Reason(IMPOSSIBLE)),
        ("31 feb", Reason(IMPOSSIBLE)),
        ("17/06/2025", Reason(FUTURE)),
        ("july 2025", Reason(FUTURE)),
        ("2026", Reason(FUTURE)),
        ("12/3/99", Reason(FUTURE)),  # two-digit years are 20xx
        ("12/03/1985", Reason(TOO_EARLY, {"year": EARLIEST_YEAR})),
        ("1989", Reason(TOO_EARLY, {"year": EARLIEST_YEAR})),
        ("march 1970", Reason(TOO_EARLY, {"year": EARLIEST_YEAR})),
        ("40 saal pehle", Reason(TOO_EARLY, {"year": EARLIEST_YEAR})),
        ("999999 days ago", Reason(TOO_EARLY, {"year": EARLIEST_YEAR})),
    ],
)
def test_refusals_carry_a_reason(text: str, reason: Reason) -> None:
    assert _parse(text) == Invalid(reason)


def test_there_are_few_distinct_messages_and_each_gives_examples() -> None:
    messages = {UNRECOGNISED, IMPOSSIBLE, FUTURE, TOO_EARLY}
    assert len(messages) == 4
    assert all("12/03/2025" in m and "March 2025" in m for m in messages)
    assert "{year}" in TOO_EARLY
    assert TOO_EARLY.format(year=EARLIEST_YEAR).startswith("Please give a date from 1990")


def test_without_year_a_date_not_yet_reached_means_last_year() -> None:
    assert _parse("16 june") == Valid(ApproxDate("2024-06-16", "day"))
    assert _parse("15 june") == Valid(ApproxDate("2025-06-15", "day"))


_WORDS = st.sampled_from(
    (
        "12",
        "03",
        "2025",
        "/",
        "-",
        ".",
        "31",
        "02",
        "march",
        "mar",
        "جنوری",
        "مئ",
        "kal",
        "کل",
        "aaj",
        "2",
        "do",
        "دو",
        "weeks",
        "hafte",
        "ہفتے",
        "mahine",
        "saal",
        "ago",
        "pehle",
        "پہلے",
        "last",
        "pichle",
        "پچھلے",
        "this",
        "اس",
        "999999",
        "0",
        "00",
        "1989",
        "9999",
        "a",
        "few",
        "se",
        "سے",
        "ء",
    )
)


@settings(max_examples=300)
@given(
    text=st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=5).map(" ".join)),
    today=st.dates(),
)
def test_any_text_gives_an_outcome_never_after_tomorrow(text: str, today: date) -> None:
    result = parse_approx_date(text, today)
    if isinstance(result, Valid):
        parts = [int(p) for p in result.value.iso.split("-")]
        start = date(*parts, *[1] * (3 - len(parts)))  # a month or year counts from its first day
        assert start.toordinal() <= today.toordinal() + 1
        assert start.year >= EARLIEST_YEAR
        assert result.value.precision == ("year", "month", "day")[len(parts) - 1]
    else:
        assert isinstance(result, Invalid)
