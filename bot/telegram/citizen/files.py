"""What a citizen sends that is not text: pictures and files (kept with an adult's report, fetched and
sealed once it is sent; deleted at once in a child's), and what cannot be read here (stickers…).

Limits keep a flood of files from filling the disk: ``MAX_ATTACHMENTS`` a report, ``FILES_PER_DAY`` a
chat (UTC day) and ``FILE_MAX_MB`` a file, which is also the most Telegram gives a bot. A file over a
limit is refused kindly, with what to send instead."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from html import escape

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.cases.conversation import MAX_ATTACHMENTS, Conversations
from bot.cases.ids import chat_key
from bot.cases.reports import files_to_fetch, is_child_case
from bot.config import Settings
from bot.engine.session import ACTIVE
from bot.i18n import t
from bot.store.ports import EvidenceFiles

from ..callback_data import VoicePress
from ..render import ChatMessage
from ..send import quietly
from . import texts
from .additions import Additions
from .replies import Replies
from .turns import ChatTurn, Turns, moved_on

log = logging.getLogger(__name__)

MIB = 1024 * 1024  # Telegram's "20 MB" for bots is 20 MiB


class FileHandlers:
    def __init__(
        self,
        settings: Settings,
        files: EvidenceFiles,
        conversations: Conversations,
        turns: Turns,
        replies: Replies,
        additions: Additions,
    ) -> None:
        self.settings, self.files, self.additions = settings, files, additions
        self.conv = conversations
        self.turns = turns
        self.replies = replies

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An adult's report keeps them (fetched once it is sent); in a child case they are deleted at once."""
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
                await self.replies.tell(context.bot, turn, texts.NO_IMAGES_CHILD)
                return
            if session is None or session.status != ACTIVE:
                await self._to_sent_report(context.bot, turn, message, key)
                return
            item = attachment(message)
            kept = len(json.loads(session.vars.get("attachments", "[]")))
            refusal = await self._over_a_limit(key, item, kept, unsaved=kept)
            if refusal is not None:
                await self.replies.tell(context.bot, turn, refusal[0], **refusal[1])
            elif await self.conv.attach(key, item):
                await self.replies.tell(context.bot, turn, texts.FILE_KEPT)
            else:
                await self.replies.tell(context.bot, turn, texts.NO_FILES)

    async def _to_sent_report(self, bot: Bot, turn: ChatTurn, message: Message, key: str) -> None:
        """A file sent with no report in progress goes with her newest open report, as /add would take it.
        If her newest report is about a child, the picture is deleted and never kept, whatever its state."""
        reports = await self.additions.reports_of(key)
        if reports and reports[-1].minor:
            await quietly(bot.delete_message(turn.chat_id, message.message_id))
            log.info("media deleted: the chat's newest report is a child case")
            await self.replies.tell(bot, turn, texts.NO_IMAGES_CHILD)
            return
        open_ones = [r for r in reports if r.open]
        if not open_ones or self.turns.senders.is_blocked(key):
            await self.replies.tell(bot, turn, texts.NO_FILES)
            return
        report, item = open_ones[-1], attachment(message)
        refusal = await self._over_a_limit(key, item, len(await self.files.files(report.id)), unsaved=0)
        if refusal is not None:
            await self.replies.tell(bot, turn, refusal[0], **refusal[1])
            return
        if not await self.additions.add_files(report, files_to_fetch([item])):
            await self.replies.tell(bot, turn, texts.ADD_CLOSED, reference=report.reference)
            return
        await self.replies.tell(bot, turn, texts.FILE_ADDED, reference=report.reference)

    async def _over_a_limit(
        self, key: str, item: dict[str, str | int], kept: int, *, unsaved: int
    ) -> tuple[str, dict[str, str | int]] | None:
        """The refusal (message and its values) of a file over a limit, or None to keep it. ``kept``: the
        report's files so far; ``unsaved``: those of them not yet in the store (an unfinished report's),
        which the day's count from the store does not hold yet."""
        if int(item.get("size") or 0) > self.settings.file_max_mb * MIB:
            return texts.FILE_TOO_BIG, {"mb": self.settings.file_max_mb}
        if kept >= MAX_ATTACHMENTS:
            return texts.FILES_REPORT_FULL, {"count": MAX_ATTACHMENTS}
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        today = await self.files.received_since(key, midnight.isoformat(timespec="seconds"))
        if today + unsaved >= self.settings.files_per_day:
            return texts.FILES_DAY_FULL, {"count": self.settings.files_per_day}
        return None

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A voice message in an adult's report may be evidence (a threat forwarded to her), or her answer
        spoken: she is asked which, and it is kept only if she says it is evidence."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        async with self.turns.turn(update, context) as turn:
            if turn is None:
                return
            key = chat_key(chat.id)
            session = await self.conv.current(key)
            if session is None or session.status != ACTIVE:
                await self.replies.tell(context.bot, turn, texts.UNREADABLE)
                return
            flow = await self.conv.flows.pinned(session.revision)
            if is_child_case(flow, session.answers):
                await self.replies.tell(context.bot, turn, texts.UNREADABLE)
                return
            await self.conv.hold(key, attachment(message))
            lang = turn.state.lang
            buttons = [
                InlineKeyboardButton(
                    t(lang, texts.B_VOICE_KEEP), callback_data=VoicePress("keep", message.message_id).data
                ),
                InlineKeyboardButton(
                    t(lang, texts.B_VOICE_DROP), callback_data=VoicePress("drop", message.message_id).data
                ),
            ]
            question = ChatMessage(
                escape(t(lang, texts.VOICE_ASK), quote=False), InlineKeyboardMarkup([[b] for b in buttons])
            )
            await self.replies.send(context.bot, chat.id, question, turn=turn)

    async def on_voice_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        press = VoicePress.parse(query.data or "") if query is not None else None
        if query is None or chat is None or press is None or chat.type != ChatType.PRIVATE:
            await moved_on(update)
            return
        async with self.turns.turn(update, context, flood=False) as turn:
            if turn is None:
                return
            key = chat_key(chat.id)
            held = await self.conv.held(key)
            if held is None or held.get("message_id") != press.message_id:
                await moved_on(update)  # another voice message came since, or the report has ended
                return
            await quietly(query.answer())
            await quietly(query.edit_message_reply_markup(None))
            if press.answer == "drop":
                await self.conv.hold(key, None)
                await self.replies.tell(context.bot, turn, texts.VOICE_NOT_KEPT)
                return
            session = await self.conv.current(key)
            kept = len(json.loads(session.vars.get("attachments", "[]"))) if session is not None else 0
            refusal = await self._over_a_limit(key, held, kept, unsaved=kept)
            if refusal is not None:
                await self.conv.hold(key, None)
                await self.replies.tell(context.bot, turn, refusal[0], **refusal[1])
            elif await self.conv.attach(key, held):
                await self.replies.tell(context.bot, turn, texts.FILE_KEPT)
            else:
                await self.replies.tell(context.bot, turn, texts.NO_FILES)

    async def on_unreadable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, locations, polls (and voice messages outside an adult's report): say so, rather than leave
        the citizen waiting in silence."""
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
        media = (
            message.document
            or message.video
            or message.animation
            or message.video_note
            or message.voice
            or message.audio
        )
        if media is None:
            return {"kind": "unknown", "message_id": message.message_id, "received_at": message.date.isoformat()}
        file_id, unique, size = media.file_id, media.file_unique_id, media.file_size
        kinds = ("document", "video", "animation", "video_note", "voice", "audio")
        kind = next(k for k in kinds if getattr(message, k) is not None)
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
