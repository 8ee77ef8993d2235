"""/status: where this chat's reports stand, or any report's, given its reference and PIN."""

from __future__ import annotations

from html import escape

from telegram import Bot

from bot.cases.ids import chat_key
from bot.cases.references import normalise_reference, pin_matches
from bot.engine.normalise import normalise
from bot.i18n import t
from bot.store.ports import Pins, Reports
from bot.store.records import CLAIMED, LIMITED, LOCKED, NEW, PASSED, RESOLVED, WAITING, WRONG, StoredReport

from ..card import citizen_outcome_text
from ..focal import texts as focal_texts
from ..render import ChatMessage
from . import texts
from .replies import Replies
from .turns import ChatTurn


def status_line(lang: str, report: StoredReport) -> str:
    """One report as /status shows it (the console's /status too): reference, where it stands, when sent."""
    if report.status == RESOLVED:
        status = t(lang, focal_texts.STATUS_RESOLVED, outcome=citizen_outcome_text(report.outcome, lang))
    else:
        words = {NEW: texts.STATUS_NEW, CLAIMED: focal_texts.STATUS_CLAIMED, WAITING: focal_texts.STATUS_WAITING}
        status = t(lang, words.get(report.status, focal_texts.STATUS_CLOSED))
    return t(lang, texts.STATUS_LINE, reference=report.reference, status=status, date=report.created_at[:10])


class Status:
    """Wrong PINs are counted per reference across all chats and per chat (the Pins book): past the
    limit the check is paused, and while it is paused even the right PIN is refused, or the pause
    would tell a guesser which guess was right. The reply then shows the way back: ``/status``
    alone from the chat that sent the report, which needs no PIN. An unknown reference costs the
    same scrypt work as a wrong PIN and gets the same reply, so neither tells that it exists.
    """

    def __init__(self, reports: Reports, pins: Pins, replies: Replies) -> None:
        self.reports = reports
        self.pins = pins
        self.replies = replies

    async def answer(self, bot: Bot, turn: ChatTurn, args: list[str]) -> None:
        lang, key = turn.state.lang, chat_key(turn.chat_id)
        lines: list[str] = []
        if len(args) >= 2:
            lines.append(await self._by_reference(lang, key, " ".join(args[:-1]), args[-1]))
        elif args:
            lines.append(t(lang, texts.STATUS_USAGE))
        else:
            reports = await self.reports.reports_for_chat(key)
            lines = [status_line(lang, r) for r in reports[-10:]] or [t(lang, texts.STATUS_NONE)]
        await self.replies.send(bot, turn.chat_id, ChatMessage(escape("\n".join(lines), quote=False)), turn=turn)

    async def _by_reference(self, lang: str, key: str, typed_reference: str, typed_pin: str) -> str:
        reference = normalise_reference(typed_reference)
        report = await self.reports.report_by_reference(reference) if reference else None
        pin = normalise(typed_pin)
        stored = report.pin if report is not None else None
        verdict = WRONG
        if reference is not None:
            verdict = await self.pins.check(
                reference,
                key,
                report.id if report is not None else None,
                lambda: pin_matches(pin, stored),
            )
        if verdict == LOCKED:
            return t(lang, texts.STATUS_LOCKED)
        if verdict == LIMITED:
            return t(lang, texts.STATUS_LIMITED)
        if report is None or verdict != PASSED:
            return t(lang, texts.STATUS_NOT_FOUND)
        return status_line(lang, report)
