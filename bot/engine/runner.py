"""The runner: (flow, session, input) -> (new session, events). Pure; the caller stores and renders.

Re-ask, back, skip, cancel and edit-from-review are features of the runner, not of individual steps,
so every flow an admin writes gets them. A refused input never moves the session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from . import answers as ans
from .danger import mentions_danger
from .errors import SessionError
from .events import (
    BACK,
    BACK_LABEL,
    CONFIRM,
    DECLINE,
    DONE,
    DONE_LABEL,
    EDIT_PREFIX,
    LANGUAGE_PREFIX,
    SKIP,
    SKIP_LABEL,
    SUBMIT,
    SUBMIT_LABEL,
    Answered,
    Asked,
    Button,
    Ended,
    Event,
    Label,
    Message,
    Moved,
    Notice,
    Question,
    Safety,
    SubmitRequested,
    SummaryLine,
)
from .links import Link, extract_links, merge_links
from .model import (
    ChoiceStep,
    EndStep,
    Flow,
    LinksStep,
    MessageStep,
    Option,
    ReviewStep,
    Step,
    SubmitStep,
    TextStep,
)
from .normalise import contains_words, match_words, normalise
from .outcome import N_, Invalid, Outcome, Reason, Valid
from .session import ACTIVE, CANCELLED, COMPLETED, HISTORY_CAP, SUBMITTING, Answer, Session
from .understand import read_choice, read_consent, says
from .validators import check

USE_BUTTONS = N_("Please choose one of the options, using the buttons or by typing its number.")
CHOOSE_ONE_OR_MORE = N_("Please tick at least one option, or write its name, then tap Done.")
TYPE_ANSWER = N_("Please type your answer in a message.")
EMPTY_ANSWER = N_("The message was empty. Please type your answer.")
NO_LINK_FOUND = N_(
    "I could not find a link in your message. Please paste the whole link, for example "
    "https://www.facebook.com/… , or write done to finish."
)
LINKS_SAVED = N_("Links saved so far: {total}. You can send more, or tap Done (or write done) to finish.")
LINKS_ALREADY_SAVED = N_("These links were already saved. You can send more, or tap Done (or write done) to finish.")
LINKS_REFUSED = N_("{count} links in your message could not be saved:")
LINKS_CAP = N_("A report can hold {max} links, so {dropped} of them could not be saved.")
NOT_SKIPPABLE = N_("This question cannot be skipped. Please answer it, or send /cancel to stop.")
AT_FIRST = N_("This is the first question; there is nothing to go back to.")
CANCELLED_TEXT = N_("Your report has been cancelled and nothing was sent. Send /start to begin again.")
ENDED = N_("This conversation has ended. Send /start to make a new report.")
USE_REVIEW_BUTTONS = N_("Please use the buttons below to change an answer or to send the report.")
BACK_TO_REVIEW = N_("Changes saved. Here is your report again.")
# Refused answers after which a skippable step with no max_attempts of its own is skipped.
SKIPPED_AFTER = 3
MOVING_ON = N_("Let us move on. You can still add this answer from the review before sending.")
NOT_UNDERSTOOD = N_("Sorry, I did not understand. Please tap one of the options below, or type its number.")
WHICH_ONE = N_("Which one do you mean: {options}? Please tap it, or type its number.")
PLACE_CONFIRM = N_("{place} is in {option}. Is that right? Tap “Yes, {option}”, or choose another option.")
CONFIRM_LABEL = N_("Yes, {option}")
TICK, UNTICK = "+", "-"  # a tick-all-that-apply button's id: which way it turns its option
PLACE_REJECTED = N_("All right. Please tap the right option below, or type its number.")
NOTHING_TO_FINISH = N_("There is nothing to finish on this question. Please answer it, or send /skip.")
TAP_TO_DECLINE = N_(
    "If you do not want to send this report, please tap “{button}”. Nothing is deleted until you tap it."
)
SEND_AT_REVIEW = N_("The report is sent at the end, after you check it. Please answer this question first.")


class Turn(NamedTuple):
    session: Session
    events: list[Event]
    asked: Asked | None = None  # set by ``resume``: the question the input answered


@dataclass(frozen=True, slots=True)
class Input:
    """One thing the citizen did: typed ``text``, pressed button ``press``, or sent ``command``."""

    text: str = ""
    press: str | None = None
    command: str | None = None  # back | skip | cancel | done | send


def start(
    flow: Flow,
    revision: int,
    lang: str,
    *,
    variables: dict[str, str] | None = None,
    session_id: str = "",
    prefill: dict[str, str] | None = None,
) -> Turn:
    """Begin at the flow's start. ``prefill`` answers steps ahead (by step id); they are not asked."""
    if lang not in flow.languages:
        # Roman Urdu readers read Latin letters: a flow without Roman texts speaks English to them.
        lang = "en" if lang == "roman" and "en" in flow.languages else flow.languages[0]
    answers = {k: v for k, v in (prefill or {}).items() if k in flow.steps}
    variables = {**(variables or {}), **({"prefilled": ",".join(answers)} if answers else {})}
    session = Session(flow.id, revision, lang, step=None, answers=answers, vars=variables, id=session_id)
    events: list[Event] = []
    return Turn(_enter(flow, session, flow.start, events), events)


