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
    DONE,
    DONE_LABEL,
    EDIT_PREFIX,
    SKIP,
    SKIP_LABEL,
    SUBMIT,
    SUBMIT_LABEL,
    Answered,
    Button,
    Ended,
    Event,
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
    LANGUAGES,
    ChoiceStep,
    EndStep,
    Flow,
    LinksStep,
    MessageStep,
    ReviewStep,
    Step,
    SubmitStep,
    TextStep,
)
from .normalise import fold_for_match, normalise
from .outcome import N_, Invalid, Outcome, Reason, Valid
from .session import ACTIVE, CANCELLED, COMPLETED, HISTORY_CAP, SUBMITTING, Answer, Session
from .validators import check

USE_BUTTONS = N_("Please choose one of the options, using the buttons or by typing its number.")
CHOOSE_ONE_OR_MORE = N_("Please tick at least one option, then press Done.")
TYPE_ANSWER = N_("Please type your answer in a message.")
EMPTY_ANSWER = N_("The message was empty. Please type your answer.")
NO_LINK_FOUND = N_(
    "I could not find a link in your message. Please paste the whole link, for example "
    "https://www.facebook.com/… , or press Done."
)
LINKS_SAVED = N_("Links saved so far: {total}. You can send more, or press Done.")
LINKS_ALREADY_SAVED = N_("These links were already saved. You can send more, or press Done.")
LINKS_CAP = N_("A report can hold {max} links, so {dropped} of them could not be saved.")
NOT_SKIPPABLE = N_("This question cannot be skipped. Please answer it, or send /cancel to stop.")
AT_FIRST = N_("This is the first question; there is nothing to go back to.")
CANCELLED_TEXT = N_("Your report has been cancelled and nothing was sent. Send /start to begin again.")
ENDED = N_("This conversation has ended. Send /start to make a new report.")
USE_REVIEW_BUTTONS = N_("Please use the buttons below to change an answer or to send the report.")
BACK_TO_REVIEW = N_("Changes saved. Here is your report again.")
MOVING_ON = N_("Let us move on. You can still add this answer from the review before sending.")


class Turn(NamedTuple):
    session: Session
    events: list[Event]


@dataclass(frozen=True, slots=True)
class Input:
    """One thing the citizen did: typed ``text``, pressed button ``press``, or sent ``command``."""

    text: str = ""
    press: str | None = None
    command: str | None = None  # back | skip | cancel


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
    lang = lang if lang in LANGUAGES else flow.languages[0]
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
    if session.status != ACTIVE or session.step is None:
        return Turn(session, [Notice(Reason(ENDED))])
    step = _step(flow, session)
    events: list[Event] = []
    command = given.command or {BACK: "back", SKIP: "skip"}.get(given.press or "")
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
    text = normalise(given.text)
    if given.press is None and flow.danger is not None and mentions_danger(flow.danger, text):
        return _danger(flow, session, step, text, today)
    if isinstance(step, ChoiceStep):
        return _choice(flow, session, step, given.press, text)
    if isinstance(step, ReviewStep):
        return _review(flow, session, step, given.press)
    if given.press is not None and not (isinstance(step, LinksStep) and given.press == DONE):
        return _reask(flow, session, step, Reason(TYPE_ANSWER), count=False)
    if isinstance(step, LinksStep):
        return _links(flow, session, step, text, done=given.press == DONE)
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
    if step.text is None:
        return ""
    return ans.interpolate(step.text.get(session.lang), flow, session.answers, session.vars, session.lang)


def _question(flow: Flow, session: Session, step: Step, *, repeat: bool = False) -> Question:
    text = _say(flow, session, step)
    controls: list[Button] = []
    options: tuple[Button, ...] = ()
    summary: tuple[SummaryLine, ...] = ()
    if isinstance(step, ChoiceStep):
        options = tuple(
            Button(o.id, o.label.get(session.lang), selected=step.multi and o.id in session.draft) for o in step.options
        )
        if step.multi:
            controls.append(Button(DONE, DONE_LABEL))
    elif isinstance(step, LinksStep):
        controls.append(Button(DONE, DONE_LABEL))
    elif isinstance(step, ReviewStep):
        summary = _summary(flow, session, step)
        options = tuple(Button(EDIT_PREFIX + line.step, f"✏️ {line.label}") for line in summary)
        controls.append(Button(SUBMIT, SUBMIT_LABEL))
    if step.skippable and not isinstance(step, LinksStep):
        controls.append(Button(SKIP, SKIP_LABEL))
    if session.history:
        controls.append(Button(BACK, BACK_LABEL))
    columns = step.columns if isinstance(step, ChoiceStep) else 1
    hint = "phone" if isinstance(step, TextStep) and any(v.kind == "phone" for v in step.validators) else ""
    return Question(step.id, step.KIND, text, options, tuple(controls), columns, summary, repeat, hint)


