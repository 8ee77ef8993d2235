"""One citizen conversation turn: load the session, run the engine, store the result in one commit.

Both the Telegram and the console adapter call this; they differ only in how they render events.
A session stays pinned to the flow revision it started on until it ends.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from bot.cases.flows import FlowRegistry
from bot.cases.language_question import typed_language
from bot.cases.receipts import Receipts, same_report
from bot.cases.references import new_pin, new_reference
from bot.cases.reports import LINK_TIMES, build_report, is_child_case
from bot.engine import runner
from bot.engine.danger import mentions_danger
from bot.engine.events import Asked, Event, Notice, Safety, SubmitRequested
from bot.engine.model import ChoiceStep, Flow
from bot.engine.normalise import normalise
from bot.engine.outcome import N_, Reason
from bot.engine.runner import Input
from bot.engine.session import ACTIVE, CANCELLED, Session
from bot.store.base import ReferenceTaken, Store
from bot.store.records import ChatState

log = logging.getLogger(__name__)

NO_SESSION = N_("There is no report in progress. Send /start to begin a new one.")
RESUMING = N_("Welcome back. Your report is where you left it. Send /cancel to start over.")
ALREADY_SENT = N_(
    "You have already sent this report, so it was not sent twice. Here are its reference number and PIN again."
)
_REFERENCE_TRIES = 5
MAX_ATTACHMENTS = 10
HELD = "held_voice"  # session variable: a voice message waiting for "is this evidence?"


@dataclass(frozen=True, slots=True)
class Reply:
    session: Session | None
    events: list[Event]
    reference: str | None = None  # set on the turn that submitted a report
    lang: str = "en"
    # The outbox key of this turn's receipt, held for the adapter: settle it once shown (receipts.py).
    receipt: str | None = None
    # Chat message ids of files sent before the report became a child case: dropped from the report in
    # this turn; the adapter deletes them from the chat (pictures of a child are never kept).
    dropped_files: tuple[int, ...] = ()
    # The question this turn's input answered (from the same engine run): the adapter retires its message.
    asked: Asked | None = None


def _drop_files_of_a_child_case(flow: Flow, turn: runner.Turn) -> tuple[runner.Turn, tuple[int, ...]]:
    """Files kept before an answer made this a child case are dropped with this very step.

    A picture sent while the report looked like an adult's ("the screenshot is kept") may show the
    child; once the answers say it is a child case, it must be neither kept nor counted on the card.
    """
    raw = turn.session.vars.get("attachments")
    if not raw or not is_child_case(flow, turn.session.answers):
        return turn, ()
    ids = tuple(int(a["message_id"]) for a in json.loads(raw) if isinstance(a.get("message_id"), int))
    variables = {k: v for k, v in turn.session.vars.items() if k != "attachments"}
    return turn._replace(session=replace(turn.session, vars=variables)), ids


def stamp_links(flow: Flow, turn: runner.Turn, now: str) -> runner.Turn:
    """Note when each evidence link first arrived (session variable ``LINK_TIMES``, url -> ISO time): the
    card shows it, as evidence of when the post was seen. The engine keeps the links; this keeps the times."""
    step_id = flow.report.get("evidence")
    links = turn.session.answers.get(step_id) if step_id else None
    if not isinstance(links, list):
        return turn
    times: dict[str, str] = json.loads(turn.session.vars.get(LINK_TIMES, "{}"))
    new = {str(item["url"]): now for item in links if isinstance(item, dict) and str(item.get("url")) not in times}
    if not new:
        return turn
    variables = {**turn.session.vars, LINK_TIMES: json.dumps({**times, **new}, separators=(",", ":"))}
    return turn._replace(session=replace(turn.session, vars=variables))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Conversations:
    store: Store
    flows: FlowRegistry
    clock: Callable[[], datetime] = field(default=_utcnow)
    # (reference, PIN) for a new report; flow tests pass a fixed pair so their transcripts are stable.
    # None: a new reference and PIN.
    draw: Callable[[], tuple[str, str]] | None = None
    # province -> focal queue key, from the routing table and the queues bound to a group
    route: Callable[[str], str | None] | None = None
    # Durable receipts (reference and PIN) through the outbox; None where the adapter prints them at once.
    receipts: Receipts | None = None
    # The match key of connected cases (store/match_key.py); None: no match keys are kept (flow tests).
    match_key: bytes | None = field(default=None, repr=False)

    async def begin(
        self,
        chat_key: str,
        lang: str,
        variables: dict[str, str] | None = None,
        prefill: dict[str, str] | None = None,
        chat: ChatState | None = None,
        *,
        language: str = "",
        first_text: str = "",
    ) -> Reply:
        """/start: continue an unfinished report, or start a new one on the live revision.

        ``prefill`` maps report fields to option ids (``{"province": "punjab"}`` from a /start link);
        values the flow does not offer are ignored. ``chat`` is stored with the step (see commit_step).
        ``language``: "detected" when ``lang`` was read with confidence from the first message (the
        language question is not asked; the first question offers a one-tap switch), "likely" when
        it was only a guess (the language question lists ``lang`` first). ``first_text``: the message
        that started the conversation, checked for danger words like any answer.
        """
        existing = await self.store.load_session(chat_key)
        if existing is not None and existing.status == ACTIVE:
            flow = await self.flows.pinned(existing.revision)
            turn = runner.current(flow, existing)
            return Reply(existing, [Notice(Reason(RESUMING)), *turn.events], lang=existing.lang)
        revision_id, flow = await self.flows.live()
        answers: dict[str, str] = {}
        for report_field, value in (prefill or {}).items():
            step = flow.steps.get(flow.report.get(report_field, ""))
            if isinstance(step, ChoiceStep) and not step.multi and step.option(value) is not None:
                answers[step.id] = value
        variables = dict(variables or {})
        chooser = runner.language_step(flow)
        if language == "detected" and chooser is not None and chooser.option(lang) and lang in flow.languages:
            answers[chooser.id] = lang
            variables["language"] = "detected"
        elif language:
            variables["likely_language"] = lang
        danger = flow.danger is not None and bool(first_text) and mentions_danger(flow.danger, normalise(first_text))
        if danger:
            variables["danger"] = "1"
        turn = runner.start(
            flow, revision_id, lang, variables=variables, session_id=secrets.token_hex(3), prefill=answers
        )
        if danger and flow.danger is not None:
            # The very first message says someone is in danger: the safety text comes before anything else.
            turn = runner.Turn(turn.session, [Safety(flow.danger.text.get(turn.session.lang)), *turn.events])
        return await self._finish(chat_key, flow, turn, chat)

    async def answer(
        self,
        chat_key: str,
        given: Input,
        lang: str = "en",
        *,
        loaded: Session | None = None,
        chat: ChatState | None = None,
    ) -> Reply:
        """Apply one input. ``loaded``: the session as the caller just read it under the chat's lock
        (saves reading it again); ``chat`` is stored with the step (see commit_step)."""
        session = loaded if loaded is not None else await self.store.load_session(chat_key)
        if session is None:
            return Reply(None, [Notice(Reason(NO_SESSION))], lang=lang)
        flow = await self.flows.pinned(session.revision)
        turn = runner.resume(flow, session, given, today=self._today())
        if given.text and (lang_typed := typed_language(flow, session, turn, given.text)) is not None:
            turn = runner.resume(flow, session, Input(press=lang_typed), today=self._today())
        if turn.session == session:
            # A refused input or a repeated question: nothing to store.
            return Reply(session, turn.events, lang=session.lang, asked=turn.asked)
        turn, dropped = _drop_files_of_a_child_case(flow, turn)
        reply = await self._finish(chat_key, flow, turn, chat)
        return replace(reply, dropped_files=dropped, asked=turn.asked)

    async def current(self, chat_key: str) -> Session | None:
        return await self.store.load_session(chat_key)

    async def asked(self, session: Session) -> Asked | None:
        """The question ``session`` waits on, without answering it (a shared contact checks its hint)."""
        if session.status != ACTIVE or session.step is None:
            return None
        return runner.asked(await self.flows.pinned(session.revision), session)

    async def set_language(self, chat_key: str, lang: str) -> Reply:
        """Switch an unfinished report to ``lang`` and show its question again in that language."""
        session = await self.store.load_session(chat_key)
        if session is None or session.status != ACTIVE:
            return Reply(session, [], lang=lang)
        session = replace(session, lang=lang)
        await self.store.commit_step(chat_key, session)
        flow = await self.flows.pinned(session.revision)
        return Reply(session, runner.current(flow, session).events, lang=lang)

    async def attach(self, chat_key: str, attachment: dict[str, str | int]) -> bool:
        """Keep a file's Telegram id and metadata with the unfinished report; the file itself is fetched
        once the report is sent (``files_to_fetch``), and only if it is an adult's.

        Returns False when no report is in progress or it already holds ``MAX_ATTACHMENTS``. A voice message
        held for the citizen's answer (``hold``) is let go in the same step.
        """
        session = await self.store.load_session(chat_key)
        if session is None or session.status != ACTIVE:
            return False
        kept = json.loads(session.vars.get("attachments", "[]"))
        if len(kept) >= MAX_ATTACHMENTS:
            return False
        kept.append(attachment)
        variables = {k: v for k, v in session.vars.items() if k != HELD}
        variables["attachments"] = json.dumps(kept, separators=(",", ":"))
        await self.store.commit_step(chat_key, replace(session, vars=variables))
        return True

    async def hold(self, chat_key: str, attachment: dict[str, str | int] | None) -> dict[str, str | int] | None:
        """Hold a voice message while the citizen says whether it is evidence (None: let it go). Returns the
        one held before, if any. Nothing is held without a report in progress."""
        session = await self.store.load_session(chat_key)
        if session is None or session.status != ACTIVE:
            return None
        before = json.loads(session.vars[HELD]) if HELD in session.vars else None
        variables = {k: v for k, v in session.vars.items() if k != HELD}
        if attachment is not None:
            variables[HELD] = json.dumps(attachment, separators=(",", ":"))
        await self.store.commit_step(chat_key, replace(session, vars=variables))
        return before

    async def held(self, chat_key: str) -> dict[str, str | int] | None:
        session = await self.store.load_session(chat_key)
        if session is None or session.status != ACTIVE or HELD not in session.vars:
            return None
        held: dict[str, str | int] = json.loads(session.vars[HELD])
        return held

    async def drop(self, chat_key: str) -> None:
        """End the chat's unfinished report without a trace (quick exit). Submitted reports stay."""
        session = await self.store.load_session(chat_key)
        if session is not None:
            await self.store.commit_step(chat_key, replace(session, status=CANCELLED, answers={}, step=None))

    def _today(self) -> date:
        return self.clock().date()

    async def _finish(self, chat_key: str, flow: Flow, turn: runner.Turn, chat: ChatState | None = None) -> Reply:
        turn = stamp_links(flow, turn, self.clock().isoformat(timespec="seconds"))
        submit = next((e for e in turn.events if isinstance(e, SubmitRequested)), None)
        if submit is None:
            await self.store.commit_step(chat_key, turn.session, chat=chat)
            return Reply(turn.session, turn.events, lang=turn.session.lang)
        # Submitting: store the report and the finished session in one transaction, then show the end.
        again = await self._resubmitted(chat_key, flow, turn, submit, chat)
        if again is not None:
            return again
        for _ in range(_REFERENCE_TRIES):
            reference, pin = self.draw() if self.draw is not None else (new_reference(), new_pin())
            after = runner.submitted(flow, turn.session, reference, pin)
            report = build_report(
                flow,
                turn.session,
                submit.answers,
                reference=reference,
                pin=pin,
                chat_key=chat_key,
                created_at=self.clock().isoformat(timespec="seconds"),
                route=self.route,
                match_key=self.match_key,
            )
            receipt = self.receipts.outgoing(chat_key, reference, pin, after.session.lang) if self.receipts else None
            try:
                if receipt is not None:
                    report = replace(report, deliveries=(*report.deliveries, receipt))
                await self.store.commit_step(chat_key, after.session, report, chat=chat)
            except ReferenceTaken:
                continue
            log.info("report submitted", extra={"flow_revision": turn.session.revision})
            events = [e for e in turn.events if not isinstance(e, SubmitRequested)] + after.events
            key = receipt.dedupe_key if receipt else None
            return Reply(after.session, events, reference=reference, lang=after.session.lang, receipt=key)
        raise RuntimeError("could not draw an unused reference")

    async def _resubmitted(
        self, chat_key: str, flow: Flow, turn: runner.Turn, submit: SubmitRequested, chat: ChatState | None
    ) -> Reply | None:
        """The same report again from a chat whose receipt never arrived: that report's receipt, no new case."""
        pending = await self.receipts.undelivered(chat_key) if self.receipts is not None else None
        if pending is None:
            return None
        stored = await self.store.report_by_reference(pending.reference)
        candidate = build_report(
            flow, turn.session, submit.answers, reference="", pin="", chat_key=chat_key, created_at=""
        )
        if stored is None or not same_report(candidate, stored):
            return None
        after = runner.submitted(flow, turn.session, pending.reference, pending.pin)
        await self.store.commit_step(chat_key, after.session, chat=chat)
        log.info("a report sent again after its receipt was lost; no second case")
        events: list[Event] = [e for e in turn.events if not isinstance(e, SubmitRequested)]
        events += [Notice(Reason(ALREADY_SENT)), *after.events]
        return Reply(after.session, events, reference=pending.reference, lang=after.session.lang, receipt=pending.key)