def current(flow: Flow, session: Session) -> Turn:
    """Show the waiting question again, e.g. after a restart or when the citizen says /start mid-flow."""
    if session.status != ACTIVE or session.step is None:
        return Turn(session, [Notice(Reason(ENDED))])
    return Turn(session, [_question(flow, session, _step(flow, session))])


def resume(flow: Flow, session: Session, given: Input, *, today: date) -> Turn:
    """Apply one input; the turn says which question it answered (``asked``), so that an adapter
    never runs the flow again to find the message it is retiring."""
    if session.status != ACTIVE or session.step is None:
        return Turn(session, [Notice(Reason(ENDED))])
    step = _step(flow, session)
    return _resume(flow, session, step, given, today)._replace(asked=_asked(flow, session, step))


def asked(flow: Flow, session: Session) -> Asked | None:
    """The question ``session`` waits on, as ``resume`` would report it; None once it has ended."""
    if session.status != ACTIVE or session.step is None:
        return None
    return _asked(flow, session, _step(flow, session))


def _asked(flow: Flow, session: Session, step: Step) -> Asked:
    return Asked(step.id, step.KIND, _say(flow, session, step), _hint(step))


def _hint(step: Step) -> str:
    return "phone" if isinstance(step, TextStep) and any(v.kind == "phone" for v in step.validators) else ""


def _resume(flow: Flow, session: Session, step: Step, given: Input, today: date) -> Turn:
    events: list[Event] = []
    if given.press is not None and given.press.startswith(LANGUAGE_PREFIX):
        return _switch_language(flow, session, step, given.press.removeprefix(LANGUAGE_PREFIX))
    if given.command in ("done", "send"):
        return _typed_control(flow, session, step, given.command)
    text = normalise(given.text)
    command = given.command or {BACK: "back", SKIP: "skip"}.get(given.press or "")
    if given.press is None and command is None and step.skippable and says(flow.vocabulary, "skip", text, strict=True):
        command = "skip"  # "skip", "chhor dein", "چھوڑ دیں" typed as the whole message
    if command == "cancel":
        return Turn(
            replace(session, status=CANCELLED, step=None, answers={}, draft=()),
            [Notice(Reason(CANCELLED_TEXT)), Ended(CANCELLED)],
        )
    if command == "back":
        return _back(flow, session)
    if command == "skip":
        if not step.skippable:
            return _reask(flow, session, step, Reason(NOT_SKIPPABLE), count=False)
        return _accept(flow, session, step, None, events)
    if given.press is None and flow.danger is not None and mentions_danger(flow.danger, text):
        return _danger(flow, session, step, text, today)
    if given.press is None and not isinstance(step, TextStep):
        switched = _language_named(flow, session, step, text)
        if switched is not None:
            return switched
    if isinstance(step, ChoiceStep):
        return _choice(flow, session, step, given.press, text)
    if isinstance(step, ReviewStep):
        return _review(flow, session, step, given.press, text)
    if given.press is not None and not (isinstance(step, LinksStep) and given.press == DONE):
        return _reask(flow, session, step, Reason(TYPE_ANSWER), count=False)
    if isinstance(step, LinksStep):
        done = given.press == DONE or (not extract_links(text).links and says(flow.vocabulary, "done", text))
        return _links(flow, session, step, text, done=done)
    if isinstance(step, TextStep):
        outcome = _text(step, text, today, session.lang)
        if isinstance(outcome, Invalid):
            return _refuse(flow, session, step, outcome.reason)
        return _accept(flow, session, step, outcome.value, events)
    raise SessionError(f"step {step.id!r} of kind {step.KIND} does not take input")


