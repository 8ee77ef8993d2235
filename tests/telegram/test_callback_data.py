"""Button data: every kind comes back as itself, a forged or foreign form is nobody's, and 64 bytes hold."""

from __future__ import annotations

import pytest

from bot.telegram.callback_data import (
    MAX_BYTES,
    CasePress,
    FeedbackPress,
    FlowPress,
    ForgetAnswer,
    LanguagePick,
    StepPress,
    TooLong,
)

Data = StepPress | LanguagePick | ForgetAnswer | CasePress | FlowPress | FeedbackPress
KINDS: tuple[type[Data], ...] = (StepPress, LanguagePick, ForgetAnswer, CasePress, FlowPress, FeedbackPress)
VALUES: tuple[Data, ...] = (
    StepPress.of("a1b2c3", "province", "punjab"),
    LanguagePick("roman"),
    ForgetAnswer(True),
    ForgetAnswer(False),
    CasePress("claim", 42),
    CasePress("to", 7, "sindh"),
    FlowPress("roll", 12),
    FeedbackPress("helped", 42),
    FeedbackPress("partly", 1234),  # a four-digit id would be a step tag after a hex prefix: "rate" is not hex
    FeedbackPress("not", 10**17),
)


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_each_kind_parses_back_to_itself_and_is_no_other_kind(value: Data) -> None:
    data = value.data
    assert type(value).parse(data) == value
    others = [kind for kind in KINDS if kind is not type(value) and kind.parse(data) is not None]
    assert others == []


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "f",
        "f.claim",
        "f.claim.²",  # a digit to str.isdigit, not to int()
        "f.claim." + "9" * 19,  # past SQLite's 64-bit INTEGER
        "f..42",
        "f.to.7.sindh.extra",
        "a.publish.3",  # not one of the admin actions
        "a.roll.x",
        "lang.",
        "x.y",
        "rate.helped",
        "rate.great.42",  # not one of the three answers
        "rate.helped.-5",
        "rate.helped.٤٢",  # Arabic-Indic digits: int() would take them
        "rate.helped." + "9" * 19,
        "rate.helped.42.x",
    ],
)
def test_a_forged_or_broken_form_is_no_kind_at_all(forged: str) -> None:
    assert [kind for kind in KINDS if kind.parse(forged) is not None] == []


def test_a_step_press_is_bound_to_its_conversation_and_step() -> None:
    press = StepPress.parse(StepPress.of("a1b2c3", "province", "punjab").data)
    assert press is not None and press.button == "punjab"
    assert press.matches("a1b2c3", "province")
    assert not press.matches("d4e5f6", "province") and not press.matches("a1b2c3", "category")
    assert not press.matches("a1b2c3", None)


def test_anything_but_yes_keeps_the_records() -> None:
    assert ForgetAnswer.parse("forget.yes") == ForgetAnswer(True)
    assert ForgetAnswer.parse("forget.YES") == ForgetAnswer(False)


def test_data_past_64_bytes_is_refused_when_the_button_is_made() -> None:
    assert len(StepPress.of("a" * 6, "s", "b" * 52).data.encode()) == MAX_BYTES
    with pytest.raises(TooLong):
        StepPress.of("a" * 6, "s", "b" * 53).data  # noqa: B018
    with pytest.raises(TooLong):
        CasePress("out", 1, "ا" * 30).data  # noqa: B018  # Urdu letters are two bytes each


def test_a_feedback_press_fits_in_64_bytes_whatever_the_case() -> None:
    longest = max(FeedbackPress.ANSWERS, key=len)
    assert len(FeedbackPress(longest, 10**18 - 1).data.encode()) <= MAX_BYTES
