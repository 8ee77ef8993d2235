"""Typed answers: options named in any language or by number, yes/no words, places to confirm, ages,
done/send/skip words, and the cases that must be asked again instead of guessed."""

from __future__ import annotations

import textwrap

import pytest

from bot.engine import runner
from bot.engine.errors import FlowLoadError
from bot.engine.events import CONFIRM, DECLINE, LANGUAGE_PREFIX, SUBMIT, Answered, Notice, Question
from bot.engine.inspector import inspect
from bot.engine.loader import load_flow
from bot.engine.model import ChoiceStep, Flow
from bot.engine.runner import (
    LINKS_REFUSED,
    NOT_UNDERSTOOD,
    NOTHING_TO_FINISH,
    PLACE_CONFIRM,
    PLACE_REJECTED,
    SEND_AT_REVIEW,
    TAP_TO_DECLINE,
    WHICH_ONE,
    Input,
)
from bot.engine.session import COMPLETED, SUBMITTING, Session
from bot.engine.understand import Reading, read_choice, read_consent, says
from tests.conftest import TODAY


def at(flow: Flow, step: str, lang: str = "en", /, **answers: object) -> Session:
    """A session waiting at ``step``, as if the citizen had just reached it (not in the self lane)."""
    given = {"language": lang, "reporter": "someone_else", **answers}
    return Session(flow.id, 1, lang, step=step, answers=given, history=("reporter",), id="t")


def typed(flow: Flow, session: Session, text: str) -> runner.Turn:
    return runner.resume(flow, session, Input(text=text), today=TODAY)


def read(flow: Flow, step: str, text: str) -> Reading:
    choice = flow.steps[step]
    assert isinstance(choice, ChoiceStep)
    return read_choice(flow, choice, text)


@pytest.mark.parametrize(
    ("step", "text", "chosen"),
    [
        ("reporter", "apne liye", ("self",)),
        ("reporter", "Mere Liye!!", ("self",)),
        ("reporter", "میرے لیے", ("self",)),
        ("reporter", "for my 14 year old daughter", ("child",)),  # an age below 18
        ("minor", "ji haan", ("yes",)),
        ("minor", "haanji", ("yes",)),
        ("minor", "JEE", ("yes",)),
        ("minor", "nhi", ("no",)),
        ("minor", "ji nahi", ("no",)),  # the longest phrase wins: not "ji" (yes) and "nahi" (no)
        ("minor", "جی نہیں", ("no",)),
        ("minor", "pata nahi", ("not_sure",)),
        ("minor", "she is 15", ("yes",)),
        ("minor", "she's 19", ("no",)),
        ("minor", "nahi, wo 20 saal ki hai", ("no",)),  # a lone "nahi" the typed age agrees with
        ("ongoing", "haan roz message karta hai", ("yes",)),
        ("minor", "آٹھ سال کی ہے", ("yes",)),
        ("minor", "pehla", ("yes",)),
        ("minor", "۲", ("no",)),
        ("minor", "second", ("no",)),
        ("platforms", "facebook aur whatsapp", ("facebook", "whatsapp")),
        ("platforms", "fb, insta", ("facebook", "instagram")),
        ("platforms", "facbook", ("facebook",)),  # one letter off
        ("platforms", "watsap pe", ("whatsapp",)),
        ("platforms", "1 aur 4", ("facebook", "whatsapp")),
        ("platforms", "فیس بک اور واٹس ایپ", ("facebook", "whatsapp")),
        ("category", "wo meri fake id bana raha hai", ("impersonation",)),
        ("category", "account hack ho gaya", ("hacking",)),
        ("category", "ek fake profile", ("impersonation",)),  # "ek" (one) inside a sentence is not option 1
        ("category", "بلیک میلنگ", ("blackmail",)),  # the head of its label, before the comma
        ("category", "دھمکیاں", ("harassment",)),
        ("province", "kpk", ("kp",)),
        ("province", "nahi batana", ("undisclosed",)),
        ("language", "roman urdu", ("roman",)),
        ("language", "angrezi", ("en",)),
    ],
)
def test_typed_answers_are_understood(report_flow: Flow, step: str, text: str, chosen: tuple[str, ...]) -> None:
    assert read(report_flow, step, text) == Reading(chosen=chosen)


