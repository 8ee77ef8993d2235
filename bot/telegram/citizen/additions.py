"""/add: the citizen adds to a report she sent that is still open ("he made a new account today").

``/add TEXT`` adds at once; ``/add`` alone asks what to add (a reply prompt naming the report), and her
reply to that prompt, or to her receipt (the message with her reference number and PIN), is added too.
With several open reports, the newest one takes it, and the answer names it. What she adds is kept with
the case, its links go with the case's evidence, and the officers get it as a reply to the case's card.
Nothing she writes is logged. A closed case takes nothing: she is told how to make a new report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from html import escape

from telegram import Bot, ForceReply, Message, Update
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.ids import chat_key
from bot.clock import now_iso
from bot.engine.links import extract_links
from bot.i18n import t
from bot.store.ports import Reports
from bot.store.records import EvidenceLink, NewFile, StoredReport

from ..render import ChatMessage
from . import texts
from .replies import Replies
from .turns import ChatTurn, Turns

log = logging.getLogger(__name__)

PROMPT = "add_prompt"  # Cases.remember_message kinds whose replies are added to their case
RECEIPT = "receipt"
PLACEHOLDER_LIMIT = 64  # Telegram's limit for a reply prompt's placeholder


def command_text(text: str) -> str:
    """What follows the command (``/add`` or ``/add@bot``), line breaks kept."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


class Additions:
    def __init__(
        self, reports: Reports, casework: Casework, turns: Turns, replies: Replies, wake: Callable[[], None]
    ) -> None:
        self.reports = reports
        self.casework = casework
        self.cases = casework.cases
        self.turns = turns
        self.replies = replies
        self.wake = wake  # tells the courier the officers have something to read

    async def on_add(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_chat is None or message.text is None:
            return
        # Guarded as every report command is: in turn, within the flood limit, not for a blocked sender.
        async with self.turns.turn(update, context) as turn:
            if turn is None:
                return
            reports = await self.reports_of(chat_key(turn.chat_id))
            if not reports:
                await self.replies.tell(context.bot, turn, texts.ADD_NONE)
                return
            open_ones = [r for r in reports if r.open]
            if not open_ones:
                await self.replies.tell(context.bot, turn, texts.ADD_CLOSED, reference=reports[-1].reference)
                return
            report = open_ones[-1]
            text = command_text(message.text)
            if text:
                await self._add(context.bot, turn, report, text)
            else:
                await self._prompt(context.bot, turn, report)

    async def reports_of(self, key: str) -> list[StoredReport]:
        """The reports sent from this chat, oldest first: the newest open one takes what she adds."""
        return sorted(await self.reports.reports_for_chat(key), key=lambda r: r.id)

    async def add_files(self, report: StoredReport, files: Sequence[NewFile]) -> bool:
        """Files sent after the report went, added to it as /add adds text; False if it closed meanwhile."""
        if await self.casework.add_information(report, "", [], files) is None:
            return False
        log.info("citizen added to a case", extra={"files": len(files)})
        self.wake()
        return True

    async def on_reply(self, bot: Bot, turn: ChatTurn, message: Message) -> bool:
        """A reply to an /add prompt or to her receipt is added to that report; False for any other message."""
        if message.text is None or message.reply_to_message is None:
            return False
        found = await self.cases.message_case(turn.chat_id, message.reply_to_message.message_id)
        if found is None or found[1] not in (PROMPT, RECEIPT):
            return False
        report = await self.cases.case(found[0])
        if report is None or report.chat_key != chat_key(turn.chat_id):
            return False  # unlinked by /forget, or anonymised: no longer hers to add to from here
        if found[1] == RECEIPT and message.text.lstrip().startswith("/"):
            return False
        await self._add(bot, turn, report, message.text.strip())
        return True

    async def _prompt(self, bot: Bot, turn: ChatTurn, report: StoredReport) -> None:
        lang = turn.state.lang
        placeholder = t(lang, texts.ADD_PLACEHOLDER, reference=report.reference)[:PLACEHOLDER_LIMIT]
        ask = escape(t(lang, texts.ADD_PROMPT, reference=report.reference), quote=False)
        markup = ForceReply(input_field_placeholder=placeholder)
        sent = await self.replies.send(bot, turn.chat_id, ChatMessage(ask), turn=turn, force_reply=markup)
        if sent is not None:
            await self.cases.remember_message(turn.chat_id, sent.message_id, report.id, PROMPT)

    async def _add(self, bot: Bot, turn: ChatTurn, report: StoredReport, text: str) -> None:
        if not report.open:
            await self.replies.tell(bot, turn, texts.ADD_CLOSED, reference=report.reference)
            return
        if len(text) > texts.ADD_LIMIT:
            await self.replies.tell(bot, turn, texts.ADD_TOO_LONG, limit=texts.ADD_LIMIT)
            return
        known = {link.url for link in report.evidence}
        found = [link for link in extract_links(text).links if link.url not in known]
        links = [EvidenceLink(link.url, link.platform, now_iso()) for link in found]
        added = await self.casework.add_information(report, text, links)
        if added is None:
            await self.replies.tell(bot, turn, texts.ADD_CLOSED, reference=report.reference)
            return
        log.info("citizen added to a case", extra={"links": len(links)})
        self.wake()
        await self.replies.tell(bot, turn, texts.ADD_DONE, reference=report.reference)