def submitted(flow: Flow, session: Session, reference: str, pin: str) -> Turn:
    """Continue after the adapter stored the report: fill {reference}/{pin} and run to the end."""
    if session.status != SUBMITTING or session.step is None:
        raise SessionError("submitted() called on a session that is not submitting")
    step = _step(flow, session)
    session = replace(session, status=ACTIVE, vars={**session.vars, "reference": reference, "pin": pin})
    events: list[Event] = []
    target = ans.choose(step.next, session.answers)
    if target is None:
        raise SessionError(f"no way on from {step.id!r}")
    return Turn(_enter(flow, session, target, events, step.id), events)


def _step(flow: Flow, session: Session) -> Step:
    try:
        return flow.steps[session.step or ""]
    except KeyError:
        raise SessionError(f"step {session.step!r} is not in flow {flow.id!r}") from None


def _enter(flow: Flow, session: Session, step_id: str, events: list[Event], came_from: str | None = None) -> Session:
    """Walk from ``step_id`` through steps that ask nothing, to the next question or the end."""
    seen: set[str] = set()
    if came_from is not None:
        events.append(Moved(came_from, step_id))
    while True:
        if step_id in seen:
            raise SessionError(f"flow {flow.id!r} loops at {step_id!r} without asking anything")
        seen.add(step_id)
        step = flow.steps[step_id]
        say = _say(flow, session, step)
        if isinstance(step, SubmitStep):
            events.append(SubmitRequested(step_id, ans.path_answers(flow, session.answers)))
            return replace(session, step=step_id, status=SUBMITTING, attempts=0, editing=False)
        if isinstance(step, EndStep):
            if say:
                events.append(Message(say, step_id))
            events.append(Ended(COMPLETED))
            return replace(session, step=None, status=COMPLETED, attempts=0, draft=())
        # While returning to the review after an edit, answered questions and notices are not repeated.
        quiet = session.editing and (isinstance(step, MessageStep) or step_id in session.answers)
        # A step answered before the conversation began (e.g. a province from a /start link) is not asked.
        quiet = quiet or (step_id in session.vars.get("prefilled", "").split(",") and step_id in session.answers)
        if isinstance(step, ReviewStep) and session.editing:
            events.append(Notice(Reason(BACK_TO_REVIEW)))
            session = replace(session, editing=False)
        if isinstance(step, MessageStep) or quiet:
            if say and not quiet:
                events.append(Message(say, step_id))
            target = ans.choose(step.next, session.answers)
            if target is None:
                raise SessionError(f"no way on from {step_id!r}")
            events.append(Moved(step_id, target))
            step_id = target
            continue
        session = replace(session, step=step_id, attempts=0, draft=_draft(session, step))
        events.append(_question(flow, session, step))
        return session


def _draft(session: Session, step: Step) -> tuple[str, ...]:
    previous = session.answers.get(step.id)
    if isinstance(step, ChoiceStep) and step.multi and isinstance(previous, list):
        return tuple(str(p) for p in previous)
    return ()


def _say(flow: Flow, session: Session, step: Step) -> str:
    text = next((v.text for v in step.variants if all(ans.holds(c, session.answers) for c in v.when)), step.text)
    if text is None:
        return ""
    return ans.interpolate(text.get(session.lang), flow, session.answers, session.vars, session.lang)