@pytest.mark.parametrize(
    ("step", "text"),
    [
        ("reporter", "not for myself"),  # a negation near the match is never read backwards
        ("reporter", "apne liye nahi"),
        ("minor", "haan nahi"),  # both
        ("minor", "kya matlab?"),  # a question back
        ("platforms", "facebook nahi insta pe"),
        ("minor", "exact umar nahi pta"),  # a lone "nahi" in a sentence negates it, it does not answer
        ("minor", "یقین سے نہیں کہہ سکتی"),
        ("minor", "teenager hai"),  # 13 to 19: could be either
        ("province", "9"),  # there are eight options
        ("minor", "9th class mein hai"),  # a grade is not an age
        ("reporter", "asdfgh"),
        ("minor", "she is ➊"),  # a digit int() cannot read is not an age (found by the hostile-input test)
    ],
)
def test_unclear_answers_are_asked_again_never_guessed(report_flow: Flow, step: str, text: str) -> None:
    reading = read(report_flow, step, text)
    assert not reading.chosen and reading.place is None, reading


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("haan bhej do", "yes"),
        ("ji haan", "yes"),
        ("send it", "yes"),
        ("بھیج دیں", "yes"),
        ("ok", "yes"),
        ("mat bhejo", "no"),
        ("no, do not send it", "no"),
        ("نہیں", "no"),
        ("pata nahi", ""),  # "not sure" is not an answer to "May we send it?": unclear, never "no"
        ("maloom nahi", ""),
        ("not sure", ""),
        ("will my family find out?", ""),  # a question back
        ("yes no", ""),
        ("haan mat bhejo", ""),  # yes and no at once
        ("hello", ""),
    ],
)
def test_typed_consent_is_yes_no_or_unclear(report_flow: Flow, text: str, said: str) -> None:
    assert read_consent(report_flow.vocabulary, text) == said


def test_consent_on_the_review_sends_on_yes_and_asks_for_the_tap_on_no(report_flow: Flow) -> None:
    session = at(report_flow, "review", **COMPLETE)
    sent = typed(report_flow, session, "ji haan bhej dein")
    assert sent.session.status == SUBMITTING and sent.session.answers["review"] == "yes"
    refused = typed(report_flow, session, "nahi, mat bhejo")
    assert isinstance(refused.events[0], Notice) and refused.events[0].reason.msgid == TAP_TO_DECLINE
    assert refused.events[0].reason.params == {"button": "Do not send"}
    assert refused.session == session  # typing never deletes: only the tap does
    declined = runner.resume(report_flow, session, Input(press=DECLINE), today=TODAY)
    assert declined.session.status == COMPLETED and declined.session.answers["review"] == "no"
    assert declined.events[0] == Answered("review", "Do not send")
    question = runner.current(report_flow, session).events[0]
    assert isinstance(question, Question) and question.footer.startswith("May we send this report")
    assert [b.id for b in question.controls][:2] == [SUBMIT, DECLINE]
    assert "Permission" not in " ".join(line.label for line in question.summary)


def test_two_options_on_a_single_choice_are_candidates_named_in_the_reask(report_flow: Flow) -> None:
    session = at(report_flow, "ongoing")
    turn = typed(report_flow, session, "yes no")
    notice, question = turn.events
    assert isinstance(notice, Notice) and notice.reason.msgid == WHICH_ONE
    assert notice.reason.params == {"options": "Yes / No"}
    assert isinstance(question, Question) and question.numbered and turn.session.step == "ongoing"
    assert "ongoing" not in turn.session.answers


