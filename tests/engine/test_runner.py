"""Runner behaviours that hold for any flow: re-ask, back, skip, cancel, edit, exhaustion, pinning."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine import runner
from bot.engine.errors import SessionError
from bot.engine.events import (
    BACK,
    DONE,
    EDIT_PREFIX,
    SUBMIT,
    Answered,
    Ended,
    Message,
    Notice,
    Question,
    SubmitRequested,
)
from bot.engine.model import Flow
from bot.engine.runner import Input
from bot.engine.session import CANCELLED, COMPLETED, HISTORY_CAP, SUBMITTING, Session
from tests.conftest import TODAY


def play(flow: Flow, *inputs: Input, lang: str = "en") -> tuple[Session, list[object]]:
    turn = runner.start(flow, 1, lang)
    events: list[object] = list(turn.events)
    session = turn.session
    for given in inputs:
        turn = runner.resume(flow, session, given, today=TODAY)
        session = turn.session
        events = list(turn.events)
    return session, events


def press(option: str) -> Input:
    return Input(press=option)


def text(value: str) -> Input:
    return Input(text=value)


TO_ACCOUNT = (press("en"), press("self"), press("no"))


def test_refused_input_does_not_move_the_session(report_flow: Flow) -> None:
    session, _ = play(report_flow, *TO_ACCOUNT, text("story"), press("other"), press(DONE), press("punjab"))
    assert session.step == "started"
    turn = runner.resume(report_flow, session, text("not a date at all"), today=TODAY)
    assert turn.session.step == "started"
    assert turn.session.answers == session.answers
    assert turn.session.attempts == 1
    assert isinstance(turn.events[0], Notice)


def test_choice_accepts_number_label_in_either_language_and_refuses_others(report_flow: Flow) -> None:
    base, _ = play(report_flow, press("ur"), press("self"), press("no"), text("x"))
    assert base.step == "category"
    for typed in ("3", "Threatening or abusive messages", "دھمکی آمیز یا نازیبا پیغامات", "harassment"):
        assert runner.resume(report_flow, base, text(typed), today=TODAY).session.answers["category"] == "harassment"
    for typed in ("9", "0", "😢", "harass"):
        assert runner.resume(report_flow, base, text(typed), today=TODAY).session.step == "category"


def test_back_returns_to_previous_question_and_keeps_history_capped(report_flow: Flow) -> None:
    session, events = play(report_flow, *TO_ACCOUNT, Input(command="back"))
    assert session.step == "minor"
    assert isinstance(events[0], Question) and events[0].step == "minor"
    long = replace(session, history=tuple(["reporter"] * (HISTORY_CAP + 10)))
    advanced = runner.resume(report_flow, long, press("no"), today=TODAY).session
    assert len(advanced.history) == HISTORY_CAP


def test_back_button_press_works_like_the_command(report_flow: Flow) -> None:
    session, _ = play(report_flow, *TO_ACCOUNT, press(BACK))
    assert session.step == "minor"


def test_skip_is_refused_on_the_consent_review_and_recorded_as_none_elsewhere(report_flow: Flow) -> None:
    session, _ = play(report_flow, press("en"), Input(command="skip"))
    assert session.answers["reporter"] is None and session.step == "minor"
    flow_steps = [press("en")] + [Input(command="skip")] * 12
    session, _ = play(report_flow, *flow_steps)
    assert session.step == "review"
    turn = runner.resume(report_flow, session, Input(command="skip"), today=TODAY)
    assert turn.session.step == "review" and "review" not in turn.session.answers


def test_cancel_clears_answers_and_ends(report_flow: Flow) -> None:
    session, events = play(report_flow, *TO_ACCOUNT, Input(command="cancel"))
    assert session.status == CANCELLED and session.answers == {} and session.finished
    assert isinstance(events[-1], Ended) and events[-1].status == CANCELLED
    after = runner.resume(report_flow, session, text("hello"), today=TODAY)
    assert after.session == session and isinstance(after.events[0], Notice)


def reach_review(flow: Flow, contact: str = "bot") -> Session:
    inputs = [
        *TO_ACCOUNT,
        text("story"),
        press("harassment"),
        press("facebook"),
        press(DONE),
        press("sindh"),
        text("2 weeks ago"),
        press("yes"),
        text("https://fb.com/x"),
        press(DONE),
        text("@x"),
        press(contact),
    ]
    if contact == "phone":
        inputs.append(text("03001234567"))
    inputs.append(press("yes"))
    session, _ = play(flow, *inputs)
    assert session.step == "review"
    return session


def test_edit_from_review_asks_only_new_questions_then_returns(report_flow: Flow) -> None:
    review = reach_review(report_flow)
    turn = runner.resume(report_flow, review, press(EDIT_PREFIX + "contact"), today=TODAY)
    assert turn.session.step == "contact" and turn.session.editing
    turn = runner.resume(report_flow, turn.session, press("phone"), today=TODAY)
    assert turn.session.step == "phone"  # newly on the path, so asked
    turn = runner.resume(report_flow, turn.session, text("0300 1234567"), today=TODAY)
    assert turn.session.step == "review" and not turn.session.editing
    question = next(e for e in turn.events if isinstance(e, Question))
    assert [line.step for line in question.summary if line.step in ("contact", "phone")] == ["contact", "phone"]


def test_answers_off_the_path_are_not_submitted(report_flow: Flow) -> None:
    review = reach_review(report_flow, contact="phone")
    session = runner.resume(report_flow, review, press(EDIT_PREFIX + "contact"), today=TODAY).session
    session = runner.resume(report_flow, session, press("anonymous"), today=TODAY).session
    assert session.step == "review" and session.answers["phone"] == "+923001234567"
    turn = runner.resume(report_flow, session, press(SUBMIT), today=TODAY)
    submit = next(e for e in turn.events if isinstance(e, SubmitRequested))
    assert "phone" not in submit.answers and submit.answers["contact"] == "anonymous"
    assert turn.session.status == SUBMITTING


def test_editing_an_unlisted_step_from_review_is_refused(report_flow: Flow) -> None:
    review = reach_review(report_flow)
    turn = runner.resume(report_flow, review, press(EDIT_PREFIX + "phone"), today=TODAY)
    assert turn.session.step == "review" and isinstance(turn.events[0], Notice)


def test_submitted_fills_reference_and_pin_and_completes(report_flow: Flow) -> None:
    review = reach_review(report_flow)
    pending = runner.resume(report_flow, review, press(SUBMIT), today=TODAY).session
    with pytest.raises(SessionError):
        runner.submitted(report_flow, review, "ABCD-EFGH", "123456")
    turn = runner.submitted(report_flow, pending, "ABCD-EFGH", "123456")
    assert turn.session.status == COMPLETED
    end = next(e for e in turn.events if isinstance(e, Message))
    assert "ABCD-EFGH" in end.text and "123456" in end.text


def test_exhausted_attempts_move_on_with_the_answer_skipped(report_flow: Flow) -> None:
    session, _ = play(report_flow, *TO_ACCOUNT, text("story"), press("other"), press(DONE), press("punjab"))
    for attempt in range(1, 3):
        session = runner.resume(report_flow, session, text("soon"), today=TODAY).session
        assert session.step == "started" and session.attempts == attempt
    turn = runner.resume(report_flow, session, text("soon"), today=TODAY)
    assert turn.session.step == "ongoing" and turn.session.answers["started"] is None
    assert any(isinstance(e, Answered) and e.step == "started" for e in turn.events)


def test_a_skippable_choice_not_understood_three_times_is_skipped_not_asked_forever(report_flow: Flow) -> None:
    """The category typed as words the flow does not know: asked again twice (numbered), then the bot
    moves on, as the Skip button would, and says the review still offers the question."""
    session, _ = play(report_flow, *TO_ACCOUNT, text("story"))
    assert session.step == "category"
    for attempt in range(1, runner.SKIPPED_AFTER):
        turn = runner.resume(report_flow, session, text("zxq qqv"), today=TODAY)
        session = turn.session
        assert session.step == "category" and session.attempts == attempt
        assert [e.reason.msgid for e in turn.events if isinstance(e, Notice)] == [runner.NOT_UNDERSTOOD]
    turn = runner.resume(report_flow, session, text("zxq qqv"), today=TODAY)
    assert turn.session.step != "category" and turn.session.answers["category"] is None
    notices = [e.reason.msgid for e in turn.events if isinstance(e, Notice)]
    assert notices == [runner.NOT_UNDERSTOOD, runner.MOVING_ON] and turn.session.attempts == 0
    assert any(isinstance(e, Answered) and e.step == "category" for e in turn.events)
    assert isinstance(turn.events[-1], Question) and turn.events[-1].step == turn.session.step


def test_multi_select_toggles_then_done_keeps_flow_order(report_flow: Flow) -> None:
    session, _ = play(
        report_flow,
        *TO_ACCOUNT,
        text("s"),
        press("other"),
        press("tiktok"),
        press("facebook"),
        press("tiktok"),
        press("whatsapp"),
        press(DONE),
    )
    assert session.answers["platforms"] == ["facebook", "whatsapp"]


def test_a_tick_button_pressed_twice_stays_ticked(report_flow: Flow) -> None:
    """A keyboard's buttons say which way they go: the same button pressed again before the new keyboard
    showed (a slow network, an impatient thumb) does not undo the first press."""
    session, events = play(report_flow, *TO_ACCOUNT, text("s"), press("other"))
    question = [e for e in events if isinstance(e, Question)][-1]
    facebook = next(b for b in question.options if b.label == "Facebook")
    assert facebook.id == "+facebook" and not facebook.selected
    session, events = play(report_flow, *TO_ACCOUNT, text("s"), press("other"), press("+facebook"), press("+facebook"))
    question = [e for e in events if isinstance(e, Question)][-1]
    ticked = next(b for b in question.options if b.label == "Facebook")
    assert ticked.selected and ticked.id == "-facebook"
    session, _ = play(
        report_flow, *TO_ACCOUNT, text("s"), press("other"), press("+facebook"), press("-facebook"), press("-facebook"),
        press("+tiktok"), press(DONE),
    )  # fmt: skip
    assert session.answers["platforms"] == ["tiktok"]


def test_a_tick_button_for_an_option_the_step_has_not_is_refused(report_flow: Flow) -> None:
    session, events = play(report_flow, *TO_ACCOUNT, text("s"), press("other"), press("+myspace"))
    assert session.step == "platforms" and session.draft == ()
    assert any(isinstance(e, Notice) for e in events)


def test_language_choice_switches_the_session_language(report_flow: Flow) -> None:
    session, events = play(report_flow, press("ur"), lang="en")
    assert session.lang == "ur"
    question = next(e for e in events if isinstance(e, Question))
    assert question.text == "یہ رپورٹ کس کے لیے ہے؟"


def test_links_accumulate_and_refusals_do_not_move(report_flow: Flow) -> None:
    session, _ = play(
        report_flow,
        *TO_ACCOUNT,
        text("s"),
        press("other"),
        press(DONE),
        press("punjab"),
        text("March 2025"),
        press("no"),
    )
    assert session.step == "evidence"
    turn = runner.resume(report_flow, session, text("javascript:alert(1) https://t.me/abuser"), today=TODAY)
    assert turn.session.answers["evidence"] == [{"url": "https://t.me/abuser", "platform": "telegram"}]
    turn = runner.resume(report_flow, turn.session, text("see https://youtu.be/abc?si=track"), today=TODAY)
    assert [link["url"] for link in turn.session.answers["evidence"]] == ["https://t.me/abuser", "https://youtu.be/abc"]
    assert turn.session.step == "evidence"


def test_session_survives_a_json_round_trip(report_flow: Flow) -> None:
    review = reach_review(report_flow)
    assert Session.from_json(review.to_json()) == review
    with pytest.raises(SessionError):
        Session.from_json("{not json")


def test_a_session_naming_an_unknown_step_is_a_session_error(report_flow: Flow) -> None:
    broken = Session("report", 1, "en", step="gone")
    with pytest.raises(SessionError):
        runner.resume(report_flow, broken, text("x"), today=TODAY)
