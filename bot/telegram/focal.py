"""The officers' side: buttons on case cards, replies that ask the citizen, /queue, /case, /bindqueue, /focal.

Who may act on a case: a member of its queue's group (asked of Telegram, cached for a minute), an
officer an admin registered for that queue, or an admin. Every press is audited, refused ones too.
Officers' buttons carry ``f.<action>.<report id>``; nothing in them is trusted beyond naming the case.
"""

from __future__ import annotations

import logging
import time
from html import escape

from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.cases.casework import Actor, Casework
from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key
from bot.cases.references import normalise_reference
from bot.cases.routing import RoutingTable
from bot.config import Settings
from bot.i18n import t
from bot.store.ports import Books
from bot.store.records import NO_OPEN_ASK, OPEN_STATUSES, QueueBinding, StoredReport

from . import card, texts
from . import focal_texts as ft
from .callback_data import CasePress, record_id
from .courier import Courier
from .send import NO_PREVIEW, Sender, quietly

log = logging.getLogger(__name__)

MEMBER_STATUSES = ("creator", "administrator", "member")
MEMBERSHIP_TTL = 60.0
ASK_WINDOW = 15 * 60.0


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.full_name[:64])


class FocalBot:
    def __init__(
        self,
        settings: Settings,
        books: Books,
        flows: FlowRegistry,
        routing: RoutingTable,
        courier: Courier,
        sender: Sender,
        casework: Casework,
    ) -> None:
        self.settings, self.store, self.flows, self.routing = settings, books.sessions, flows, routing
        self.reports = books.reports
        self.admins = books.admins
        self.courier, self.sender, self.limits = courier, sender, sender.limits
        self.book = books.cases
        self.work = casework
        self.bound: frozenset[str] = frozenset()
        self._members: dict[tuple[int, int], tuple[bool, float]] = {}

    # ---- routing and bindings --------------------------------------------------------------------

    def route(self, province: str) -> str:
        return self.routing.route(province, None, self.bound)

    async def load_bindings(self) -> dict[str, QueueBinding]:
        bindings = await self.book.bindings()
        self.bound = frozenset(bindings)
        return bindings

    async def bind_configured(self) -> None:
        """Bind the queues named in FOCAL_QUEUES (start-up); /bindqueue can change them later."""
        for key, chat_id in self.settings.focal_queues.items():
            lang = self.settings.queue_languages.get(key, "en")
            await self.book.bind(key, chat_id, lang, None)
        bindings = await self.load_bindings()
        if self.routing.fallback not in bindings:
            log.warning(
                "the fallback queue %r has no group: unrouted cases wait until one is bound", self.routing.fallback
            )

    # ---- who may act -----------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return self.admins.is_admin(user_id)

    async def may_act(self, bot: Bot, user_id: int, queue: str | None) -> bool:
        if self.is_admin(user_id):
            return True
        if queue is None:
            return False
        if queue in await self.book.officer_queues(user_id):
            return True
        binding = (await self.book.bindings()).get(queue)
        if binding is None:
            return False
        key = (binding.chat_id, user_id)
        cached = self._members.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            member = await bot.get_chat_member(binding.chat_id, user_id)
            allowed = member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))
        except (Forbidden, NetworkError):
            return False  # not cached: a passing fault must not lock an officer out for a minute
        if len(self._members) > 10_000:
            self._members.clear()
        self._members[key] = (allowed, time.monotonic() + MEMBERSHIP_TTL)
        return allowed

    async def on_member_left(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone left (or was removed from) a group: their cached membership goes at once, not in a minute."""
        message = update.effective_message
        if message is not None and message.left_chat_member is not None:
            self._members.pop((message.chat.id, message.left_chat_member.id), None)

    async def chat_lang(self, chat_id: int) -> str:
        if chat_id < 0:
            bindings = await self.book.bindings()
            return next((b.lang for b in bindings.values() if b.chat_id == chat_id), "en")
        state = await self.store.chat_state(chat_key(chat_id))
        return state.lang if state else "en"

    # ---- sending into a chat, within its limits --------------------------------------------------

    async def say(
        self,
        bot: Bot,
        chat_id: int,
        html: str,
        markup: InlineKeyboardMarkup | ForceReply | None = None,
        reply_to: int | None = None,
        *,
        refusal: bool = False,
    ) -> Message | None:
        """Send now if the chat's window has room; never wait for it.

        Waiting would hold one of the application's update slots for up to a minute per message
        (a group takes 20 a minute): a few hundred commands from one account once stalled every
        citizen. A reply that cannot go now is queued in the outbox and the courier sends it in
        turn; a refusal that cannot go now is dropped (``refusal``): it answers nobody's need and
        queueing it would let a flood fill the outbox.
        """
        if not self.sender.has_room(chat_id):
            if refusal:
                log.info("refusal not sent: the chat's sending window is full")
                return None
            await self.courier.later(chat_id, html, markup, reply_to)
            return None
        try:
            return await self.sender.send(bot, chat_id, html, markup, reply_to=reply_to, preview=False)
        except (Forbidden, NetworkError) as exc:
            log.warning("officer reply not delivered: %s", type(exc).__name__)
            return None

    async def show_card(self, bot: Bot, chat_id: int, report: StoredReport, reply_to: int | None = None) -> None:
        if self.limits.free(chat_id) <= 0:
            await self.courier.card_later(chat_id, report.id, reply_to)  # remembered as a card when it goes
            return
        lang = await self.chat_lang(chat_id)
        flow = await self.flows.pinned(report.revision_id)
        text, truncated = card.card_text(report, flow, lang)
        message = await self.say(bot, chat_id, text, card.card_keyboard(report, lang, truncated), reply_to)
        if message is not None:
            await self.book.remember_message(chat_id, message.message_id, report.id, "card")

    async def refresh(self, bot: Bot, report: StoredReport, actor: Actor, old_queue: str | None = None) -> None:
        """Edit every card of the case to its current state (edits do not count against the group limit)."""
        bindings = await self.book.bindings()
        flow = await self.flows.pinned(report.revision_id)
        for chat_id, message_id in await self.book.case_messages(report.id):
            queues = {b.key for b in bindings.values() if b.chat_id == chat_id}
            lang = await self.chat_lang(chat_id)
            if chat_id < 0 and report.queue not in queues:
                if old_queue not in queues:
                    continue  # a card from an earlier transfer, already marked
                text = card.card_text(report, flow, lang)[0].split("\n", 1)[0]
                where = card.province_name(flow, report.queue, lang)
                line = t(lang, ft.OFFICER_TRANSFERRED, queue=where, name=actor.name)
                await quietly(
                    bot.edit_message_text(
                        f"{text}\n{escape(line, quote=False)}", chat_id, message_id, parse_mode="HTML"
                    )
                )
                continue
            text, truncated = card.card_text(report, flow, lang)
            await quietly(
                bot.edit_message_text(
                    text,
                    chat_id,
                    message_id,
                    parse_mode="HTML",
                    reply_markup=card.card_keyboard(report, lang, truncated),
                    link_preview_options=NO_PREVIEW,
                )
            )

    # ---- buttons ---------------------------------------------------------------------------------

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An officer's handler failed (``errors.answering`` logged where): say so where they acted."""
        chat = update.effective_chat
        if chat is None:
            return
        text = t(await self.chat_lang(chat.id), ft.FAULT)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await self.say(context.bot, chat.id, escape(text, quote=False), refusal=True)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        bot, chat_id = context.bot, query.message.chat.id
        lang = await self.chat_lang(chat_id)
        press = CasePress.parse(query.data or "")
        report = await self.book.case(press.report_id) if press is not None else None
        actor = actor_of(user)
        if press is None or report is None:
            await self.work.refused(actor, "press", None, f"unknown case in {query.data!r}"[:100])
            await quietly(query.answer(t(lang, ft.MOVED_ON)))
            return
        action, arg = press.action, press.arg
        if chat_id < 0 and not await self.is_queue_chat_of(chat_id, report.queue):
            # A card answers only in its own queue's group (or a private chat): its buttons would
            # otherwise post the account or a prompt into whatever group a forged press came from.
            await self.work.refused(actor, action, report, "not this case's queue chat")
            await quietly(query.answer(t(lang, ft.MOVED_ON)))
            return
        if not await self.may_act(bot, user.id, report.queue):
            await self.work.refused(actor, action, report, "not a member of the queue")
            await quietly(query.answer(t(lang, ft.NOT_MEMBER), show_alert=True))
            return
        card_id = query.message.message_id
        handler = {
            "claim": self._claim,
            "ask": self._ask,
            "resolve": self._resolve_menu,
            "out": self._resolve,
            "transfer": self._transfer_menu,
            "to": self._transfer,
            "spam": self._spam_menu,
            "spamok": self._spam,
            "back": self._back,
            "full": self._full,
            "number": self._number,
            "open": self._open,
        }.get(action)
        if handler is None:
            await self.work.refused(actor, action, report, "unknown action")
            await quietly(query.answer(t(lang, ft.MOVED_ON)))
            return
        answer = await handler(bot, chat_id, card_id, report, actor, arg, lang)
        alert = answer is not None and len(answer) > 60
        await quietly(query.answer(answer, show_alert=alert) if answer else query.answer())
        self.courier.wake()

    async def _claim(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, ft.CASE_CLOSED)
        if report.claimed_by is not None:
            return t(lang, ft.ALREADY_CLAIMED, name=report.claimed_name or "—")
        changed = await self.work.claim(report, actor)
        if changed is None:
            fresh = await self.book.case(report.id)
            await self._edit_card(bot, chat_id, card_id, fresh or report, lang)
            return t(lang, ft.ALREADY_CLAIMED, name=(fresh.claimed_name if fresh else None) or "—")
        await self.refresh(bot, changed, actor)
        return t(lang, ft.CLAIMED_OK)

    async def _ask(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, ft.CASE_CLOSED)
        if report.chat_key is None:
            return t(lang, ft.ANONYMOUS)
        prompt = t(lang, ft.ASK_PROMPT, reference=report.reference)
        force = ForceReply(selective=True, input_field_placeholder=report.reference)
        message = await self.say(bot, chat_id, escape(prompt, quote=False), force, reply_to=card_id)
        await self.book.open_ask(report.id, actor.user_id, chat_id, message.message_id if message else None)
        if message is not None:
            await self.book.remember_message(chat_id, message.message_id, report.id, "prompt")
        await self.work.record(actor, "ask_opened", report)
        return None

    async def _resolve_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, ft.CASE_CLOSED)
        rows = [
            [InlineKeyboardButton(t(lang, msgid), callback_data=CasePress("out", report.id, key).data)]
            for key, msgid in ft.OUTCOMES.items()
        ]
        rows.append([InlineKeyboardButton(t(lang, ft.B_CANCEL), callback_data=CasePress("back", report.id).data)])
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, ft.CHOOSE_OUTCOME, reference=report.reference)

    async def _resolve(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if arg not in ft.OUTCOMES:
            await self.work.refused(actor, "resolve", report, "unknown outcome")
            return t(lang, ft.MOVED_ON)
        changed = await self.work.resolve(report, actor, arg)
        if changed is None:
            return t(lang, ft.CASE_CLOSED)
        await self.refresh(bot, changed, actor)
        return t(lang, ft.RESOLVED_OK)

    async def _transfer_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, ft.CASE_CLOSED)
        flow = await self.flows.pinned(report.revision_id)
        others = [key for key in sorted(await self.book.bindings()) if key != report.queue]
        if not others:
            return t(lang, ft.NO_OTHER_QUEUE)
        buttons = [
            InlineKeyboardButton(
                card.province_name(flow, key, lang), callback_data=CasePress("to", report.id, key).data
            )
            for key in others
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([InlineKeyboardButton(t(lang, ft.B_CANCEL), callback_data=CasePress("back", report.id).data)])
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, ft.CHOOSE_QUEUE, reference=report.reference)

    async def _transfer(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if arg == report.queue or arg not in await self.book.bindings():
            await self.work.refused(actor, "transfer", report, f"queue {arg!r} not available"[:100])
            return t(lang, ft.MOVED_ON)
        changed = await self.work.transfer(report, actor, arg)
        if changed is None:
            return t(lang, ft.CASE_CLOSED)
        await self.refresh(bot, changed, actor, old_queue=report.queue)
        flow = await self.flows.pinned(report.revision_id)
        return t(lang, ft.TRANSFERRED_OK, queue=card.province_name(flow, arg, lang))

    async def _spam_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, ft.CASE_CLOSED)
        rows = [
            [
                InlineKeyboardButton(t(lang, ft.B_SPAM_YES), callback_data=CasePress("spamok", report.id).data),
                InlineKeyboardButton(t(lang, ft.B_CANCEL), callback_data=CasePress("back", report.id).data),
            ]
        ]
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, ft.CONFIRM_SPAM, reference=report.reference)

    async def _spam(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        changed = await self.work.spam(report, actor)
        if changed is None:
            return t(lang, ft.CASE_CLOSED)
        await self.refresh(bot, changed, actor)
        return t(lang, ft.SPAM_OK)

    async def _back(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        await self._edit_card(bot, chat_id, card_id, report, lang)
        return t(lang, ft.CANCELLED)

    async def _full(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        flow = await self.flows.pinned(report.revision_id)
        for piece in card.full_text(report, flow, lang):
            await self.say(bot, chat_id, piece, reply_to=card_id)
        await self.work.record(actor, "view_full", report)
        return None

    async def _number(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.claimed_by != actor.user_id and not self.is_admin(actor.user_id):
            await self.work.refused(actor, "view_phone", report, "not the claiming officer")
            return t(lang, ft.NUMBER_CLAIM_FIRST)
        phone = report.answers.get("phone") if report.answers.get("contact") == "phone" else None
        if not phone:
            return t(lang, ft.NO_NUMBER)
        await self.work.record(actor, "view_phone", report)
        return t(lang, ft.NUMBER_ALERT, reference=report.reference, phone=str(phone))

    async def _open(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        await self.show_card(bot, chat_id, report, reply_to=card_id)
        await self.work.record(actor, "open", report)
        return None

    async def _edit_card(self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, lang: str) -> None:
        flow = await self.flows.pinned(report.revision_id)
        text, truncated = card.card_text(report, flow, lang)
        await quietly(
            bot.edit_message_text(
                text,
                chat_id,
                card_id,
                parse_mode="HTML",
                reply_markup=card.card_keyboard(report, lang, truncated),
                link_preview_options=NO_PREVIEW,
            )
        )

    # ---- an officer's reply: the question for the citizen ----------------------------------------

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.reply_to_message is None or not message.text:
            return
        chat_id = message.chat.id
        found = await self.book.message_case(chat_id, message.reply_to_message.message_id)
        if found is None:
            return  # a reply to something else: officers talking among themselves
        report = await self.book.case(found[0])
        if report is None:
            return
        actor = actor_of(user)
        if not await self.may_act(context.bot, user.id, report.queue):
            await self.work.refused(actor, "ask", report, "not a member of the queue")
            return
        lang = await self.chat_lang(chat_id)
        prompt = await self.book.pending_ask(report.id, user.id, ASK_WINDOW)
        if prompt is None:
            await self.say(
                context.bot, chat_id, escape(t(lang, ft.ASK_FIRST), quote=False), reply_to=message.message_id
            )
            return
        if report.status not in OPEN_STATUSES:
            await self.say(
                context.bot, chat_id, escape(t(lang, ft.CASE_CLOSED), quote=False), reply_to=message.message_id
            )
            return
        question_id = await self.work.ask(report, actor, message.text[:3000])
        if question_id == NO_OPEN_ASK:
            return  # another copy of this reply asked already
        if question_id is None:
            await self.say(
                context.bot, chat_id, escape(t(lang, ft.ANONYMOUS), quote=False), reply_to=message.message_id
            )
            return
        self.courier.wake()
        done = escape(t(lang, ft.QUESTION_SENT, reference=report.reference), quote=False)
        if prompt:
            await quietly(context.bot.edit_message_text(done, chat_id, prompt, parse_mode="HTML"))
        else:
            await self.say(context.bot, chat_id, done, reply_to=message.message_id)
        fresh = await self.book.case(report.id)
        if fresh is not None:
            await self.refresh(context.bot, fresh, actor)

    # ---- commands --------------------------------------------------------------------------------

    async def _queues_here(self, user_id: int, chat_id: int, args: list[str]) -> list[str]:
        bindings = await self.book.bindings()
        if chat_id < 0:
            return [b.key for b in bindings.values() if b.chat_id == chat_id]
        if self.is_admin(user_id):
            return [a.lower() for a in args if a.lower() in self.routing.queues] or sorted(self.routing.queues)
        return await self.book.officer_queues(user_id)

    async def on_queue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        lang = await self.chat_lang(chat.id)
        queues = await self._queues_here(user.id, chat.id, list(context.args or []))
        if not queues and chat.id < 0:
            return  # not a queue group: stay silent
        if not queues:
            await self._not_an_officer(context.bot, chat.id, lang)
            return
        if chat.id < 0 and not await self.may_act(context.bot, user.id, queues[0]):
            await self.work.refused(actor_of(user), "queue", None, "not a member of the queue")
            return
        cases = await self.book.open_cases(queues, limit=30)
        total = await self.book.count_open(queues)
        _, live = await self.flows.live()
        names = (
            "، ".join(card.province_name(live, q, lang) for q in queues)
            if lang == "ur"
            else ", ".join(card.province_name(live, q, lang) for q in queues)
        )
        if not cases:
            await self.say(context.bot, chat.id, escape(t(lang, ft.QUEUE_EMPTY, queues=names), quote=False))
            return
        lines = ["<b>" + escape(t(lang, ft.QUEUE_HEADER, queues=names, count=total), quote=False) + "</b>", ""]
        for report in cases:
            flow = await self.flows.pinned(report.revision_id)
            status = card.officer_status(report, lang)
            lines.append(card.digest_line(report, flow, lang) + " · " + escape(status, quote=False))
        buttons = [InlineKeyboardButton(r.reference, callback_data=CasePress("open", r.id).data) for r in cases]
        markup = InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])
        await self.say(context.bot, chat.id, "\n".join(lines), markup)

    async def on_case(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.id < 0 and not await self.is_queue_chat(chat.id):
            return
        lang = await self.chat_lang(chat.id)
        if chat.id > 0 and not self.is_admin(user.id) and not await self.book.officer_queues(user.id):
            await self._not_an_officer(context.bot, chat.id, lang)
            return
        reference = normalise_reference(" ".join(context.args or []))
        if not reference:
            await self.say(context.bot, chat.id, escape(t(lang, ft.CASE_USAGE), quote=False))
            return
        report = await self.reports.report_by_reference(reference)
        # In a group, only that group's own cases: a card shown there reaches every member, whoever
        # asked (an admin, or an officer of another queue who is also in this group).
        elsewhere = report is not None and chat.id < 0 and not await self.is_queue_chat_of(chat.id, report.queue)
        if report is None or elsewhere or not await self.may_act(context.bot, user.id, report.queue):
            why = "another queue's case in this group" if elsewhere else "unknown or not in the user's queues"
            await self.work.refused(actor_of(user), "case", report, why)
            await self.say(context.bot, chat.id, escape(t(lang, ft.CASE_NOT_FOUND), quote=False), refusal=True)
            return
        await self.work.record(actor_of(user), "open", report)
        await self.show_card(context.bot, chat.id, report)

    async def _not_an_officer(self, bot: Bot, chat_id: int, lang: str) -> None:
        """A citizen typed an officers' command in a private chat: show the citizen's help instead."""
        await self.say(bot, chat_id, escape(t(lang, texts.HELP), quote=False), refusal=True)

    async def on_bindqueue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        lang = await self.chat_lang(chat.id)
        args = [a.lower() for a in context.args or []]
        if not self.is_admin(user.id):
            await self.work.refused(actor_of(user), "bind_queue", None, f"chat {chat.id}")
            if chat.id < 0 and not await self.is_queue_chat(chat.id):
                return  # a group that is not a queue hears nothing: the bot does not say what it is for
            await self.say(context.bot, chat.id, escape(t(lang, ft.BIND_ADMINS_ONLY), quote=False), refusal=True)
            return
        if chat.id > 0:
            await self.say(context.bot, chat.id, escape(t(lang, ft.BIND_IN_GROUP), quote=False))
            return
        queues = ", ".join(sorted(self.routing.queues))
        if not args or args[0] not in self.routing.queues or (len(args) > 1 and args[1] not in ("ur", "en")):
            await self.say(context.bot, chat.id, escape(t(lang, ft.BIND_USAGE, queues=queues), quote=False))
            return
        new_lang = args[1] if len(args) > 1 else "en"
        await self.book.bind(args[0], chat.id, new_lang, user.id)
        await self.load_bindings()
        language = t(new_lang, ft.LANGUAGE_NAMES[new_lang])
        _, live = await self.flows.live()
        name = card.province_name(live, args[0], new_lang)
        await self.say(
            context.bot, chat.id, escape(t(new_lang, ft.BIND_DONE, queue=name, language=language), quote=False)
        )
        self.courier.wake()

    async def on_focal(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.id < 0:
            return
        lang = await self.chat_lang(chat.id)
        if not self.is_admin(user.id):
            await self.work.refused(actor_of(user), "focal", None, "not an admin")
            await self.say(context.bot, chat.id, escape(t(lang, ft.BIND_ADMINS_ONLY), quote=False), refusal=True)
            return
        args = [a.lower() for a in context.args or []]
        if not args:
            officers = await self.book.officers()
            if not officers:
                text = t(lang, ft.FOCAL_NONE)
            else:
                text = t(lang, ft.FOCAL_LIST) + "\n" + "\n".join(f"{q}: {u}" for q, u in officers)
            await self.say(context.bot, chat.id, escape(text + "\n\n" + t(lang, ft.FOCAL_USAGE), quote=False))
            return
        ok = (
            len(args) == 3
            and args[0] in ("add", "remove")
            and args[1] in self.routing.queues
            and record_id(args[2]) is not None
        )
        if not ok:
            await self.say(context.bot, chat.id, escape(t(lang, ft.FOCAL_USAGE), quote=False))
            return
        if args[0] == "add":
            await self.book.add_officer(args[1], int(args[2]), user.id)
        else:
            await self.book.remove_officer(args[1], int(args[2]), user.id)
        await self.say(context.bot, chat.id, escape(t(lang, ft.FOCAL_DONE), quote=False))

    async def is_queue_chat(self, chat_id: int) -> bool:
        return any(b.chat_id == chat_id for b in (await self.book.bindings()).values())

    async def is_queue_chat_of(self, chat_id: int, queue: str | None) -> bool:
        binding = (await self.book.bindings()).get(queue or "")
        return binding is not None and binding.chat_id == chat_id

    async def on_group_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        # In a group that is not a queue the bot says nothing: it must not advertise what it is for.
        if chat is not None and await self.is_queue_chat(chat.id):
            lang = await self.chat_lang(chat.id)
            await self.say(context.bot, chat.id, escape(t(lang, ft.OFFICER_HELP), quote=False))