def test_not_understood_reask_numbers_the_options_and_counts_the_try(report_flow: Flow) -> None:
    turn = typed(report_flow, at(report_flow, "reporter"), "asdfgh")
    assert [type(e) for e in turn.events] == [Notice, Question]
    assert isinstance(turn.events[0], Notice) and turn.events[0].reason.msgid == NOT_UNDERSTOOD
    assert isinstance(turn.events[1], Question) and turn.events[1].numbered
    assert turn.session.attempts == 1


def test_a_typed_place_is_a_proposal_confirmed_by_a_tap_or_a_typed_yes(report_flow: Flow) -> None:
    session = at(report_flow, "province")
    turn = typed(report_flow, session, "main lahore mein rehti hoon")
    notice, question = turn.events
    assert isinstance(notice, Notice) and notice.reason.msgid == PLACE_CONFIRM
    assert notice.reason.params == {"place": "Lahore", "option": "Punjab"}
    assert isinstance(question, Question) and question.controls[0].id == CONFIRM
    assert "province" not in turn.session.answers  # never taken silently
    tapped = runner.resume(report_flow, turn.session, Input(press=CONFIRM), today=TODAY)
    assert tapped.session.answers["province"] == "punjab"
    said = typed(report_flow, turn.session, "haan")
    assert said.session.answers["province"] == "punjab"
    refused = typed(report_flow, turn.session, "nahi")
    assert "province" not in refused.session.answers and refused.session.draft == ()
    assert isinstance(refused.events[0], Notice) and refused.events[0].reason.msgid == PLACE_REJECTED
    other = typed(report_flow, turn.session, "sindh")
    assert other.session.answers["province"] == "sindh"


def test_longest_place_wins_and_two_provinces_are_asked_about(report_flow: Flow) -> None:
    assert read(report_flow, "province", "mirpur khas").place == ("sindh", "mirpur khas")
    assert read(report_flow, "province", "mirpur").place == ("ajk", "mirpur")
    assert read(report_flow, "province", "lahore ya karachi").candidates == ("punjab", "sindh")


@pytest.mark.parametrize("word", ["done", "bas", "ho gaya", "ہو گیا", "that's all", "ok done", "/done"])
def test_done_words_finish_the_links_step(report_flow: Flow, word: str) -> None:
    link = [{"url": "https://www.facebook.com/x", "platform": "facebook"}]
    session = at(report_flow, "evidence", evidence=link)
    given = Input(command="done") if word == "/done" else Input(text=word)
    turn = runner.resume(report_flow, session, given, today=TODAY)
    assert turn.session.step == "suspects" and turn.session.answers["evidence"] == link


def test_done_with_a_link_in_the_same_message_saves_the_link(report_flow: Flow) -> None:
    turn = typed(report_flow, at(report_flow, "evidence"), "https://www.instagram.com/abc done")
    assert turn.session.step == "evidence" and len(turn.session.answers["evidence"]) == 1


def test_done_words_finish_a_multi_select_with_its_ticks(report_flow: Flow) -> None:
    session = at(report_flow, "platforms")
    ticked = runner.resume(report_flow, session, Input(press="tiktok"), today=TODAY).session
    turn = typed(report_flow, ticked, "bas")
    assert turn.session.answers["platforms"] == ["tiktok"]


def test_typed_names_join_the_ticks_already_made(report_flow: Flow) -> None:
    ticked = runner.resume(report_flow, at(report_flow, "platforms"), Input(press="tiktok"), today=TODAY).session
    assert typed(report_flow, ticked, "facebook").session.answers["platforms"] == ["facebook", "tiktok"]


@pytest.mark.parametrize("word", ["send", "bhej do", "بھیج دیں", "haan", "/send"])
def test_send_words_send_from_the_review(report_flow: Flow, word: str) -> None:
    session = at(report_flow, "review", **COMPLETE)
    given = Input(command="send") if word == "/send" else Input(text=word)
    turn = runner.resume(report_flow, session, given, today=TODAY)
    assert turn.session.status == SUBMITTING