def _question(flow: Flow, session: Session, step: Step, *, repeat: bool = False, numbered: bool = False) -> Question:
    text = _say(flow, session, step)
    controls: list[Button] = []
    options: tuple[Button, ...] = ()
    summary: tuple[SummaryLine, ...] = ()
    footer = ""
    if isinstance(step, ChoiceStep):
        ordered = _likely_first(step, session) if step.sets_language else step.options
        options = tuple(_option_button(step, session, o.id, o.label.get(session.lang)) for o in ordered)
        proposed = _proposal(step, session)
        if proposed is not None:
            label = proposed.label.get(session.lang)
            controls.append(Button(CONFIRM, Reason(CONFIRM_LABEL, {"option": label})))
        if step.multi:
            controls.append(Button(DONE, DONE_LABEL))
    elif isinstance(step, LinksStep):
        controls.append(Button(DONE, DONE_LABEL))
    elif isinstance(step, ReviewStep):
        summary = _summary(flow, session, step)
        options = tuple(Button(EDIT_PREFIX + line.step, f"✏️ {line.label}") for line in summary)
        if step.consent is not None:
            # One screen: the report, the consent sentence under it, and the two answers to it.
            footer = ans.interpolate(
                step.consent.text.get(session.lang), flow, session.answers, session.vars, session.lang
            )
            controls.append(Button(SUBMIT, step.consent.send.get(session.lang)))
            controls.append(Button(DECLINE, step.consent.decline.get(session.lang)))
        else:
            controls.append(Button(SUBMIT, SUBMIT_LABEL))
    if step.skippable and not isinstance(step, LinksStep):
        controls.append(Button(SKIP, SKIP_LABEL))
    if session.history:
        controls.append(Button(BACK, BACK_LABEL))
    elif session.vars.get("language") == "detected" and not (isinstance(step, ChoiceStep) and step.sets_language):
        # The language was read from the first message: one tap switches it, on the first question only.
        controls += _language_buttons(flow, session)
    columns = step.columns if isinstance(step, ChoiceStep) else 1
    hint = _hint(step)
    numbered = numbered and isinstance(step, ChoiceStep)
    return Question(
        step.id, step.KIND, text, options, tuple(controls), columns, summary, repeat, hint, numbered, footer
    )


def language_step(flow: Flow) -> ChoiceStep | None:
    """The flow's language question (the choice that ``sets_language``), if it has one."""
    return next((s for s in flow.steps.values() if isinstance(s, ChoiceStep) and s.sets_language), None)


def _language_buttons(flow: Flow, session: Session) -> list[Button]:
    chooser = language_step(flow)
    if chooser is None:
        return []
    # Each language is named in itself: a reader who cannot read the current one still finds hers.
    return [
        Button(LANGUAGE_PREFIX + o.id, o.label.get(o.id))
        for o in chooser.options
        if o.id != session.lang and o.id in flow.languages
    ]


def _likely_first(step: ChoiceStep, session: Session) -> tuple[Option, ...]:
    likely = session.vars.get("likely_language", "")
    return tuple(sorted(step.options, key=lambda o: o.id != likely))


def _proposal(step: ChoiceStep, session: Session) -> Option | None:
    """The option a typed place proposed, waiting for the citizen's one-tap confirmation."""
    if step.multi or len(session.draft) != 2 or session.draft[0] != CONFIRM:
        return None
    return step.option(session.draft[1])


def _summary(flow: Flow, session: Session, review: ReviewStep) -> tuple[SummaryLine, ...]:
    on_path = ans.path_answers(flow, session.answers)
    wanted = review.fields or tuple(on_path)
    lines = []
    for step_id in wanted:
        step = flow.steps[step_id]
        if (
            step_id not in on_path
            or isinstance(step, ReviewStep)
            or (isinstance(step, ChoiceStep) and step.sets_language)
        ):
            continue
        label = step.label or step.text
        name = label.get(session.lang) if label else step_id
        lines.append(SummaryLine(step_id, name, ans.display(step, on_path[step_id], session.lang)))
    return tuple(lines)


def _accept(flow: Flow, session: Session, step: Step, value: Answer, events: list[Event]) -> Turn:
    lang = session.lang
    if isinstance(step, ChoiceStep) and step.sets_language and isinstance(value, str):
        lang = value
    events.append(Answered(step.id, ans.display(step, value, lang)))
    session = replace(
        session,
        lang=lang,
        answers={**session.answers, step.id: value},
        history=(*session.history, step.id)[-HISTORY_CAP:],
        attempts=0,
        draft=(),
    )
    target = ans.choose(step.next, session.answers)
    if target is None:
        raise SessionError(f"no way on from {step.id!r}")
    return Turn(_enter(flow, session, target, events, step.id), events)


def _reask(
    flow: Flow, session: Session, step: Step, reason: Reason, *, count: bool = True, numbered: bool = False
) -> Turn:
    if count:
        session = replace(session, attempts=session.attempts + 1)
    return Turn(session, [Notice(reason), _question(flow, session, step, repeat=True, numbered=numbered)])


