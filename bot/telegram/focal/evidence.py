"""/files REF in a private chat: the officer who claimed a case (or an admin) gets its evidence files.

Each file is sent as a document made from the copy the bot kept (not Telegram's), with the case, its
place in the custody log, when it was received and its SHA-256 in the caption, so the officer can show
that what they hold is what the citizen sent. Every file sent is audited (``file_view``, with its hash),
and so is every refusal. Files never go to a group: a group's members are not all handling the case.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InputFile, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.references import normalise_reference
from bot.i18n import t
from bot.logs import fault
from bot.store.ports import EvidenceFiles, Reports
from bot.store.records import FILE_FAILED, FILE_KEPT, FILE_WAITING, EvidenceFile, StoredReport

from ..card import local_time, size_text
from . import texts
from .access import Access, actor_of
from .chats import OfficerChats

log = logging.getLogger(__name__)

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "video/mp4": "mp4",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
}
BY_KIND = {"photo": "jpg", "voice": "ogg", "video": "mp4", "video_note": "mp4", "animation": "mp4"}


def file_name(reference: str, entry: EvidenceFile) -> str:
    """A name that says whose file it is and nothing the citizen wrote (a document's own name may)."""
    ext = EXTENSIONS.get(entry.mime_type) or BY_KIND.get(entry.kind, "bin")
    return f"{reference}-{entry.position}.{ext}"


class EvidenceCommand:
    def __init__(
        self, access: Access, chats: OfficerChats, reports: Reports, files: EvidenceFiles, casework: Casework
    ) -> None:
        self.access, self.chats, self.reports, self.files, self.casework = access, chats, reports, files, casework

    async def on_files(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if chat.id < 0:
            # In a queue group, point to the private chat; in any other group, say nothing.
            if await self.access.is_queue_chat(chat.id):
                lang = await self.chats.lang(chat.id)
                await self.chats.say(context.bot, chat.id, escape(t(lang, texts.FILES_PRIVATE)), refusal=True)
            return
        lang = await self.chats.lang(chat.id)
        reference = normalise_reference(" ".join(context.args or []))
        if not reference:
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.FILES_USAGE)), refusal=True)
            return
        actor = actor_of(user)
        report = await self.reports.report_by_reference(reference)
        admin = self.access.is_admin(user.id)
        if report is None or not await self.access.may_act(context.bot, user.id, report.queue):
            await self.casework.refused(actor, "file_view", report, "unknown or not in the user's queues")
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.CASE_NOT_FOUND)), refusal=True)
            return
        if report.claimed_by != user.id and not admin:
            await self.casework.refused(actor, "file_view", report, "not the officer who claimed the case")
            await self.chats.say(context.bot, chat.id, escape(t(lang, texts.FILES_CLAIM_FIRST)), refusal=True)
            return
        await self._send(update, context, report, lang)

    async def _send(self, update: Update, context: ContextTypes.DEFAULT_TYPE, report: StoredReport, lang: str) -> None:
        assert update.effective_chat is not None and update.effective_user is not None
        chat_id, actor = update.effective_chat.id, actor_of(update.effective_user)
        entries = await self.files.files(report.id)
        if not entries:
            await self.chats.say(context.bot, chat_id, escape(t(lang, texts.FILES_NONE, reference=report.reference)))
            return
        count = len(entries)
        for entry in entries:
            if entry.status == FILE_FAILED:
                line = t(lang, texts.FILES_FAILED, position=entry.position, note=entry.note)
                await self.chats.say(context.bot, chat_id, escape(line))
                continue
            found = await self.files.content(entry.id) if entry.status == FILE_KEPT else None
            if found is None:
                continue
            kept, content = found
            caption = t(
                lang,
                texts.FILES_CAPTION,
                reference=report.reference,
                position=kept.position,
                count=count,
                kind=kept.kind,
                size=size_text(kept.size),
                received=local_time(kept.received_at),
            )
            html = escape(caption) + f"\nSHA-256: <code>{kept.sha256}</code>"
            try:
                await context.bot.send_document(
                    chat_id,
                    InputFile(content, filename=file_name(report.reference, kept)),
                    caption=html,
                    parse_mode="HTML",
                    disable_content_type_detection=True,
                )
            except TelegramError as exc:
                log.warning("evidence file not sent to the officer", extra={"report_id": report.id, **fault(exc)})
                await self.casework.refused(actor, "file_view", report, f"file {kept.position}: Telegram refused it")
                continue
            await self.casework.record(actor, "file_view", report, f"file {kept.position} sha256 {kept.sha256}")
        waiting = sum(1 for e in entries if e.status == FILE_WAITING)
        if waiting:
            await self.chats.say(context.bot, chat_id, escape(t(lang, texts.FILES_WAITING, count=waiting)))
