"""The answer to "Did this help?", asked with three buttons under the notice that her case was closed.

Nothing in the button's data is trusted (``FeedbackPress`` names a case and an answer, and anyone can
forge both): a press counts only from the chat the case was sent from, for a resolved case, and once.
The first answer is the one kept (an audit entry: actor None, "citizen", action ``feedback``, the
answer key as detail), which is what ``Stats.feedback`` counts; a later press is told it was already
noted, and a press on anyone else's case, an open one or a forged form is answered like any stale
button and changes nothing. Answering is never required: the buttons simply stay until she presses.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.cases.ids import chat_key
from bot.clock import now_iso
from bot.i18n import t
from bot.store.ports import Audit, Cases
from bot.store.records import RESOLVED, AuditEntry

from ..callback_data import FeedbackPress
from ..send import quietly
from . import texts
from .turns import Turns, moved_on

log = logging.getLogger(__name__)

FEEDBACK = "feedback"  # the audit action Stats.feedback counts


class Feedback:
    def __init__(self, cases: Cases, audit: Audit, turns: Turns) -> None:
        self.cases, self.audit, self.turns = cases, audit, turns

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        press = FeedbackPress.parse(query.data or "")
        if chat.type != ChatType.PRIVATE or press is None:
            # A citizen's case is answered from her private chat only; a broken form is nobody's.
            await moved_on(update)
            return
        async with self.turns.turn(update, context, flood=False) as turn:
            if turn is None:
                return
            lang = turn.state.lang
            if not self.turns.allowed(update):
                await quietly(query.answer(t(lang, texts.SLOW_DOWN)))
                return
            report = await self.cases.case(press.report_id)
            if report is None or report.chat_key != chat_key(chat.id) or report.status != RESOLVED:
                # Someone else's case, one still open, or none: as any stale button, and nothing recorded.
                await quietly(query.answer(t(lang, texts.MOVED_ON)))
                return
            # Under the chat's lock (the turn): two quick presses of hers cannot both be the first.
            if any(e.action == FEEDBACK and e.allowed for e in await self.audit.trail(report.id)):
                await quietly(query.answer(t(lang, texts.FEEDBACK_NOTED)))
                return
            entry = AuditEntry(now_iso(), None, "citizen", FEEDBACK, report.id, report.queue, True, press.answer)
            await self.audit.record(entry)
            message = query.message
            if message is not None:
                await quietly(context.bot.edit_message_reply_markup(chat.id, message.message_id, reply_markup=None))
            await quietly(query.answer(t(lang, texts.FEEDBACK_THANKS)))
            log.info("citizen answered whether the service helped", extra={"answer": press.answer})