COMPLETE = {
    "minor": "no",
    "account": None,
    "category": "hacking",
    "platforms": None,
    "province": "punjab",
    "started": None,
    "ongoing": None,
    "evidence": None,
    "suspects": None,
    "contact": "bot",
}


def test_a_typed_line_name_opens_that_line_of_the_review(report_flow: Flow) -> None:
    session = at(report_flow, "review", **COMPLETE)
    turn = typed(report_flow, session, "province")
    assert turn.session.step == "province" and turn.session.editing


def test_done_and_send_where_they_mean_nothing_say_so(report_flow: Flow) -> None:
    session = at(report_flow, "reporter")
    done = runner.resume(report_flow, session, Input(command="done"), today=TODAY)
    send = runner.resume(report_flow, session, Input(command="send"), today=TODAY)
    assert isinstance(done.events[0], Notice) and done.events[0].reason.msgid == NOTHING_TO_FINISH
    assert isinstance(send.events[0], Notice) and send.events[0].reason.msgid == SEND_AT_REVIEW
    assert done.session == session and send.session == session


@pytest.mark.parametrize("word", ["skip", "chhor do", "چھوڑ دیں"])
def test_skip_words_skip_a_skippable_question(report_flow: Flow, word: str) -> None:
    turn = typed(report_flow, at(report_flow, "suspects"), word)
    assert turn.session.answers["suspects"] is None and turn.session.step == "contact"


def test_skip_words_count_only_as_the_whole_message(report_flow: Flow) -> None:
    assert not says(report_flow.vocabulary, "skip", "next year", strict=True)
    turn = typed(report_flow, at(report_flow, "started"), "next week")
    assert turn.session.step == "started"  # a (refused) date, not a skip


def test_a_language_name_typed_at_any_question_switches_the_language(report_flow: Flow) -> None:
    turn = typed(report_flow, at(report_flow, "reporter"), "urdu")
    assert turn.session.lang == "ur" and turn.session.answers["language"] == "ur"
    assert isinstance(turn.events[0], Question) and turn.events[0].text == "یہ رپورٹ کس کے لیے ہے؟"


def test_the_first_question_offers_a_language_switch_only_when_the_language_was_detected(report_flow: Flow) -> None:
    detected = runner.start(report_flow, 1, "roman", variables={"language": "detected"}, prefill={"language": "roman"})
    question = next(e for e in detected.events if isinstance(e, Question))
    assert question.step == "reporter"
    assert [b.id for b in question.controls if b.id.startswith(LANGUAGE_PREFIX)] == [":lang:ur", ":lang:en"]
    switched = runner.resume(report_flow, detected.session, Input(press=":lang:en"), today=TODAY)
    assert switched.session.lang == "en" and switched.session.answers["language"] == "en"
    answered = runner.resume(report_flow, switched.session, Input(press="self"), today=TODAY)
    minor = next(e for e in answered.events if isinstance(e, Question))
    assert not any(b.id.startswith(LANGUAGE_PREFIX) for b in minor.controls)  # the first question only
    asked = runner.start(report_flow, 1, "roman", variables={"likely_language": "roman"})
    language = next(e for e in asked.events if isinstance(e, Question))
    assert [b.id for b in language.options] == ["roman", "ur", "en"]  # the likely one first


def test_text_variants_follow_an_earlier_answer(report_flow: Flow) -> None:
    self_lane = runner.current(report_flow, at(report_flow, "minor", reporter="self")).events[0]
    other = runner.current(report_flow, at(report_flow, "minor")).events[0]
    assert isinstance(self_lane, Question) and self_lane.text == "Are you under 18 years old?"
    assert isinstance(other, Question) and other.text.startswith("Is the person this happened to")