def _refuse(flow: Flow, session: Session, step: Step, reason: Reason, *, numbered: bool = False) -> Turn:
    """A refused answer: re-ask, or after ``max_attempts`` move to ``on_exhausted`` (answer skipped).

    A skippable step without ``max_attempts`` is skipped after ``SKIPPED_AFTER`` refusals, so nobody is
    held at a question she may leave out, whatever she types; the review still offers it.
    """
    attempts = session.attempts + 1
    if step.max_attempts is None and step.skippable and attempts >= SKIPPED_AFTER:
        events: list[Event] = [Notice(reason), Notice(Reason(MOVING_ON))]
        return _accept(flow, session, step, None, events)
    if step.max_attempts is not None and attempts >= step.max_attempts and step.on_exhausted:
        events = [Notice(reason), Notice(Reason(MOVING_ON)), Answered(step.id, None)]
        session = replace(
            session,
            answers={**session.answers, step.id: None},
            history=(*session.history, step.id)[-HISTORY_CAP:],
            attempts=0,
        )
        return Turn(_enter(flow, session, step.on_exhausted, events, step.id), events)
    return _reask(flow, session, step, reason, numbered=numbered)


def _back(flow: Flow, session: Session) -> Turn:
    if not session.history:
        return _reask(flow, session, _step(flow, session), Reason(AT_FIRST), count=False)
    previous = flow.steps.get(session.history[-1])
    if previous is None:
        raise SessionError(f"history names unknown step {session.history[-1]!r}")
    session = replace(session, history=session.history[:-1], editing=False)
    session = replace(session, step=previous.id, attempts=0, draft=_draft(session, previous))
    return Turn(session, [_question(flow, session, previous)])


def _option_button(step: ChoiceStep, session: Session, option_id: str, label: Label) -> Button:
    """An option's button; in a tick-all-that-apply step its id says which way it turns the tick
    (``+id`` ticks, ``-id`` unticks), so that a press repeated on the same keyboard changes nothing."""
    if not step.multi:
        return Button(option_id, label)
    selected = option_id in session.draft
    return Button((UNTICK if selected else TICK) + option_id, label, selected=selected)


def _choice(flow: Flow, session: Session, step: ChoiceStep, press: str | None, text: str) -> Turn:
    if press is not None:
        if press == CONFIRM and (proposed := _proposal(step, session)) is not None:
            return _accept(flow, session, step, proposed.id, [])
        if step.multi and press == DONE:
            return _choice_done(flow, session, step)
        if step.multi and press[:1] in (TICK, UNTICK) and step.option(press[1:]) is not None:
            # A button says which way it goes: pressed twice (the first answer slow to show), it stays.
            option_id = press[1:]
            draft = tuple(d for d in session.draft if d != option_id)
            session = replace(session, draft=(*draft, option_id) if press[0] == TICK else draft)
            return Turn(session, [_question(flow, session, step, repeat=True)])
        if step.option(press) is None:
            return _reask(flow, session, step, Reason(USE_BUTTONS), count=False)
        if step.multi:  # a bare option id (scripts, older keyboards): it turns the tick over
            draft = tuple(d for d in session.draft if d != press)
            if press not in session.draft:
                draft = (*session.draft, press)
            session = replace(session, draft=draft)
            return Turn(session, [_question(flow, session, step, repeat=True)])
        return _accept(flow, session, step, press, [])
    if step.multi and says(flow.vocabulary, "done", text):
        return _choice_done(flow, session, step)
    proposed = _proposal(step, session)
    if proposed is not None and says(flow.vocabulary, "yes", text):
        return _accept(flow, session, step, proposed.id, [])
    reading = read_choice(flow, step, text)
    if reading.chosen:
        if step.multi:
            # Typed names join any ticks already made, and the answer is taken: typing is one message.
            chosen = [o.id for o in step.options if o.id in reading.chosen or o.id in session.draft]
            return _accept(flow, session, step, chosen, [])
        return _accept(flow, session, step, reading.chosen[0], [])
    if reading.place is not None:
        option_id, place = reading.place
        session = replace(session, draft=(CONFIRM, option_id))
        label = step.option(option_id)
        name = label.label.get(session.lang) if label else option_id
        notice = Notice(Reason(PLACE_CONFIRM, {"place": _place_name(place), "option": name}))
        return Turn(session, [notice, _question(flow, session, step, repeat=True)])
    if proposed is not None:
        session = replace(session, draft=())
        if says(flow.vocabulary, "no", text):
            return _reask(flow, session, step, Reason(PLACE_REJECTED), count=False, numbered=True)
    if reading.candidates:
        names = [o.label.get(session.lang) for o in step.options if o.id in reading.candidates]
        reason = Reason(WHICH_ONE, {"options": " / ".join(names)})
        return _refuse(flow, session, step, reason, numbered=True)
    return _refuse(flow, session, step, Reason(NOT_UNDERSTOOD), numbered=True)


