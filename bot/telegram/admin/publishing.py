"""Flow revisions from Telegram: publish one by sending its file, list them (/flows), roll back to one.

Nothing changes before an admin presses Publish on the verdict the bot sends back (load errors
with their lines, inspection, what changed against the live revision, the golden scripts). The
uploaded file is stored with its verdict's buttons, so a restart in between loses nothing. Every
admin action is audited; anyone else gets a refusal that is audited too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key
from bot.clock import now_iso
from bot.engine.errors import FlowLoadError
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.ports import Admins, Audit, Revisions
from bot.store.records import AuditEntry, Revision

from ..callback_data import FlowPress
from . import texts
from .chats import AdminChats, name_of
from .verdicts import assess_off_loop, bullets, verdict_lines

log = logging.getLogger(__name__)

MAX_FLOW_BYTES = 512 * 1024
MAX_VERDICT_MESSAGES = 3  # an upload's verdict, however many problems the file has


class Publishing:
    def __init__(
        self, chats: AdminChats, admins: Admins, audit: Audit, revisions: Revisions, flows: FlowRegistry
    ) -> None:
        self.chats, self.admins, self.audit, self.revisions, self.flows = chats, admins, audit, revisions, flows

    async def on_upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        chat_id = message.chat.id
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat_id, "upload_flow")
            return
        lang = await self.chats.lang(chat_id)
        document = message.document
        size = document.file_size or 0
        if size > MAX_FLOW_BYTES:
            await self.chats.say(
                context.bot, chat_id, t(lang, texts.UPLOAD_TOO_BIG, size=size // 1024, limit=MAX_FLOW_BYTES // 1024)
            )
            return
        try:
            handle = await context.bot.get_file(document.file_id)
            raw = bytes(await handle.download_as_bytearray())
        except (TelegramError, OSError) as exc:
            log.warning("flow upload not downloaded: %s", type(exc).__name__)
            await self.chats.say(context.bot, chat_id, t(lang, texts.UPLOAD_DOWNLOAD_FAILED))
            return
        if len(raw) > MAX_FLOW_BYTES:  # the size Telegram announced is optional
            await self.chats.say(
                context.bot, chat_id, t(lang, texts.UPLOAD_TOO_BIG, size=len(raw) // 1024, limit=MAX_FLOW_BYTES // 1024)
            )
            return
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            await self.chats.say(context.bot, chat_id, t(lang, texts.UPLOAD_UNREADABLE))
            return
        live, live_flow = await self._live()
        verdict = await assess_off_loop(content, live_flow)
        header = t(lang, texts.UPLOAD_HEADER, name=document.file_name or "flow.yaml")
        lines, buttons = [header, ""], False
        if verdict.flow is not None and verdict.flow.id != self.flows.flow_id:
            lines.append(t(lang, texts.UPLOAD_WRONG_FLOW, expected=self.flows.flow_id, found=verdict.flow.id))
        elif live is not None and live.content == content:
            lines.append(t(lang, texts.UPLOAD_SAME, revision=live.id))
        else:
            lines += verdict_lines(verdict, lang, live.id if live else None)
            buttons = verdict.publishable
        markup = None
        if buttons:
            candidate = await self.admins.upload(self.flows.flow_id, content, user.id, name_of(user))
            publish = texts.B_PUBLISH_ANYWAY if verdict.failed_scripts else texts.B_PUBLISH
            action = "force" if verdict.failed_scripts else "pub"
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(t(lang, publish), callback_data=FlowPress(action, candidate).data),
                        InlineKeyboardButton(t(lang, texts.B_DISCARD), callback_data=FlowPress("drop", candidate).data),
                    ]
                ]
            )
        await self.chats.say(context.bot, chat_id, "\n".join(lines), markup, most=MAX_VERDICT_MESSAGES)

    async def _live(self) -> tuple[Revision | None, Flow | None]:
        live = await self.revisions.live_revision(self.flows.flow_id)
        if live is None:
            return None, None
        try:
            return live, await self.flows.pinned(live.id)
        except FlowLoadError:
            # Published before a check that now refuses it: judge the upload without comparing.
            log.warning("the live flow revision no longer loads", extra={"revision": live.id})
            return live, None

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id = query.message.chat.id
        lang = await self.chats.lang(chat_id)
        if not self.admins.is_admin(user.id):
            await self.audit.record(
                AuditEntry(now_iso(), user.id, name_of(user), "flow_press", None, None, False, str(query.data)[:60])
            )
            await _answer(query, t(lang, texts.ADMINS_ONLY))
            return
        press = FlowPress.parse(query.data or "")
        if press is None:
            await _answer(query, t(lang, texts.ALREADY_SETTLED))
            return
        action, number = press.action, press.number
        if action == "roll":
            text = await self._rollback(user, number, lang)
        else:
            text = await self._settle(user, action, number, lang)
        await _answer(query, None)
        with contextlib.suppress(NetworkError):
            await context.bot.edit_message_reply_markup(chat_id, query.message.message_id, reply_markup=None)
        await self.chats.say(context.bot, chat_id, text)

    async def _settle(self, user: User, action: str, candidate_id: int, lang: str) -> str:
        candidate = await self.admins.candidate(candidate_id)
        if candidate is None or candidate.state != "pending":
            return t(lang, texts.ALREADY_SETTLED)
        if action == "drop":
            await self.admins.settle(candidate_id, "discarded", user.id, name_of(user), f"candidate {candidate_id}")
            return t(lang, texts.DISCARDED)
        _, live_flow = await self._live()
        verdict = await assess_off_loop(candidate.content, live_flow)  # again: the scripts may have changed since
        if not verdict.publishable:
            reasons: Sequence[object] = verdict.problems or verdict.errors
            return t(lang, texts.UPLOAD_ERRORS) + "\n" + "\n".join(bullets(reasons, lang, 10))
        if verdict.failed_scripts and action != "force":
            return t(lang, texts.SCRIPTS_BLOCK)
        if not await self.admins.settle(candidate_id, "published", user.id, name_of(user), f"candidate {candidate_id}"):
            return t(lang, texts.ALREADY_SETTLED)
        revision = await self.revisions.publish(
            self.flows.flow_id, candidate.content, f"{chat_key(user.id)} {name_of(user)}"
        )
        log.info("flow published from Telegram", extra={"revision": revision.id})
        return t(lang, texts.PUBLISHED, revision=revision.id)

    async def _rollback(self, user: User, revision_id: int, lang: str) -> str:
        revision = await self.revisions.revision(revision_id)
        live = await self.revisions.live_revision(self.flows.flow_id)
        if revision is None or revision.flow_id != self.flows.flow_id:
            return t(lang, texts.ALREADY_SETTLED)
        if live is not None and live.id == revision.id:
            return t(lang, texts.ALREADY_LIVE, revision=revision.id)
        await self.revisions.publish(revision.flow_id, revision.content, revision.author)
        await self.audit.record(
            AuditEntry(now_iso(), user.id, name_of(user), "rollback_flow", None, None, True, f"revision {revision.id}")
        )
        return t(lang, texts.ROLLED_BACK, revision=revision.id)

    async def on_flows(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self.chats.refuse(context.bot, user, chat.id, "flows")
            return
        lang = await self.chats.lang(chat.id)
        revisions = await self.revisions.revisions(self.flows.flow_id)
        live = await self.revisions.live_revision(self.flows.flow_id)
        lines = [t(lang, texts.REVISIONS_HEADER, flow=self.flows.flow_id)]
        buttons: list[InlineKeyboardButton] = []
        for revision in revisions[:15]:
            line = t(
                lang,
                texts.REVISION_LINE,
                revision=revision.id,
                date=revision.created_at[:16].replace("T", " "),
                author=revision.author,
                hash=revision.hash[:8],
            )
            if live is not None and revision.id == live.id:
                line += " — " + t(lang, texts.REVISION_LIVE)
            elif len(buttons) < 6:
                buttons.append(
                    InlineKeyboardButton(
                        t(lang, texts.B_ROLLBACK, revision=revision.id),
                        callback_data=FlowPress("roll", revision.id).data,
                    )
                )
            lines.append(line)
        lines += ["", t(lang, texts.FLOWS_HELP)]
        markup = InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None
        await self.chats.say(context.bot, chat.id, "\n".join(lines), markup)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    with contextlib.suppress(NetworkError):
        await query.answer(text)
