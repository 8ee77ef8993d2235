"""The buttons on a case card: claim, ask, resolve, transfer, spam, back, full account, phone number, open.

Officers' buttons carry ``f.<action>.<report id>``; nothing in them is trusted beyond naming the
case. A press is checked (the case exists, the card is in its queue's chat, the officer may act)
before its action runs; a refused press is audited with the reason.
"""

from __future__ import annotations

from html import escape

from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.cases.casework import Actor, Casework
from bot.cases.flows import FlowRegistry
from bot.cases.reports import phone_given
from bot.i18n import t
from bot.store.ports import Cases
from bot.store.records import OPEN_STATUSES, StoredReport

from .. import card
from ..callback_data import CasePress
from ..courier import Courier
from ..send import quietly
from . import texts
from .access import Access, actor_of
from .cards import Cards
from .chats import OfficerChats


class Presses:
    def __init__(
        self,
        access: Access,
        chats: OfficerChats,
        cards: Cards,
        cases: Cases,
        flows: FlowRegistry,
        casework: Casework,
        courier: Courier,
    ) -> None:
        self.access, self.chats, self.cards = access, chats, cards
        self.cases, self.flows, self.casework, self.courier = cases, flows, casework, courier

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        bot, chat_id = context.bot, query.message.chat.id
        lang = await self.chats.lang(chat_id)
        press = CasePress.parse(query.data or "")
        report = await self.cases.case(press.report_id) if press is not None else None
        actor = actor_of(user)
        if press is None or report is None:
            await self.casework.refused(actor, "press", None, f"unknown case in {query.data!r}"[:100])
            await quietly(query.answer(t(lang, texts.MOVED_ON)))
            return
        action, arg = press.action, press.arg
        if chat_id < 0 and not await self.access.is_queue_chat_of(chat_id, report.queue):
            # A card answers only in its own queue's group (or a private chat): its buttons would
            # otherwise post the account or a prompt into whatever group a forged press came from.
            await self.casework.refused(actor, action, report, "not this case's queue chat")
            await quietly(query.answer(t(lang, texts.MOVED_ON)))
            return
        if not await self.access.may_act(bot, user.id, report.queue):
            await self.casework.refused(actor, action, report, "not a member of the queue")
            await quietly(query.answer(t(lang, texts.NOT_MEMBER), show_alert=True))
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
            await self.casework.refused(actor, action, report, "unknown action")
            await quietly(query.answer(t(lang, texts.MOVED_ON)))
            return
        answer = await handler(bot, chat_id, card_id, report, actor, arg, lang)
        alert = answer is not None and len(answer) > 60
        await quietly(query.answer(answer, show_alert=alert) if answer else query.answer())
        self.courier.wake()

    async def _claim(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, texts.CASE_CLOSED)
        if report.claimed_by is not None:
            return t(lang, texts.ALREADY_CLAIMED, name=report.claimed_name or "—")
        changed = await self.casework.claim(report, actor)
        if changed is None:
            fresh = await self.cases.case(report.id)
            await self.cards.edit(bot, chat_id, card_id, fresh or report, lang)
            return t(lang, texts.ALREADY_CLAIMED, name=(fresh.claimed_name if fresh else None) or "—")
        await self.cards.refresh(bot, changed, actor)
        return t(lang, texts.CLAIMED_OK)

    async def _ask(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, texts.CASE_CLOSED)
        if report.chat_key is None:
            return t(lang, texts.ANONYMOUS)
        prompt = t(lang, texts.ASK_PROMPT, reference=report.reference)
        force = ForceReply(selective=True, input_field_placeholder=report.reference)
        message = await self.chats.say(bot, chat_id, escape(prompt, quote=False), force, reply_to=card_id)
        await self.cases.open_ask(report.id, actor.user_id, chat_id, message.message_id if message else None)
        if message is not None:
            await self.cases.remember_message(chat_id, message.message_id, report.id, "prompt")
        await self.casework.record(actor, "ask_opened", report)
        return None

    async def _resolve_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, texts.CASE_CLOSED)
        rows = [
            [InlineKeyboardButton(t(lang, msgid), callback_data=CasePress("out", report.id, key).data)]
            for key, msgid in texts.OUTCOMES.items()
        ]
        rows.append([InlineKeyboardButton(t(lang, texts.B_CANCEL), callback_data=CasePress("back", report.id).data)])
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, texts.CHOOSE_OUTCOME, reference=report.reference)

    async def _resolve(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if arg not in texts.OUTCOMES:
            await self.casework.refused(actor, "resolve", report, "unknown outcome")
            return t(lang, texts.MOVED_ON)
        changed = await self.casework.resolve(report, actor, arg)
        if changed is None:
            return t(lang, texts.CASE_CLOSED)
        await self.cards.refresh(bot, changed, actor)
        return t(lang, texts.RESOLVED_OK)

    async def _transfer_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, texts.CASE_CLOSED)
        flow = await self.flows.pinned(report.revision_id)
        others = [key for key in sorted(await self.cases.bindings()) if key != report.queue]
        if not others:
            return t(lang, texts.NO_OTHER_QUEUE)
        buttons = [
            InlineKeyboardButton(
                card.province_name(flow, key, lang), callback_data=CasePress("to", report.id, key).data
            )
            for key in others
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([InlineKeyboardButton(t(lang, texts.B_CANCEL), callback_data=CasePress("back", report.id).data)])
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, texts.CHOOSE_QUEUE, reference=report.reference)

    async def _transfer(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if arg == report.queue or arg not in await self.cases.bindings():
            await self.casework.refused(actor, "transfer", report, f"queue {arg!r} not available"[:100])
            return t(lang, texts.MOVED_ON)
        changed = await self.casework.transfer(report, actor, arg)
        if changed is None:
            return t(lang, texts.CASE_CLOSED)
        await self.cards.refresh(bot, changed, actor, old_queue=report.queue)
        flow = await self.flows.pinned(report.revision_id)
        return t(lang, texts.TRANSFERRED_OK, queue=card.province_name(flow, arg, lang))

    async def _spam_menu(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.status not in OPEN_STATUSES:
            return t(lang, texts.CASE_CLOSED)
        rows = [
            [
                InlineKeyboardButton(t(lang, texts.B_SPAM_YES), callback_data=CasePress("spamok", report.id).data),
                InlineKeyboardButton(t(lang, texts.B_CANCEL), callback_data=CasePress("back", report.id).data),
            ]
        ]
        await quietly(bot.edit_message_reply_markup(chat_id, card_id, reply_markup=InlineKeyboardMarkup(rows)))
        return t(lang, texts.CONFIRM_SPAM, reference=report.reference)

    async def _spam(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        changed = await self.casework.spam(report, actor)
        if changed is None:
            return t(lang, texts.CASE_CLOSED)
        await self.cards.refresh(bot, changed, actor)
        return t(lang, texts.SPAM_OK)

    async def _back(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        await self.cards.edit(bot, chat_id, card_id, report, lang)
        return t(lang, texts.CANCELLED)

    async def _full(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        flow = await self.flows.pinned(report.revision_id)
        for piece in card.full_text(report, flow, lang):
            await self.chats.say(bot, chat_id, piece, reply_to=card_id)
        await self.casework.record(actor, "view_full", report)
        return None

    async def _number(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        if report.claimed_by != actor.user_id and not self.access.is_admin(actor.user_id):
            await self.casework.refused(actor, "view_phone", report, "not the claiming officer")
            return t(lang, texts.NUMBER_CLAIM_FIRST)
        phone = phone_given(report)
        if not phone:
            return t(lang, texts.NO_NUMBER)
        await self.casework.record(actor, "view_phone", report)
        return t(lang, texts.NUMBER_ALERT, reference=report.reference, phone=str(phone))

    async def _open(
        self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, actor: Actor, arg: str, lang: str
    ) -> str | None:
        await self.cards.show(bot, chat_id, report, reply_to=card_id)
        await self.casework.record(actor, "open", report)
        return None
