"""What the courier sends: due deliveries turned into messages (``Unit``), decided chat by chat.

A queue group gets case cards one by one while its window has room for them and for the officers'
own commands (``RESERVE``), else digests of up to ``card.DIGEST_SIZE`` cases with a button each.
Citizens get their receipt, officers' questions and status news in their own language. A case that
moved on or closed before its card went out is settled without a message.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from html import escape

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key, parse_target
from bot.cases.preservation import PreservationFile
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.ports import Books
from bot.store.records import OPEN_STATUSES, RESOLVED, Connected, Delivery, QueueBinding, StoredReport

from . import card
from .callback_data import CasePress, FeedbackPress
from .citizen import texts
from .focal import texts as focal_texts
from .send import Markup

RESERVE = 3  # slots per group window kept for officers' own commands during a burst


@dataclass
class Unit:
    """One message to send and the outbox entries it delivers."""

    deliveries: list[Delivery]
    html: str
    markup: Markup | None = None
    reply_to: int | None = None
    after: Callable[[Message], Awaitable[None]] | None = None
    # Once sent, the case's cards are brought up to date (what the citizen added is counted on them).
    refresh: StoredReport | None = None


class Planner:
    def __init__(self, books: Books, flows: FlowRegistry, preservation: PreservationFile | None = None) -> None:
        self.sessions, self.cases, self.outbox, self.flows = books.sessions, books.cases, books.outbox, flows
        self.preservation = preservation

    async def plan(
        self, chat_id: int, deliveries: list[Delivery], binding: QueueBinding | None, *, room: int
    ) -> list[Unit]:
        """The messages that deliver ``deliveries`` to ``chat_id``; ``room``: free slots of its window."""
        lang = binding.lang if binding else "en"
        units: list[Unit] = []
        cases = [d for d in deliveries if d.kind == "case"]
        reminders = [d for d in deliveries if d.kind == "reminder"]
        others = [d for d in deliveries if d.kind not in ("case", "reminder")]
        for delivery in others:
            unit = await self._other(chat_id, delivery, lang)
            if unit is not None:
                units.append(unit)
        if reminders:
            units.append(await self._reminders(chat_id, reminders, lang))
        if cases:
            units += await self._cases(chat_id, cases, binding, lang, room=room - len(units))
        return units

    async def _cases(
        self, chat_id: int, deliveries: list[Delivery], binding: QueueBinding | None, lang: str, room: int
    ) -> list[Unit]:
        one_by_one = len(deliveries) == 1 or len(deliveries) <= room - RESERVE
        if not one_by_one:
            # Digests leave RESERVE slots of the window for officers' own commands; the rest waits its turn.
            deliveries = deliveries[: max(1, room - RESERVE) * card.DIGEST_SIZE]
        loaded: list[tuple[Delivery, StoredReport, Flow]] = []
        stale: list[int] = []
        for delivery in deliveries:
            report = await self.cases.case(delivery.report_id or 0)
            queue = parse_target(delivery.target)[1]
            if report is None or report.queue != queue or report.status not in OPEN_STATUSES:
                stale.append(delivery.id)  # moved on or closed before its card went out: nothing to show
                continue
            loaded.append((delivery, report, await self.flows.pinned(report.revision_id)))
        if stale:
            await self.outbox.mark_sent(stale)
        if one_by_one:
            return [
                self._card_unit(
                    chat_id,
                    [d],
                    report,
                    flow,
                    lang,
                    await self.cases.connected(report.id),
                    len(await self.cases.additions(report.id)),
                )
                for d, report, flow in loaded
            ]
        units = []
        for start in range(0, len(loaded), card.DIGEST_SIZE):
            chunk = loaded[start : start + card.DIGEST_SIZE]
            text, markup = card.digest([(r, f) for _, r, f in chunk], lang)
            units.append(Unit([d for d, _, _ in chunk], text, markup))
        return units

    def _card_unit(
        self,
        chat_id: int,
        deliveries: list[Delivery],
        report: StoredReport,
        flow: Flow,
        lang: str,
        connected: Sequence[Connected] = (),
        additions: int = 0,
    ) -> Unit:
        preserve = self.preservation.current() if self.preservation else None
        text, truncated = card.card_text(report, flow, lang, connected, additions, preserve)
        markup = card.card_keyboard(report, lang, truncated)

        async def after(message: Message) -> None:
            await self.cases.remember_message(chat_id, message.message_id, report.id, "card")

        return Unit(deliveries, text, markup, after=after)

    async def _other(self, chat_id: int, delivery: Delivery, lang: str) -> Unit | None:
        if delivery.kind == "message":
            return _message_unit(chat_id, delivery)
        report = await self.cases.case(delivery.report_id or 0) if delivery.report_id else None
        if report is None:
            await self.outbox.mark_dead([delivery.id], "case gone")
            return None
        if delivery.kind == "card":
            flow = await self.flows.pinned(report.revision_id)
            connected = await self.cases.connected(report.id)
            additions = len(await self.cases.additions(report.id))
            return self._card_unit(chat_id, [delivery], report, flow, lang, connected, additions)
        if delivery.kind == "answer":
            return await self._answer_unit(chat_id, delivery, report, lang)
        if delivery.kind == "addition":
            return await self._addition_unit(chat_id, delivery, report, lang)
        # notify / question: to the citizen, in the citizen's language
        state = await self.sessions.chat_state(chat_key(chat_id))
        if state is not None and not state.active:
            await self.outbox.mark_dead([delivery.id], "citizen blocked the bot")
            return None
        citizen_lang = state.lang if state else report.language
        text = await self._citizen_text(delivery, report, citizen_lang)
        if text is None:
            await self.outbox.mark_dead([delivery.id], "nothing to say")
            return None

        async def after(message: Message) -> None:
            # The question's message first: the citizen may reply to it the moment it appears, and her
            # reply is matched to the question by that message's id.
            if delivery.kind == "question":
                await self.cases.question_shown(int(delivery.payload["question_id"]), message.message_id)
            if delivery.kind == "receipt":
                # A reply to her receipt adds to the report (/add), as the adapter's own receipt does.
                await self.cases.remember_message(chat_id, message.message_id, report.id, "receipt")
            await self.sessions.remember_messages(chat_key(chat_id), [message.message_id], time.time())

        markup = feedback_buttons(report, citizen_lang) if delivery.payload.get("event") == "resolved" else None
        return Unit([delivery], escape(text, quote=False), markup, after=after)

    async def _citizen_text(self, delivery: Delivery, report: StoredReport, lang: str) -> str | None:
        if delivery.kind == "receipt":
            # The flow's own end text was never shown (a crash or a failing network): the plain receipt.
            pin = str(delivery.payload.get("pin", ""))
            return t(lang, texts.RECEIPT, reference=report.reference, pin=pin) if pin else None
        if delivery.kind == "question":
            found = await self.cases.question(int(delivery.payload.get("question_id", 0)))
            if found is None:
                return None
            return t(lang, focal_texts.CITIZEN_QUESTION, reference=report.reference, question=found[1])
        event = delivery.payload.get("event")
        if event == "claimed":
            return t(lang, focal_texts.CITIZEN_CLAIMED, reference=report.reference)
        if event == "resolved":
            outcome = card.citizen_outcome_text(str(delivery.payload.get("outcome")), lang)
            return t(lang, focal_texts.CITIZEN_RESOLVED, reference=report.reference, outcome=outcome)
        return None

    async def _answer_unit(self, chat_id: int, delivery: Delivery, report: StoredReport, lang: str) -> Unit:
        cards = [m for c, m in await self.cases.case_messages(report.id) if c == chat_id]
        header = t(lang, focal_texts.ANSWER_FROM_CITIZEN, reference=report.reference)
        text = "<b>" + escape(header, quote=False) + "</b>\n" + escape(str(delivery.payload.get("text", ""))[:3800])
        reply_to = cards[-1] if cards else None

        async def after(message: Message) -> None:
            await self.cases.remember_message(chat_id, message.message_id, report.id, "answer")

        return Unit([delivery], text, reply_to=reply_to, after=after)

    async def _addition_unit(self, chat_id: int, delivery: Delivery, report: StoredReport, lang: str) -> Unit:
        """What the citizen added, as a reply to the case's card in the group, with the links it named."""
        cards = [m for c, m in await self.cases.case_messages(report.id) if c == chat_id]
        header = t(lang, focal_texts.ADDITION_FROM_CITIZEN, reference=report.reference)
        lines = ["<b>" + escape(header, quote=False) + "</b>", escape(str(delivery.payload.get("text", ""))[:3000])]
        links = delivery.payload.get("links")
        if isinstance(links, list) and links:
            lines += ["", *(f"{number}. {escape(str(url))}" for number, url in enumerate(links[:20], start=1))]
        files = delivery.payload.get("files")
        if isinstance(files, int) and files:
            lines += ["", escape(t(lang, focal_texts.ADDITION_FILES, count=files, reference=report.reference))]

        async def after(message: Message) -> None:
            await self.cases.remember_message(chat_id, message.message_id, report.id, "addition")

        reply_to = cards[-1] if cards else None
        return Unit([delivery], "\n".join(lines), reply_to=reply_to, after=after, refresh=report)

    async def _reminders(self, chat_id: int, deliveries: list[Delivery], lang: str) -> Unit:
        header = focal_texts.REMINDER_ADMINS if chat_id > 0 else focal_texts.REMINDER_QUEUE
        lines = ["<b>" + escape(t(lang, header), quote=False) + "</b>"]
        buttons = []
        for delivery in deliveries[:30]:
            report = await self.cases.case(delivery.report_id or 0)
            if report is None:
                continue
            since = card.local_time(str(delivery.payload.get("since", report.created_at)))
            mark = "🔴 " if report.priority else ""
            flow = await self.flows.pinned(report.revision_id)
            queue = card.province_name(flow, report.queue, lang)
            line = t(lang, focal_texts.WAITING_SINCE, reference=report.reference, queue=queue, since=since)
            lines.append(mark + escape(line, quote=False))
            if chat_id < 0:
                buttons.append(InlineKeyboardButton(report.reference, callback_data=CasePress("open", report.id).data))
        markup = InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]) if buttons else None
        return Unit(deliveries[:30], "\n".join(lines), markup)