def _choice_done(flow: Flow, session: Session, step: ChoiceStep) -> Turn:
    if not session.draft:
        if step.skippable:
            return _accept(flow, session, step, None, [])
        return _reask(flow, session, step, Reason(CHOOSE_ONE_OR_MORE), count=False)
    ordered = [o.id for o in step.options if o.id in session.draft]
    return _accept(flow, session, step, ordered, [])


def _place_name(place: str) -> str:
    # Names are listed in lower case for matching; shown capitalised ("Lahore", "D I Khan").
    return " ".join(w[:1].upper() + w[1:] if w.isascii() else w for w in place.split())


def _switch_language(flow: Flow, session: Session, step: Step, lang: str) -> Turn:
    """A one-tap language switch (or a typed language name): the same question, in that language."""
    if lang not in flow.languages:
        return Turn(session, [_question(flow, session, step)])
    chooser = language_step(flow)
    answers = dict(session.answers)
    if chooser is not None and chooser.id in answers:
        answers[chooser.id] = lang
    session = replace(session, lang=lang, answers=answers, vars={**session.vars, "language": "chosen"})
    return Turn(session, [_question(flow, session, step)])


def _language_named(flow: Flow, session: Session, step: Step, text: str) -> Turn | None:
    """Typing just a language's name ("urdu", "english", "roman urdu", "اردو") at any question switches to it."""
    chooser = language_step(flow)
    if chooser is None or chooser.id == step.id or not text:
        return None
    reading = read_choice(flow, chooser, text)
    if len(reading.chosen) != 1 or len(text.split()) > 3:
        return None
    if isinstance(step, ChoiceStep) and read_choice(flow, step, text).chosen:
        return None  # the words also answer this question: the answer wins
    return _switch_language(flow, session, step, reading.chosen[0])


def _typed_control(flow: Flow, session: Session, step: Step, command: str) -> Turn:
    """/done and /send typed as commands: the Done and Send buttons, where the question has them."""
    if command == "done" and isinstance(step, LinksStep):
        return _links(flow, session, step, "", done=True)
    if command == "done" and isinstance(step, ChoiceStep) and step.multi:
        return _choice_done(flow, session, step)
    if command == "send" and isinstance(step, ReviewStep):
        return _accept(flow, session, step, "ok", [])
    reason = SEND_AT_REVIEW if command == "send" else NOTHING_TO_FINISH
    return _reask(flow, session, step, Reason(reason), count=False)


def _review(flow: Flow, session: Session, step: ReviewStep, press: str | None, text: str = "") -> Turn:
    consent = read_consent(flow.vocabulary, text) if press is None and step.consent is not None else ""
    if consent == "no" and step.consent is not None:
        # Declining deletes the report: a typed "no" is not enough, the button must be tapped.
        button = step.consent.decline.get(session.lang)
        return _reask(flow, session, step, Reason(TAP_TO_DECLINE, {"button": button}), count=False)
    if consent == "yes" or (
        press is None
        and step.consent is None
        and (says(flow.vocabulary, "send", text) or says(flow.vocabulary, "yes", text))
    ):
        press = SUBMIT
    if press is None and text:
        press = _typed_edit(flow, session, step, text)
    if press == SUBMIT:
        return _accept(flow, session, step, "yes" if step.consent is not None else "ok", [])
    if press == DECLINE and step.consent is not None:
        events: list[Event] = [Answered(step.id, ans.display(step, "no", session.lang))]
        session = replace(
            session,
            answers={**session.answers, step.id: "no"},
            history=(*session.history, step.id)[-HISTORY_CAP:],
            attempts=0,
        )
        return Turn(_enter(flow, session, step.consent.declined, events, step.id), events)
    if press is not None and press.startswith(EDIT_PREFIX):
        target = press.removeprefix(EDIT_PREFIX)
        if any(line.step == target for line in _summary(flow, session, step)):
            edited = flow.steps[target]
            session = replace(session, editing=True, history=(*session.history, step.id)[-HISTORY_CAP:])
            session = replace(session, step=target, attempts=0, draft=_draft(session, edited))
            return Turn(session, [_question(flow, session, edited)])
    return _reask(flow, session, step, Reason(USE_REVIEW_BUTTONS), count=False)


