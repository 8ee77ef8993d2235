"""Danger at any step: typed words that say someone is in danger bring the safety text at once,
the conversation stays at its question, and no answer is lost or consumed."""

from __future__ import annotations

import textwrap

import pytest

from bot.bidi import isolate
from bot.cases.reports import DANGER_MENTIONED, build_report
from bot.engine import runner
from bot.engine.danger import find_phrase, mentions_danger
from bot.engine.errors import FlowLoadError
from bot.engine.events import DONE, Answered, Message, Notice, Question, Safety
from bot.engine.inspector import inspect
from bot.engine.loader import load_flow
from bot.engine.model import Flow
from bot.engine.runner import NOT_UNDERSTOOD, Input
from bot.engine.session import Session
from tests.conftest import TODAY
from tests.engine.test_loader import ASK, HEAD, TAIL

SCARED = "he is outside my house, I am scared"


def walk(flow: Flow, *inputs: Input, lang: str = "en") -> Session:
    session = runner.start(flow, 1, lang).session
    for given in inputs:
        session = runner.resume(flow, session, given, today=TODAY).session
    return session


TO_REPORTER = (Input(press="en"),)
TO_ACCOUNT = (Input(press="en"), Input(press="self"), Input(press="no"))


@pytest.mark.parametrize(
    "typed",
    [
        # English
        "he is outside my house",
        "I am in danger, he is at my door",
        "He said he will KILL me!!",
        "i want to kill myself",
        "My daughter is in danger",
        # Urdu script, with an Arabic keyboard's ي and a diacritic
        "وہ مجھے مار دے گا",
        "میں خودکشی کر لوں گی",
        "وہ میرے گھر کے باہر کھڑا ہے",
        "مجھے لگتا ہے وہ مجھے ماَر دے گا",
        "ميں خطرے میں ہوں",
        # Roman Urdu, in several spellings
        "wo mujhe maar dega",
        "wo mujhe mar dalega",
        "main khudkushi kar lungi",
        "me khud kushi karna chahti hun",
        "meri beti khatre mein hai",
        "wo ghar k bahar hai",
        "woh ghar ke baahar khara hai",
    ],
)
def test_danger_phrases_match_in_english_urdu_and_roman_urdu(report_flow: Flow, typed: str) -> None:
    assert report_flow.danger is not None
    assert mentions_danger(report_flow.danger, typed)


@pytest.mark.parametrize(
    "typed",
    ["Facebook", "I am not in danger anymore", "skills", "1", "Punjab", "March 2025", "", "https://x.com/abc"],
)
def test_ordinary_answers_do_not_match(report_flow: Flow, typed: str) -> None:
    assert report_flow.danger is not None
    assert not mentions_danger(report_flow.danger, typed)


def test_phrases_match_whole_words_only_never_inside_other_words() -> None:
    assert find_phrase(["kill me"], "improve my skill memory") is None
    assert find_phrase(["suicide"], "suicides") is None
    assert find_phrase(["خودکشی"], "خودکشیاں") is None
    assert find_phrase(["at my door"], "he waits at my door.") == "at my door"
    # Doubled Latin letters count once, on both sides: one entry covers maar / mar / maaar.
    assert find_phrase(["mar dega"], "wo maaar dega") == "mar dega"


def test_at_a_choice_the_safety_text_replaces_the_retry_and_the_question_is_shown_again(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_REPORTER)
    assert session.step == "reporter"
    turn = runner.resume(report_flow, session, Input(text=SCARED), today=TODAY)
    safety, question = turn.events
    assert isinstance(safety, Safety) and isinstance(safety, Message)
    assert "15" in safety.text and "0311-7786264" in safety.text and "if one does not answer, call 15" in safety.text
    assert isinstance(question, Question) and question.step == "reporter" and not question.repeat
    assert not any(isinstance(e, Notice) and e.reason.msgid == NOT_UNDERSTOOD for e in turn.events)
    assert turn.session.step == "reporter"
    assert turn.session.answers == session.answers
    assert turn.session.attempts == session.attempts
    assert turn.session.vars["danger"] == "1"
    # The citizen then taps on as if nothing happened.
    after = runner.resume(report_flow, turn.session, Input(press="self"), today=TODAY)
    assert after.session.answers["reporter"] == "self" and after.session.step == "minor"


def test_in_urdu_the_safety_text_is_urdu_and_its_numbers_are_isolated_when_sent(report_flow: Flow) -> None:
    session = walk(report_flow, Input(press="ur"))
    turn = runner.resume(report_flow, session, Input(text="wo mujhe maar dega"), today=TODAY)
    assert isinstance(turn.events[0], Safety)
    sent = isolate(turn.events[0].text)  # what the transport and the console do with every Urdu text
    assert "\u206615\u2069" in sent and "\u20660311-7786264\u2069" in sent


def test_ticks_of_a_multi_select_are_kept(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_ACCOUNT, Input(text="story"), Input(press="other"), Input(press="facebook"))
    assert session.step == "platforms" and session.draft == ("facebook",)
    turn = runner.resume(report_flow, session, Input(text="main khudkushi kar lungi"), today=TODAY)
    assert turn.session.step == "platforms" and turn.session.draft == ("facebook",)
    assert isinstance(turn.events[0], Safety)
    done = runner.resume(report_flow, turn.session, Input(press=DONE), today=TODAY)
    assert done.session.answers["platforms"] == ["facebook"]


