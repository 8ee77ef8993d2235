"""A closed or transferred case's card, cut down to a stub: reference, status, outcome.

A card carries the citizen's account and links; left whole in a group's history it would outlive
the case, its retention and her /forget. When a case closes (resolved, spam) or leaves the queue
(transfer), each of its cards is edited to this stub; the officers who may still see the case find
it whole with /case or on the desk. Where Telegram no longer lets the bot edit a message (deleted,
too old, the bot removed from the group) the failure is recorded in the audit, so a card that kept
its content is known.
"""

from __future__ import annotations

from html import escape

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.engine.model import Flow
from bot.i18n import t
from bot.store.records import StoredReport

from .. import card
from . import texts


def stub_text(report: StoredReport, flow: Flow, lang: str, line: str | None = None) -> str:
    """The stub as HTML: the case, its status (or ``line``, e.g. where it was transferred), and how to
    see the rest."""
    status = line or f"{t(lang, texts.STATUS)}: {card.officer_status(report, lang)}"
    more = t(lang, texts.STUB_MORE, reference=report.reference)
    return "\n".join(
        (
            "<b>" + escape(t(lang, texts.CASE, reference=report.reference), quote=False) + "</b>",
            escape(status),
            escape(more),
        )
    )


async def edit_to_stub(bot: Bot, chat_id: int, message_id: int, text: str) -> str | None:
    """Edit one card to ``text`` without buttons; None when it shows it now, else why not (for the audit)."""
    try:
        await bot.edit_message_text(text, chat_id, message_id, parse_mode="HTML", reply_markup=None)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return None  # it was a stub already
        return "telegram refused the edit"  # gone, or too old to edit: the message text is not logged
    except Forbidden:
        return "the bot is no longer in the chat"
    except NetworkError:
        return "telegram could not be reached"
    return None
