"""/forget: unlink this chat from its reports, after asking, because it cannot be undone."""

from __future__ import annotations

import logging
from html import escape

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.cases.ids import chat_key, chat_target
from bot.i18n import t
from bot.store.ports import Retention

from ..callback_data import ForgetAnswer
from ..render import ChatMessage
from ..send import quietly
from . import texts
from .replies import Replies
from .turns import ChatTurn

log = logging.getLogger(__name__)


def forget_question(lang: str) -> ChatMessage:
    """The question /forget asks, with its two answers."""
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(lang, texts.B_FORGET_YES), callback_data=ForgetAnswer(True).data)],
            [InlineKeyboardButton(t(lang, texts.B_FORGET_NO), callback_data=ForgetAnswer(False).data)],
        ]
    )
    return ChatMessage(escape(t(lang, texts.FORGET_ASK), quote=False), markup)


async def forget(
    bot: Bot, turn: ChatTurn, query: CallbackQuery, confirmed: bool, retention: Retention, replies: Replies
) -> None:
    """The answer to /forget's question: unlink the chat's reports and delete its draft, or keep them."""
    chat_id, lang, message = turn.chat_id, turn.state.lang, query.message
    if message is not None:
        await quietly(bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=None))
    if not confirmed:
        await replies.tell(bot, turn, texts.FORGET_KEPT)
        return
    forgotten = await retention.forget(chat_key(chat_id), chat_target(chat_id))
    turn.remember.clear()  # the chat's message records were just deleted with the rest
    lines = [t(lang, texts.FORGET_DRAFT)] if forgotten.draft else []
    lines.append(t(lang, texts.FORGET_DONE, count=forgotten.reports))
    # Not remembered for /exit: the chat's records were just deleted, and this line says nothing personal.
    await replies.send(bot, chat_id, ChatMessage(escape("\n".join(lines), quote=False)), turn=turn, remember=False)
    log.info("citizen used /forget", extra={"reports": forgotten.reports})