def test_a_free_text_account_is_taken_and_the_safety_text_comes_first(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_ACCOUNT)
    assert session.step == "account"
    account = "He sends threats every night. He threatened to kill me if I tell my family."
    turn = runner.resume(report_flow, session, Input(text=account), today=TODAY)
    assert isinstance(turn.events[0], Safety)
    assert any(isinstance(e, Answered) and e.step == "account" for e in turn.events)
    assert turn.session.answers["account"] == account
    assert turn.session.step == "category" and turn.session.vars["danger"] == "1"


def test_a_free_text_answer_the_step_refuses_is_not_counted_and_stays(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_ACCOUNT, Input(text="story"), Input(press="other"), Input(press=DONE))
    session = walk_on(report_flow, session, Input(press="punjab"))
    assert session.step == "started"
    turn = runner.resume(report_flow, session, Input(text="wo mujhe maar dega"), today=TODAY)
    assert [type(e) for e in turn.events] == [Safety, Question]
    assert turn.session.step == "started" and "started" not in turn.session.answers
    assert turn.session.attempts == session.attempts


def walk_on(flow: Flow, session: Session, *inputs: Input) -> Session:
    for given in inputs:
        session = runner.resume(flow, session, given, today=TODAY).session
    return session


def test_links_in_the_same_message_are_saved(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_ACCOUNT, Input(text="story"), Input(press="other"), Input(press=DONE))
    session = walk_on(report_flow, session, Input(press="punjab"), Input(text="March 2025"), Input(press="yes"))
    assert session.step == "evidence"
    turn = runner.resume(report_flow, session, Input(text="he is at my door https://facebook.com/x"), today=TODAY)
    assert isinstance(turn.events[0], Safety)
    assert turn.session.answers["evidence"] == [{"url": "https://facebook.com/x", "platform": "facebook"}]


def test_a_flow_without_a_danger_block_has_no_danger_check() -> None:
    flow = load_flow(HEAD + ASK + TAIL)
    assert flow.danger is None
    turn = runner.resume(flow, walk(flow), Input(text=SCARED), today=TODAY)
    assert isinstance(turn.events[0], Notice) and turn.events[0].reason.msgid == NOT_UNDERSTOOD


DANGER = textwrap.dedent("""\
    danger:
      phrases:
        en: ["i am in danger"]
        roman: ["maar dega"]
      text: {en: "Call 15.", ur: "\u206615\u2069 پر کال کریں۔"}
    """)


def test_a_danger_block_loads_and_a_missing_urdu_text_is_an_inspection_error() -> None:
    flow = load_flow(HEAD.replace("steps:\n", DANGER + "steps:\n") + ASK + TAIL)
    assert flow.danger is not None and flow.danger.phrases["roman"] == ("maar dega",)
    assert [i.type for i in inspect(flow) if i.severity == "error"] == []
    assert [(i.type, i.language) for i in inspect(flow)] == [("no_danger_phrases", "ur")]
    no_urdu = load_flow(
        HEAD.replace("steps:\n", DANGER.replace(', ur: "\u206615\u2069 پر کال کریں۔"', "") + "steps:\n") + ASK + TAIL
    )
    errors = [i for i in inspect(no_urdu) if i.severity == "error"]
    assert [(i.type, i.language) for i in errors] == [("missing_translation", "ur")]
    assert "danger text has no ur text" in str(errors[0])


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("danger: [a]\n", "danger: expected {phrases"),
        ("danger:\n  phrases: {en: []}\n  text: {en: x}\n", "danger.phrases.en: expected a list of phrases"),
        ("danger:\n  phrases: {fr: [danger]}\n  text: {en: x}\n", "danger.phrases.fr: unknown language 'fr'"),
        ("danger:\n  phrases: {en: ['!!!', 15]}\n  text: {en: x}\n", "danger.phrases.en[0]: a phrase must be text"),
        ("danger:\n  phrases: {en: [help]}\n  text: {en: x}\n  colour: red\n", "danger.colour: unknown key"),
        ("danger:\n  phrases: {en: [help]}\n", "danger.text: expected a text per language"),
    ],
)
def test_bad_danger_blocks_are_located_load_errors(block: str, expected: str) -> None:
    with pytest.raises(FlowLoadError) as info:
        load_flow(HEAD.replace("steps:\n", block + "steps:\n") + ASK + TAIL)
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith(expected) and "(line " in p for p in found), found


def test_the_report_of_a_session_that_mentioned_danger_is_flagged_and_priority(report_flow: Flow) -> None:
    session = walk(report_flow, *TO_ACCOUNT)
    plain = build_report(
        report_flow, session, {}, reference="R", pin="", chat_key="c", created_at="2026-11-28T12:00:00+00:00"
    )
    assert not plain.priority and DANGER_MENTIONED not in plain.answers
    marked = runner.resume(report_flow, session, Input(text="main khudkushi kar lungi"), today=TODAY).session
    report = build_report(
        report_flow, marked, {}, reference="R", pin="", chat_key="c", created_at="2026-11-28T12:00:00+00:00"
    )
    assert report.priority and report.answers[DANGER_MENTIONED] == "yes"


def test_the_phrase_listed_first_wins_wherever_each_occurs_in_the_text() -> None:
    # The phrases are indexed by their first word; the answer is still the list's order, not the text's.
    assert find_phrase(["he will kill me", "help"], "help me please, he will kill me") == "he will kill me"
    assert find_phrase(["help", "he will kill me"], "he will kill me, help") == "help"
    assert find_phrase(["he will", "he will kill me"], "he will kill me") == "he will"
    assert find_phrase(["kill me"], "kill") is None  # a phrase longer than what follows its first word