FEEDBACK_LABELS = (
    ("helped", texts.B_FEEDBACK_HELPED),
    ("partly", texts.B_FEEDBACK_PARTLY),
    ("not", texts.B_FEEDBACK_NOT),
)


def feedback_buttons(report: StoredReport, lang: str) -> InlineKeyboardMarkup | None:
    """The question "Did this help?" under the notice that her case was closed: three answers, none
    required. Only for a resolved case (a spam mark is never told, and sends no notice) sent from a chat
    (an anonymous report has none)."""
    if report.status != RESOLVED or report.chat_key is None:
        return None
    # One answer a row: a label in Urdu stays whole on a narrow phone.
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(lang, label), callback_data=FeedbackPress(answer, report.id).data)]
            for answer, label in FEEDBACK_LABELS
        ]
    )


def _message_unit(chat_id: int, delivery: Delivery) -> Unit:
    """A reply that waited in the outbox for its chat's window (``Courier.later``)."""
    payload = delivery.payload
    raw = payload.get("markup")
    markup: InlineKeyboardMarkup | ForceReply | None = None
    if isinstance(raw, dict) and payload.get("force_reply"):
        markup = ForceReply.de_json(raw, None)
    elif isinstance(raw, dict):
        markup = InlineKeyboardMarkup.de_json(raw, None)
    reply_to = payload.get("reply_to")
    return Unit([delivery], str(payload.get("html", "")), markup, int(reply_to) if reply_to else None)
