"""What a citizen sends that is not text: pictures and files (kept by reference for an adult's
report, deleted at once in a child's), and what cannot be read here (voice notes, stickers…)."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.cases.conversation import Conversations
from bot.cases.ids import chat_key
from bot.cases.reports import is_child_case
from bot.engine.session import ACTIVE

from ..send import quietly
from . import texts
from .replies import Replies
from .turns import Turns

log = logging.getLogger(__name__)


class FileHandlers:
    def __init__(self, conversations: Conversations, turns: Turns, replies: Replies) -> None:
        self.conv = conversations
        self.turns = turns
        self.replies = replies

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pictures and files are never downloaded or forwarded; in a child case they are deleted at once."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        # Never dropped for flooding or a block: a picture in a child case must be deleted whatever happens.
        async with self.turns.turn(update, context, flood=False, blockable=False) as turn:
            if turn is None:
                return
            key = chat_key(chat.id)
            session = await self.conv.current(key)
            child = False
            if session is not None and session.status == ACTIVE:
                flow = await self.conv.flows.pinned(session.revision)
                child = is_child_case(flow, session.answers)
            if child:
                await quietly(context.bot.delete_message(chat.id, message.message_id))
                log.info("media deleted from a child case")
                text = texts.NO_IMAGES_CHILD
            elif await self.conv.attach(key, attachment(message)):
                text = texts.FILE_KEPT
            else:
                text = texts.NO_FILES
            await self.replies.tell(context.bot, turn, text)

    async def on_unreadable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice notes, stickers, locations, polls: say so, rather than leave the citizen waiting in silence."""
        if update.effective_chat is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is not None:
                await self.replies.tell(context.bot, turn, texts.UNREADABLE)


def attachment(message: Message) -> dict[str, str | int]:
    """What identifies a file on Telegram's servers, with its size, type and time; not its content."""
    if message.photo:
        largest = message.photo[-1]
        file_id, unique, size, kind, mime = largest.file_id, largest.file_unique_id, largest.file_size, "photo", ""
    else:
        media = message.document or message.video or message.animation or message.video_note
        if media is None:
            return {"kind": "unknown", "message_id": message.message_id, "received_at": message.date.isoformat()}
        file_id, unique, size = media.file_id, media.file_unique_id, media.file_size
        kind = "document" if message.document else "video" if message.video else "animation"
        mime = getattr(media, "mime_type", None) or ""
    return {
        "kind": kind,
        "message_id": message.message_id,  # to delete it from the chat if the report becomes a child case
        "file_id": file_id,
        "file_unique_id": unique,
        "size": size or 0,
        "mime_type": mime,
        "received_at": message.date.isoformat(),
    }