def _typed_edit(flow: Flow, session: Session, step: ReviewStep, text: str) -> str | None:
    """A typed line name ("province", "صوبہ", "phone number") opens that line, when it names one only."""
    typed = match_words(text)
    found = set()
    for line in _summary(flow, session, step):
        target = flow.steps[line.step]
        name = target.label or target.text
        names = name.by_lang.values() if name is not None else ()
        keys = [match_words(n) for n in names]
        # The whole line name in the message ("change province or region"), or the message a part of
        # it ("province"), when that part is a word of some length, not "or".
        if any(
            key and (contains_words(typed, key) or (len("".join(typed)) >= 4 and contains_words(key, typed)))
            for key in keys
        ):
            found.add(line.step)
    return EDIT_PREFIX + found.pop() if len(found) == 1 else None


def _links(flow: Flow, session: Session, step: LinksStep, text: str, *, done: bool) -> Turn:
    existing = [Link(str(d["url"]), str(d["platform"])) for d in session.answers.get(step.id) or []]
    if done:
        value = [{"url": link.url, "platform": link.platform} for link in existing] or None
        if value is None and not step.skippable:
            return _reask(flow, session, step, Reason(NO_LINK_FOUND), count=False)
        return _accept(flow, session, step, value, [])
    found = extract_links(text)
    events: list[Event] = []
    if len(found.refused) == 1:
        events.append(Notice(found.refused[0]))
    elif found.refused:
        # One notice for the whole message, each different reason once: five refused links are one message.
        why: list[Reason] = []
        for reason in found.refused:
            if reason not in why:
                why.append(reason)
        events.append(Notice(Reason(LINKS_REFUSED, {"count": len(found.refused)}), tuple(why)))
    if not found.links:
        if not found.refused:
            return _refuse(flow, session, step, Reason(NO_LINK_FOUND))
        return Turn(session, [*events, _question(flow, session, step, repeat=True)])
    merged, added, dropped = merge_links(existing, found.links)
    if dropped:
        events.append(Notice(Reason(LINKS_CAP, {"max": len(merged), "dropped": dropped})))
    if added:
        events.append(Notice(Reason(LINKS_SAVED, {"total": len(merged)})))
    elif not dropped:
        events.append(Notice(Reason(LINKS_ALREADY_SAVED)))
    stored = [{"url": link.url, "platform": link.platform} for link in merged]
    session = replace(session, answers={**session.answers, step.id: stored}, attempts=0)
    # Repeated so that the Done button is on the newest message, not on the question far above.
    return Turn(session, [*events, _question(flow, session, step, repeat=True)])


def _danger(flow: Flow, session: Session, step: Step, text: str, today: date) -> Turn:
    """Typed words say someone is in danger: the flow's safety text first, and no answer lost.

    The session is marked (``vars["danger"] = "1"``) so the report carries a "danger mentioned" flag.
    Per step kind:

    * free text (a text step such as "in your own words"): the text is still taken when it is a valid
      answer ("he threatened to kill me" is part of an account); the safety text comes before the
      next question;
    * links: links found in the same message are saved as usual, after the safety text;
    * anything else (a choice, the review, or free text the step refuses): typed words cannot be
      understood as an answer, so the safety text replaces the "please choose" retry and the same
      question is shown again in full. The try is not counted towards ``max_attempts``.
    """
    assert flow.danger is not None
    session = replace(session, vars={**session.vars, "danger": "1"})
    safety = Safety(flow.danger.text.get(session.lang))
    if isinstance(step, TextStep):
        outcome = _text(step, text, today, session.lang)
        if isinstance(outcome, Valid):
            return _accept(flow, session, step, outcome.value, [safety])
    elif isinstance(step, LinksStep) and extract_links(text).links:
        turn = _links(flow, session, step, text, done=False)
        return Turn(turn.session, [safety, *turn.events])
    return Turn(session, [safety, _question(flow, session, step)])


def _text(step: TextStep, text: str, today: date, lang: str) -> Outcome[str]:
    if not text:
        return Invalid(Reason(EMPTY_ANSWER))
    value = text
    for spec in step.validators:
        outcome = check(spec, value, today)
        if isinstance(outcome, Invalid):
            if spec.message is not None:
                # The admin's own wording, already in the citizen's language: gettext finds no
                # catalogue entry for it and returns it unchanged.
                return Invalid(Reason(spec.message.get(lang)))
            return outcome
        value = outcome.value
    return Valid(value)