def test_refused_links_in_one_message_get_one_notice(report_flow: Flow) -> None:
    text = "ftp://a.example/x javascript:alert(1) http://localhost/y https://www.facebook.com/ok"
    turn = typed(report_flow, at(report_flow, "evidence"), text)
    notices = [e for e in turn.events if isinstance(e, Notice)]
    assert notices[0].reason.msgid == LINKS_REFUSED and notices[0].reason.params == {"count": 3}
    assert len(notices[0].also) == 3 and len(notices) == 2  # the refusal, then "links saved"
    assert isinstance(turn.events[-1], Question) and turn.events[-1].repeat  # Done on the newest message


def test_answers_taken_from_typing_are_shown_like_taps(report_flow: Flow) -> None:
    turn = typed(report_flow, at(report_flow, "contact"), "isi chat pe")
    assert turn.events[0] == Answered("contact", "Only through this chat")


FLOW = textwrap.dedent(
    """\
    spec_version: 1
    id: t
    name: {en: T, ur: ٹی}
    steps:
      - id: ask
        kind: choice
        text: {en: "Pick", ur: "چنیں"}
        options:
          - {id: a, label: {en: Apple, ur: سیب}, aliases: {en: [fruit]}}
          - {id: b, label: {en: Banana, ur: کیلا}, aliases: {roman: [fruit]}}
        next: end
      - id: end
        kind: end
        text: {en: "Bye", ur: "خدا حافظ"}
    """
)


def test_flows_check_reports_a_phrase_that_means_two_options() -> None:
    flow = load_flow(FLOW)
    issues = [i for i in inspect(flow) if i.type == "ambiguous_phrase"]
    assert len(issues) == 1 and issues[0].severity == "error" and "'fruit'" in issues[0].description
    step = flow.steps["ask"]
    assert isinstance(step, ChoiceStep) and read_choice(flow, step, "fruit") == Reading()  # never one of them


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("words: {hello: {en: [hi]}}", "is neither one of"),
        ("words: {done: {xx: [fin]}}", "unknown language"),
        ("words: {numbers: {en: [[first, 'two words']]}}", "single words"),
        ("places: {ask: {zz: [somewhere]}}", "has no option"),
        ("places: {nowhere: {a: [x]}}", "not a single-choice step"),
        ("places: {ask: {a: [lahore], b: [lahore]}}", "listed under both"),
    ],
)
def test_bad_words_and_places_blocks_are_located_load_errors(block: str, message: str) -> None:
    with pytest.raises(FlowLoadError) as caught:
        load_flow(FLOW + block + "\n")
    assert message in str(caught.value)


def test_a_label_head_two_options_share_means_neither() -> None:
    from bot.engine.vocabulary import label_head

    assert label_head("بلیک میلنگ، تصویریں پھیلانے کی دھمکی") == ("بلیک", "میلنگ")
    assert label_head("Blackmail, threats to share pictures") == ("blackmail",)
    assert label_head("Threatening or abusive messages") == ()
    flow = load_flow(
        FLOW.replace(
            "{id: a, label: {en: Apple, ur: سیب}, aliases: {en: [fruit]}}",
            "{id: a, label: {en: 'Threats, by message', ur: سیب}}",
        )
        .replace(
            "{id: b, label: {en: Banana, ur: کیلا}, aliases: {roman: [fruit]}}",
            "{id: b, label: {en: 'Threats, in person', ur: کیلا}}",
        )
        .replace("    next: end", "      - {id: c, label: {en: 'Stalking, online', ur: پیچھا}}\n    next: end")
    )
    assert not [i for i in inspect(flow) if i.type == "ambiguous_phrase"]  # heads are not reported to admins
    assert read(flow, "ask", "threats") == Reading()  # both heads: not a guess
    assert read(flow, "ask", "stalking") == Reading(chosen=("c",))
