"""A case's cards in officers' chats: showing one, editing one, and bringing every one up to date."""

from __future__ import annotations

import logging

from telegram import Bot

from bot.cases.casework import Actor
from bot.cases.flows import FlowRegistry
from bot.cases.preservation import Preservation
from bot.clock import now_iso
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.ports import Audit, Cases
from bot.store.records import AuditEntry, StoredReport

from .. import card
from ..courier import Courier
from ..limits import SendLimits
from ..send import NO_PREVIEW, quietly
from . import texts
from .chats import OfficerChats
from .stubs import edit_to_stub, stub_text

log = logging.getLogger(__name__)


class Cards:
    def __init__(
        self,
        chats: OfficerChats,
        cases: Cases,
        flows: FlowRegistry,
        courier: Courier,
        limits: SendLimits,
        audit: Audit,
    ) -> None:
        self.chats, self.cases, self.flows, self.courier, self.limits = chats, cases, flows, courier, limits
        self.audit = audit
        # What the citizen added reaches the group through the courier; once it is there, every card shows it.
        courier.refresh_cards = self.added

    def _preserve(self) -> Preservation | None:
        """The preservation lines in force (read again when an admin edits the file)."""
        preservation = self.courier.planner.preservation
        return preservation.current() if preservation is not None else None

    async def added(self, bot: Bot, report: StoredReport) -> None:
        """The citizen added to the case (/add) and the group has it: every card counts it now."""
        await self.refresh(bot, report, Actor(0, "citizen"))

    async def _shown(self, report: StoredReport, flow: Flow, lang: str) -> tuple[str, bool]:
        """The card's text with what it names beside the case: connected cases, the citizen's additions."""
        connected = await self.cases.connected(report.id)
        additions = len(await self.cases.additions(report.id))
        return card.card_text(report, flow, lang, connected, additions, self._preserve())

    async def show(self, bot: Bot, chat_id: int, report: StoredReport, reply_to: int | None = None) -> None:
        if self.limits.free(chat_id) <= 0:
            await self.courier.card_later(chat_id, report.id, reply_to)  # remembered as a card when it goes
            return
        lang = await self.chats.lang(chat_id)
        flow = await self.flows.pinned(report.revision_id)
        text, truncated = await self._shown(report, flow, lang)
        message = await self.chats.say(bot, chat_id, text, card.card_keyboard(report, lang, truncated), reply_to)
        if message is not None:
            await self.cases.remember_message(chat_id, message.message_id, report.id, "card")

    async def edit(self, bot: Bot, chat_id: int, card_id: int, report: StoredReport, lang: str) -> None:
        """Show the case's current state on one card, with its buttons (after a menu, or a lost race)."""
        flow = await self.flows.pinned(report.revision_id)
        text, truncated = await self._shown(report, flow, lang)
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

    async def refresh(self, bot: Bot, report: StoredReport, actor: Actor, old_queue: str | None = None) -> None:
        """Edit every card of the case to its current state (edits do not count against the group limit)."""
        bindings = await self.cases.bindings()
        flow = await self.flows.pinned(report.revision_id)
        connected = await self.cases.connected(report.id)
        additions = len(await self.cases.additions(report.id))
        for chat_id, message_id in await self.cases.case_messages(report.id):
            queues = {b.key for b in bindings.values() if b.chat_id == chat_id}
            lang = await self.chats.lang(chat_id)
            if chat_id < 0 and report.queue not in queues:
                if old_queue not in queues:
                    continue  # a card from an earlier transfer, already marked
                where = card.province_name(flow, report.queue, lang)
                line = t(lang, texts.OFFICER_TRANSFERRED, queue=where, name=actor.name)
                await self._stub(bot, chat_id, message_id, stub_text(report, flow, lang, line), report)
                continue
            if chat_id < 0 and not report.open:
                # Closed: the account and links leave the group's history (stubs.py).
                await self._stub(bot, chat_id, message_id, stub_text(report, flow, lang), report)
                continue
            text, truncated = card.card_text(report, flow, lang, connected, additions, self._preserve())
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

    async def _stub(self, bot: Bot, chat_id: int, message_id: int, text: str, report: StoredReport) -> None:
        why = await edit_to_stub(bot, chat_id, message_id, text)
        if why is None:
            return
        # The card still shows the account and links: on record, so someone can delete it by hand.
        log.warning("a closed case's card could not be cut to a stub: %s", why)
        detail = f"chat {chat_id} message {message_id}: {why}"
        await self.audit.record(AuditEntry(now_iso(), None, "bot", "card_stub", report.id, report.queue, False, detail))
