"""The courier: delivers the outbox to queue groups and citizens within Telegram's limits.

Where several instances share one database, one of them delivers (``Leadership``: Telegram's limits
are the bot's, not an instance's); the others ask every second and take over when it dies. Each
message's deliveries are claimed with a lease first, so a card goes out once even while the lead
changes hands, and a dead instance's claims are taken over when their lease runs out.

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
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_target, parse_target
from bot.cases.preservation import PreservationFile
from bot.logs import fault
from bot.store.ports import Books
from bot.store.records import Delivery, Outgoing, QueueBinding, StoredReport

from . import metrics
from .plans import RESERVE, Planner, Unit
from .ratelimit import retry_seconds
from .send import Sender, mark_gone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
UNREACHABLE_RETRY = 300.0
COURIER = "courier"
FOLLOWER_POLL = 1.0  # how often an instance that does not deliver asks whether the leader is gone


def instance_name() -> str:
    """This process among the instances sharing a database: host, process id and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class Courier:
    def __init__(
        self,
        books: Books,
        flows: FlowRegistry,
        sender: Sender,
        admin_ids: frozenset[int],
        *,
        poll: float = 0.5,
        owner: str = "",
        preservation: PreservationFile | None = None,
    ) -> None:
        self.sessions, self.flows, self.admin_ids = books.sessions, flows, admin_ids
        self.leadership = books.leadership  # one courier across instances: Telegram's limits are per bot
        self.owner = owner or instance_name()  # whose claims these are, in the outbox's leases
        self.leading = False
        self.sender, self.limits = sender, sender.limits
        self.outbox = books.outbox
        self.cases = books.cases
        self.poll = poll
        self.planner = Planner(books, flows, preservation)
        self._wake = asyncio.Event()
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._unbound_warned: set[str] = set()
        self._pending: dict[int, int] = {}  # chat -> free slots it waits for
        # Set by the officers' side (focal/cards.py): brings a case's cards up to date once something that
        # changes them was delivered (what the citizen added is counted on the card).
        self.refresh_cards: Callable[[Bot, StoredReport], Awaitable[None]] | None = None

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
        """Deliver while this instance leads the courier's role; wait and ask again while another does."""
        try:
            while True:
                self._wake.clear()
                try:
                    if await self._lead():
                        await self.dispatch(bot)
                except Exception as exc:  # the store or network failing must not end deliveries for good
                    log.error("courier round failed", extra=fault(exc))
                    await asyncio.sleep(1.0)
                wait = self._next_wait() if self.leading else FOLLOWER_POLL
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            for task in list(self._busy.values()):
                task.cancel()
            await asyncio.gather(*self._busy.values(), return_exceptions=True)
            if self.leading:
                with contextlib.suppress(Exception):
                    await self.leadership.step_down(COURIER)

    async def _lead(self) -> bool:
        leading = await self.leadership.lead(COURIER)
        if leading and not self.leading:
            log.info("this instance delivers the outbox", extra={"instance": self.owner})
            await self._count_what_was_sent()
            # Deliveries whose lease ran out (a stopped or dead instance's) go back to the queue.
            recovered = await self.outbox.recover_in_flight()
            if recovered:
                log.warning("resending %d deliveries that were in flight when their instance stopped", recovered)
        elif self.leading and not leading:
            log.warning("another instance now delivers the outbox", extra={"instance": self.owner})
        self.leading = leading
        return leading

    async def _count_what_was_sent(self) -> None:
        """Another instance may have filled a group's window just before it died: count its messages, or
        the first minute after a takeover could break Telegram's 20 a minute."""
        now, wall = time.monotonic(), time.time()
        span = max(self.limits.group.seconds, self.limits.private.seconds) + self.limits.margin
        bindings = await self.cases.bindings()
        for target, at in await self.outbox.sent_since(wall - span):
            chat_id = self._resolve(target, bindings)
            if chat_id is not None:
                self.limits.sent_before(chat_id, now - (wall - at))

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
        bindings = await self.cases.bindings()
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
            units = await self.planner.plan(chat_id, deliveries, binding, room=self.limits.chat_free(chat_id))
            for unit in units:
                if self.limits.free(chat_id) <= 0:
                    break  # the rest waits for the window; still pending, nothing to undo
                if not await self._send(bot, chat_id, unit):
                    break
        except Exception as exc:  # a fault in one chat must not stop the courier
            log.error("delivery to a chat failed", extra=fault(exc))

    async def _send(self, bot: Bot, chat_id: int, unit: Unit) -> bool:
        ids = [d.id for d in unit.deliveries]
        claimed = await self.outbox.mark_sending(ids, self.owner)
        if len(claimed) != len(ids):
            # Another instance holds some of them (it led before this one): never send a card twice.
            await self.outbox.release(claimed)
            return False
        try:
            message = await self.sender.send(
                bot, chat_id, unit.html, unit.markup, reply_to=unit.reply_to, preview=False
            )
        except RetryAfter as exc:
            # The sender paused the chat for as long as Telegram asked; the entries wait as long.
            failed(unit, "retry")
            await self.outbox.retry(ids, time.time() + retry_seconds(exc.retry_after), "429")
            return False
        except Forbidden:
            if chat_id > 0:
                await mark_gone(self.sessions, chat_id)  # the update is not retried
                failed(unit, "dead")
                await self.outbox.mark_dead(ids, "blocked")
                return True
            log.warning("the bot cannot post in a queue group; retrying in %d s", UNREACHABLE_RETRY)
            failed(unit, "retry")
            await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, "forbidden")
            return False
        except BadRequest as exc:
            if chat_id < 0 and "chat not found" in exc.message.lower():
                failed(unit, "retry")
                await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, "chat not found")
                return False
            log.error("delivery refused by Telegram: %s", exc.message[:80])
            failed(unit, "dead")
            await self.outbox.mark_dead(ids, exc.message[:200])
            return True
        except NetworkError as exc:
            attempts = max(d.attempts for d in unit.deliveries) + 1
            if attempts >= MAX_ATTEMPTS:
                failed(unit, "dead")
                await self.outbox.mark_dead(ids, type(exc).__name__)
            else:
                failed(unit, "retry")
                await self.outbox.retry(ids, time.time() + min(300.0, 2.0**attempts), type(exc).__name__)
            return False
        except Exception as exc:
            # A fault of ours (rendering, a missing flow revision): keep the entries, try again later.
            log.error("delivery failed", extra=fault(exc))
            failed(unit, "retry")
            await self.outbox.retry(ids, time.time() + UNREACHABLE_RETRY, type(exc).__name__)
            return False
        if unit.after is not None:
            await unit.after(message)
        await self.outbox.mark_sent(ids)
        if unit.refresh is not None and self.refresh_cards is not None:
            fresh = await self.cases.case(unit.refresh.id)
            if fresh is not None:
                await self.refresh_cards(bot, fresh)
        return True


def failed(unit: Unit, outcome: str) -> None:
    """Count a failed send for /metrics: ``retry`` (it goes back to the queue) or ``dead`` (given up)."""
    for delivery in unit.deliveries:
        metrics.DELIVERY_FAILURES.labels(metrics.destination(delivery.target), outcome).inc()