def _summary(flow: Flow, session: Session, review: ReviewStep) -> tuple[SummaryLine, ...]:
    on_path = ans.path_answers(flow, session.answers)
    wanted = review.fields or tuple(on_path)
    lines = []
    for step_id in wanted:
        step = flow.steps[step_id]
        if step_id not in on_path or (isinstance(step, ChoiceStep) and step.sets_language):
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


def _reask(flow: Flow, session: Session, step: Step, reason: Reason, *, count: bool = True) -> Turn:
    if count:
        session = replace(session, attempts=session.attempts + 1)
    return Turn(session, [Notice(reason), _question(flow, session, step, repeat=True)])


def _refuse(flow: Flow, session: Session, step: Step, reason: Reason) -> Turn:
    """A refused answer: re-ask, or after ``max_attempts`` move to ``on_exhausted`` (answer skipped)."""
    attempts = session.attempts + 1
    if step.max_attempts is not None and attempts >= step.max_attempts and step.on_exhausted:
        events: list[Event] = [Notice(reason), Notice(Reason(MOVING_ON)), Answered(step.id, None)]
        session = replace(
            session,
            answers={**session.answers, step.id: None},
            history=(*session.history, step.id)[-HISTORY_CAP:],
            attempts=0,
        )
        return Turn(_enter(flow, session, step.on_exhausted, events, step.id), events)
    return _reask(flow, session, step, reason)


def _back(flow: Flow, session: Session) -> Turn:
    if not session.history:
        return _reask(flow, session, _step(flow, session), Reason(AT_FIRST), count=False)
    previous = flow.steps.get(session.history[-1])
    if previous is None:
        raise SessionError(f"history names unknown step {session.history[-1]!r}")
    session = replace(session, history=session.history[:-1], editing=False)
    session = replace(session, step=previous.id, attempts=0, draft=_draft(session, previous))
    return Turn(session, [_question(flow, session, previous)])


def _choice(flow: Flow, session: Session, step: ChoiceStep, press: str | None, text: str) -> Turn:
    if press is not None:
        if step.multi and press == DONE:
            if not session.draft:
                if step.skippable:
                    return _accept(flow, session, step, None, [])
                return _reask(flow, session, step, Reason(CHOOSE_ONE_OR_MORE), count=False)
            ordered = [o.id for o in step.options if o.id in session.draft]
            return _accept(flow, session, step, ordered, [])
        if step.option(press) is None:
            return _reask(flow, session, step, Reason(USE_BUTTONS), count=False)
        if step.multi:
            draft = tuple(d for d in session.draft if d != press)
            if press not in session.draft:
                draft = (*session.draft, press)
            session = replace(session, draft=draft)
            return Turn(session, [_question(flow, session, step, repeat=True)])
        return _accept(flow, session, step, press, [])
    chosen = _match_options(step, text)
    if not chosen or (len(chosen) > 1 and not step.multi):
        return _refuse(flow, session, step, Reason(USE_BUTTONS))
    return _accept(flow, session, step, chosen if step.multi else chosen[0], [])


def _match_options(step: ChoiceStep, text: str) -> list[str]:
    """Typed answers: option numbers ("2", "1, 3") or labels in any language ("Punjab", "پنجاب")."""
    by_name: dict[str, str] = {}
    for number, option in enumerate(step.options, start=1):
        by_name[str(number)] = option.id
        by_name[fold_for_match(option.id)] = option.id
        for label in option.label.by_lang.values():
            by_name[fold_for_match(label)] = option.id
    whole = fold_for_match(text)
    if whole in by_name:
        return [by_name[whole]]
    if not step.multi:
        return []
    parts = [p for p in (fold_for_match(x) for x in text.replace("،", ",").replace(",", " ").split()) if p]
    chosen = [by_name[p] for p in parts if p in by_name]
    if len(chosen) != len(parts):
        return []
    return [o.id for o in step.options if o.id in chosen]


def _review(flow: Flow, session: Session, step: ReviewStep, press: str | None) -> Turn:
    if press == SUBMIT:
        return _accept(flow, session, step, "ok", [])
    if press is not None and press.startswith(EDIT_PREFIX):
        target = press.removeprefix(EDIT_PREFIX)
        if any(line.step == target for line in _summary(flow, session, step)):
            edited = flow.steps[target]
            session = replace(session, editing=True, history=(*session.history, step.id)[-HISTORY_CAP:])
            session = replace(session, step=target, attempts=0, draft=_draft(session, edited))
            return Turn(session, [_question(flow, session, edited)])
    return _reask(flow, session, step, Reason(USE_REVIEW_BUTTONS), count=False)


def _links(flow: Flow, session: Session, step: LinksStep, text: str, *, done: bool) -> Turn:
    existing = [Link(str(d["url"]), str(d["platform"])) for d in session.answers.get(step.id) or []]
    if done:
        value = [{"url": link.url, "platform": link.platform} for link in existing] or None
        if value is None and not step.skippable:
            return _reask(flow, session, step, Reason(NO_LINK_FOUND), count=False)
        return _accept(flow, session, step, value, [])
    found = extract_links(text)
    events: list[Event] = [Notice(reason) for reason in found.refused]
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
    return Turn(session, events)


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
