"""The courier: delivers the outbox to queue groups and citizens within Telegram's limits.

One loop looks at what is due, chat by chat. A chat whose window has room gets its messages; a
queue with more new cases than its window can show one by one gets them as digests (one message
listing up to 30 cases, each with a button opening its card), so every case is visible within a
minute or two of a burst instead of hours later. Chats are served concurrently, messages within a
chat in order. Failures: 429 pauses that chat for ``retry_after``; network faults back off; a
citizen who blocked the bot is recorded and not retried; a queue group the bot cannot reach is
retried every few minutes, so nothing is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key, chat_target, parse_target
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.ports import Books
from bot.store.records import OPEN_STATUSES, Delivery, Outgoing, QueueBinding, StoredReport

from . import card, texts
from . import focal_texts as ft
from .callback_data import CasePress
from .ratelimit import retry_seconds
from .send import Markup, Sender, mark_gone

log = logging.getLogger(__name__)

RESERVE = 3  # slots per group window kept for officers' own commands during a burst
MAX_ATTEMPTS = 12
UNREACHABLE_RETRY = 300.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# A message whose answer is slow was most likely shown: wait for the answer rather than time out at the
# client's default 5 s and send it again (a card answered in 6 s was shown twice).
SEND_READ_TIMEOUT = 30.0


@dataclass
class Unit:
    """One message to send and the outbox entries it delivers."""

    deliveries: list[Delivery]
    html: str
    markup: Markup | None = None
    reply_to: int | None = None
    after: Callable[[Message], Awaitable[None]] | None = None


class Courier:
    def __init__(
        self,
        books: Books,
        flows: FlowRegistry,
        sender: Sender,
        admin_ids: frozenset[int],
        *,
        poll: float = 0.5,
    ) -> None:
        self.store, self.flows, self.admin_ids = books.sessions, flows, admin_ids
        self.sender, self.limits = sender, sender.limits
        self.outbox = books.outbox
        self.book = books.cases
        self.poll = poll
        self._wake = asyncio.Event()
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._unbound_warned: set[str] = set()
        self._pending: dict[int, int] = {}  # chat -> free slots it waits for

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def later(
        self,
        chat_id: int,
        html: str,
        markup: InlineKeyboardMarkup | ForceReply | None = None,
        reply_to: int | None = None,
        report_id: int | None = None,
    ) -> None:
        """Queue a reply whose chat has no free sending slot now; it goes out in turn, in order."""
        payload: dict[str, object] = {"html": html, "reply_to": reply_to}
        if markup is not None:
            payload["markup"] = markup.to_dict()
            payload["force_reply"] = isinstance(markup, ForceReply)
        item = Outgoing("message", chat_target(chat_id), f"message:{secrets.token_hex(8)}", report_id, payload=payload)
        await self.outbox.add([item])
        self.wake()

    async def card_later(self, chat_id: int, report_id: int, reply_to: int | None = None) -> None:
        """Queue a case card for a chat with no free slot now (the card is remembered when it goes)."""
        item = Outgoing("card", chat_target(chat_id), f"card:{report_id}:{secrets.token_hex(8)}", report_id)
        await self.outbox.add([item])
        self.wake()

    async def run(self, bot: Bot) -> None:
        recovered = await self.outbox.recover_in_flight()
        if recovered:
            log.warning("resending %d deliveries that were in flight when the bot stopped", recovered)
        try:
            while True:
                self._wake.clear()
                try:
                    await self.dispatch(bot)
                except Exception as exc:  # the store or network failing must not end deliveries for good
                    log.error("courier round failed: %s", type(exc).__name__)
                    await asyncio.sleep(1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_wait())
        finally:
            for task in list(self._busy.values()):
                task.cancel()
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    def _next_wait(self) -> float:
        waits = [self.limits.wait(chat_id, slots) for chat_id, slots in self._pending.items()] or [self.poll]
        return max(0.02, min(self.poll, *waits))

    def _slots_needed(self, chat_id: int, deliveries: list[Delivery]) -> int:
        """Free slots a chat needs before its next round: digests keep RESERVE slots for officers."""
        cases = sum(1 for d in deliveries if d.kind == "case")
        if cases > 1 and cases > self.limits.chat_free(chat_id) - RESERVE and cases == len(deliveries):
            return RESERVE + 1
        return 1

    async def dispatch(self, bot: Bot) -> int:
        """Start sending to every chat that has due deliveries and room; returns how many chats started."""
        due = await self.outbox.due()
        bindings = await self.book.bindings()
        by_chat: dict[int, list[Delivery]] = {}
        for delivery in due:
            chat_id = self._resolve(delivery.target, bindings)
            if chat_id is not None:
                by_chat.setdefault(chat_id, []).append(delivery)
        self._pending = {c: self._slots_needed(c, d) for c, d in by_chat.items() if c not in self._busy}
        started = 0
        for chat_id, deliveries in by_chat.items():
            if chat_id in self._busy or self.limits.free(chat_id) <= 0:
                continue
            if self.limits.chat_free(chat_id) < self._pending.get(chat_id, 1):
                continue  # digests wait until the window has room beyond the officers' reserve
            binding = next((b for b in bindings.values() if b.chat_id == chat_id), None)
            task = asyncio.create_task(self._serve(bot, chat_id, deliveries, binding))
            self._busy[chat_id] = task
            task.add_done_callback(functools.partial(self._done, chat_id))
            started += 1
        return started

    def _done(self, chat_id: int, _task: object = None) -> None:
        self._busy.pop(chat_id, None)
        self._wake.set()

    async def idle(self) -> bool:
        return not self._busy and not await self.outbox.due(limit=1)

    def _resolve(self, target: str, bindings: dict[str, QueueBinding]) -> int | None:
        kind, value = parse_target(target)
        if kind == "chat":
            return int(value)
        binding = bindings.get(value)
        if binding is None and value not in self._unbound_warned:
            self._unbound_warned.add(value)
            log.warning("queue %r has no group yet; its cases wait until an admin binds one", value)
        return binding.chat_id if binding else None

    # ---- one chat --------------------------------------------------------------------------------

    async def _serve(self, bot: Bot, chat_id: int, deliveries: list[Delivery], binding: QueueBinding | None) -> None:
        try:
            units = await self._plan(chat_id, deliveries, binding)
            for unit in units:
                if self.limits.free(chat_id) <= 0:
                    break  # the rest waits for the window; still pending, nothing to undo
                if not await self._send(bot, chat_id, unit):
                    break
        except Exception as exc:  # a fault in one chat must not stop the courier
            log.error("delivery to a chat failed: %s", type(exc).__name__)

    async def _send(self, bot: Bot, chat_id: int, unit: Unit) -> bool:
        ids = [d.id for d in unit.deliveries]
        await self.outbox.mark_sending(ids)
        try:
            message = await self.sender.send(
                bot, chat_id, unit.html, unit.markup, reply_to=unit.reply_to, preview=False
            )
        except RetryAfter as exc:
            # The sender paused the chat for as long as Telegram asked; the entries wait as long.
            await self.outbox.retry(ids, time.time() + retry_seconds(exc.retry_after), "429")
            return False
        except Forbidden:
            if chat_id > 0:
                await mark_gone(self.store, chat_id)  # the update is not retried
                await self.outbox.mark_dead(ids, "blocked")
                return True
            log.warning("the bot cannot post in a queue group; retrying in %d s", UNREACHABLE_RETRY)
            await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, "forbidden")
            return False
        except BadRequest as exc:
            if chat_id < 0 and "chat not found" in exc.message.lower():
                await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, "chat not found")
                return False
            log.error("delivery refused by Telegram: %s", exc.message[:80])
            await self.outbox.mark_dead(ids, exc.message[:200])
            return True
        except NetworkError as exc:
            attempts = max(d.attempts for d in unit.deliveries) + 1
            if attempts >= MAX_ATTEMPTS:
                await self.outbox.mark_dead(ids, type(exc).__name__)
            else:
                await self.outbox.retry(ids, time.time() + min(300.0, 2.0**attempts), type(exc).__name__)
            return False
        except Exception as exc:
            # A fault of ours (rendering, a missing flow revision): keep the entries, try again later.
            log.error("delivery failed: %s", type(exc).__name__)
            await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, type(exc).__name__)
            return False
        if unit.after is not None:
            await unit.after(message)
        await self.outbox.mark_sent(ids)
        return True

    # ---- what to send ----------------------------------------------------------------------------

    async def _plan(self, chat_id: int, deliveries: list[Delivery], binding: QueueBinding | None) -> list[Unit]:
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
            units += await self._cases(chat_id, cases, binding, lang, room=self.limits.chat_free(chat_id) - len(units))
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
            report = await self.book.case(delivery.report_id or 0)
            queue = parse_target(delivery.target)[1]
            if report is None or report.queue != queue or report.status not in OPEN_STATUSES:
                stale.append(delivery.id)  # moved on or closed before its card went out: nothing to show
                continue
            loaded.append((delivery, report, await self.flows.pinned(report.revision_id)))
        if stale:
            await self.outbox.mark_sent(stale)
        if one_by_one:
            return [self._card_unit(chat_id, [d], report, flow, lang) for d, report, flow in loaded]
        units = []
        for start in range(0, len(loaded), card.DIGEST_SIZE):
            chunk = loaded[start : start + card.DIGEST_SIZE]
            text, markup = card.digest([(r, f) for _, r, f in chunk], lang)
            units.append(Unit([d for d, _, _ in chunk], text, markup))
        return units

    def _card_unit(self, chat_id: int, deliveries: list[Delivery], report: StoredReport, flow: Flow, lang: str) -> Unit:
        text, truncated = card.card_text(report, flow, lang)
        markup = card.card_keyboard(report, lang, truncated)

        async def after(message: Message) -> None:
            await self.book.remember_message(chat_id, message.message_id, report.id, "card")

        return Unit(deliveries, text, markup, after=after)

    async def _other(self, chat_id: int, delivery: Delivery, lang: str) -> Unit | None:
        if delivery.kind == "message":
            return _message_unit(chat_id, delivery)
        report = await self.book.case(delivery.report_id or 0) if delivery.report_id else None
        if report is None:
            await self.outbox.mark_dead([delivery.id], "case gone")
            return None
        if delivery.kind == "card":
            flow = await self.flows.pinned(report.revision_id)
            return self._card_unit(chat_id, [delivery], report, flow, lang)
        if delivery.kind == "answer":
            return await self._answer_unit(chat_id, delivery, report, lang)
        # notify / question: to the citizen, in the citizen's language
        state = await self.store.chat_state(chat_key(chat_id))
        if state is not None and not state.active:
            await self.outbox.mark_dead([delivery.id], "citizen blocked the bot")
            return None
        citizen_lang = state.lang if state else report.language
        text = await self._citizen_text(delivery, report, citizen_lang)
        if text is None:
            await self.outbox.mark_dead([delivery.id], "nothing to say")
            return None

        async def after(message: Message) -> None:
            await self.store.remember_messages(chat_key(chat_id), [message.message_id], time.time())
            if delivery.kind == "question":
                await self.book.question_shown(int(delivery.payload["question_id"]), message.message_id)

        return Unit([delivery], escape(text, quote=False), after=after)

    async def _citizen_text(self, delivery: Delivery, report: StoredReport, lang: str) -> str | None:
        if delivery.kind == "receipt":
            # The flow's own end text was never shown (a crash or a failing network): the plain receipt.
            pin = str(delivery.payload.get("pin", ""))
            return t(lang, texts.RECEIPT, reference=report.reference, pin=pin) if pin else None
        if delivery.kind == "question":
            found = await self.book.question(int(delivery.payload.get("question_id", 0)))
            if found is None:
                return None
            return t(lang, ft.CITIZEN_QUESTION, reference=report.reference, question=found[1])
        event = delivery.payload.get("event")
        if event == "claimed":
            return t(lang, ft.CITIZEN_CLAIMED, reference=report.reference)
        if event == "resolved":
            outcome = card.citizen_outcome_text(str(delivery.payload.get("outcome")), lang)
            return t(lang, ft.CITIZEN_RESOLVED, reference=report.reference, outcome=outcome)
        return None

    async def _answer_unit(self, chat_id: int, delivery: Delivery, report: StoredReport, lang: str) -> Unit:
        cards = [m for c, m in await self.book.case_messages(report.id) if c == chat_id]
        header = t(lang, ft.ANSWER_FROM_CITIZEN, reference=report.reference)
        text = "<b>" + escape(header, quote=False) + "</b>\n" + escape(str(delivery.payload.get("text", ""))[:3800])
        reply_to = cards[-1] if cards else None

        async def after(message: Message) -> None:
            await self.book.remember_message(chat_id, message.message_id, report.id, "answer")

        return Unit([delivery], text, reply_to=reply_to, after=after)

    async def _reminders(self, chat_id: int, deliveries: list[Delivery], lang: str) -> Unit:
        header = ft.REMINDER_ADMINS if chat_id > 0 else ft.REMINDER_QUEUE
        lines = ["<b>" + escape(t(lang, header), quote=False) + "</b>"]
        buttons = []
        for delivery in deliveries[:30]:
            report = await self.book.case(delivery.report_id or 0)
            if report is None:
                continue
            since = card.local_time(str(delivery.payload.get("since", report.created_at)))
            mark = "🔴 " if report.priority else ""
            flow = await self.flows.pinned(report.revision_id)
            queue = card.province_name(flow, report.queue, lang)
            line = t(lang, ft.WAITING_SINCE, reference=report.reference, queue=queue, since=since)
            lines.append(mark + escape(line, quote=False))
            if chat_id < 0:
                buttons.append(InlineKeyboardButton(report.reference, callback_data=CasePress("open", report.id).data))
        markup = InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)]) if buttons else None
        return Unit(deliveries[:30], "\n".join(lines), markup)


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
