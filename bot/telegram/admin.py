"""The admins' side in private chats: publish a flow by sending its file, list revisions, roll back, manage admins.

Nothing changes before an admin presses Publish on the verdict the bot sends back (load errors
with their lines, inspection, what changed against the live revision, the golden scripts). The
uploaded file is stored with its verdict's buttons, so a restart in between loses nothing. Every
admin action is audited; anyone else gets a refusal that is audited too.

An uploaded file is judged in a worker thread, off the event loop, and its verdict is a few
messages at most however many problems the file has (issue 20, finding 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.cases.flows import FlowRegistry
from bot.cases.ids import chat_key
from bot.cases.publishing import Assessment, assess, first_failure
from bot.cases.references import normalise_reference
from bot.cases.stats import case_stats, format_stats
from bot.clock import now_iso
from bot.engine.errors import FlowLoadError
from bot.engine.model import Flow
from bot.i18n import t
from bot.store.ports import Books
from bot.store.records import AuditEntry, Revision
from bot.telegram.callback_data import FlowPress, record_id

from . import admin_texts as at
from .render import split
from .send import Sender

log = logging.getLogger(__name__)

MAX_FLOW_BYTES = 512 * 1024
MAX_VERDICT_MESSAGES = 3  # an upload's verdict, however many problems the file has
LISTED = 20  # problems or errors listed in a verdict; the rest are counted
LISTED_WARNINGS = 10
LISTED_STEPS = 30  # step ids named in one line of changes
MAX_LINE = 300  # one listed problem, whatever it quotes


def _name(user: User) -> str:
    return user.full_name[:64]


class AdminBot:
    def __init__(self, books: Books, flows: FlowRegistry, sender: Sender) -> None:
        self.books, self.flows, self.sender = books, flows, sender
        self.store = books.sessions
        self.admins, self.senders, self.audit = books.admins, books.senders, books.audit

    async def lang(self, chat_id: int) -> str:
        state = await self.store.chat_state(chat_key(chat_id))
        return state.lang if state else "en"

    async def _say(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        most: int | None = None,
    ) -> None:
        """Send ``text`` in as many messages as it needs, or ``most``: the last one then ends with "…"."""
        pieces = _html_pieces(text)
        if most is not None and len(pieces) > most:
            pieces = pieces[:most]
            pieces[-1] += "\n…"
        for i, piece in enumerate(pieces):
            await self.sender.send(bot, chat_id, piece, markup if i == len(pieces) - 1 else None)

    async def _refuse(self, bot: Bot, user: User, chat_id: int, action: str) -> None:
        await self.audit.record(AuditEntry(now_iso(), user.id, _name(user), action, None, None, False, "not an admin"))
        await self._say(bot, chat_id, t(await self.lang(chat_id), at.ADMINS_ONLY))

    # ---- publishing by upload --------------------------------------------------------------------

    async def on_upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        chat_id = message.chat.id
        if not self.admins.is_admin(user.id):
            await self._refuse(context.bot, user, chat_id, "upload_flow")
            return
        lang = await self.lang(chat_id)
        document = message.document
        size = document.file_size or 0
        if size > MAX_FLOW_BYTES:
            await self._say(
                context.bot, chat_id, t(lang, at.UPLOAD_TOO_BIG, size=size // 1024, limit=MAX_FLOW_BYTES // 1024)
            )
            return
        try:
            handle = await context.bot.get_file(document.file_id)
            raw = bytes(await handle.download_as_bytearray())
        except (TelegramError, OSError) as exc:
            log.warning("flow upload not downloaded: %s", type(exc).__name__)
            await self._say(context.bot, chat_id, t(lang, at.UPLOAD_DOWNLOAD_FAILED))
            return
        if len(raw) > MAX_FLOW_BYTES:  # the size Telegram announced is optional
            await self._say(
                context.bot, chat_id, t(lang, at.UPLOAD_TOO_BIG, size=len(raw) // 1024, limit=MAX_FLOW_BYTES // 1024)
            )
            return
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            await self._say(context.bot, chat_id, t(lang, at.UPLOAD_UNREADABLE))
            return
        live, live_flow = await self._live()
        verdict = await _assess_off_loop(content, live_flow)
        header = t(lang, at.UPLOAD_HEADER, name=document.file_name or "flow.yaml")
        lines, buttons = [header, ""], False
        if verdict.flow is not None and verdict.flow.id != self.flows.flow_id:
            lines.append(t(lang, at.UPLOAD_WRONG_FLOW, expected=self.flows.flow_id, found=verdict.flow.id))
        elif live is not None and live.content == content:
            lines.append(t(lang, at.UPLOAD_SAME, revision=live.id))
        else:
            lines += self._verdict(verdict, lang, live.id if live else None)
            buttons = verdict.publishable
        markup = None
        if buttons:
            candidate = await self.admins.upload(self.flows.flow_id, content, user.id, _name(user))
            publish = at.B_PUBLISH_ANYWAY if verdict.failed_scripts else at.B_PUBLISH
            action = "force" if verdict.failed_scripts else "pub"
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(t(lang, publish), callback_data=FlowPress(action, candidate).data),
                        InlineKeyboardButton(t(lang, at.B_DISCARD), callback_data=FlowPress("drop", candidate).data),
                    ]
                ]
            )
        await self._say(context.bot, chat_id, "\n".join(lines), markup, most=MAX_VERDICT_MESSAGES)

    async def _live(self) -> tuple[Revision | None, Flow | None]:
        live = await self.books.revisions.live_revision(self.flows.flow_id)
        if live is None:
            return None, None
        try:
            return live, await self.flows.pinned(live.id)
        except FlowLoadError:
            # Published before a check that now refuses it: judge the upload without comparing.
            log.warning("the live flow revision no longer loads", extra={"revision": live.id})
            return live, None

    def _verdict(self, verdict: Assessment, lang: str, live_id: int | None) -> list[str]:
        if verdict.flow is None:
            return [t(lang, at.UPLOAD_NOT_LOADED), *_bullets(verdict.problems, lang, LISTED)]
        warnings = [i for i in verdict.issues if i.severity != "error"]
        lines = [
            t(lang, at.UPLOAD_STEPS, steps=len(verdict.flow.steps), errors=len(verdict.errors), warnings=len(warnings))
        ]
        if verdict.errors:
            return [*lines, t(lang, at.UPLOAD_ERRORS), *_bullets(verdict.errors, lang, LISTED)]
        if warnings:
            lines += [t(lang, at.UPLOAD_WARNINGS), *_bullets(warnings, lang, LISTED_WARNINGS)]
        lines.append("")
        changes = verdict.changes
        if changes is None or live_id is None:
            lines.append(t(lang, at.CHANGES_FIRST))
        else:
            lines.append(t(lang, at.CHANGES_HEADER, revision=live_id))
            if changes.empty:
                lines.append(t(lang, at.CHANGES_NONE))
            for msgid, steps in (
                (at.CHANGES_ADDED, changes.added),
                (at.CHANGES_REMOVED, changes.removed),
                (at.CHANGES_RETARGETED, changes.retargeted),
            ):
                if steps:
                    lines.append("• " + t(lang, msgid, steps=_names(steps)))
            for language, steps in changes.texts.items():
                lines.append("• " + t(lang, at.CHANGES_TEXTS, language=language, steps=_names(steps)))
        lines.append("")
        if not verdict.scripts:
            lines.append(t(lang, at.SCRIPTS_NONE))
        elif verdict.failed_scripts:
            lines.append(t(lang, at.SCRIPTS_FAIL, failed=len(verdict.failed_scripts), count=len(verdict.scripts)))
            for script in verdict.failed_scripts[:5]:
                lines.append(f"• {script.name}: {first_failure(script)}")
        else:
            lines.append(t(lang, at.SCRIPTS_PASS, count=len(verdict.scripts)))
        return lines

    # ---- buttons ---------------------------------------------------------------------------------

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin's handler failed (``errors.answering`` logged where): say so in the admin's chat."""
        chat = update.effective_chat
        if chat is None:
            return
        text = t(await self.lang(chat.id), at.FAULT)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await self._say(context.bot, chat.id, text)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id = query.message.chat.id
        lang = await self.lang(chat_id)
        if not self.admins.is_admin(user.id):
            await self.audit.record(
                AuditEntry(now_iso(), user.id, _name(user), "flow_press", None, None, False, str(query.data)[:60])
            )
            await _answer(query, t(lang, at.ADMINS_ONLY))
            return
        press = FlowPress.parse(query.data or "")
        if press is None:
            await _answer(query, t(lang, at.ALREADY_SETTLED))
            return
        action, number = press.action, press.number
        if action == "roll":
            text = await self._rollback(user, number, lang)
        else:
            text = await self._settle(user, action, number, lang)
        await _answer(query, None)
        with contextlib.suppress(NetworkError):
            await context.bot.edit_message_reply_markup(chat_id, query.message.message_id, reply_markup=None)
        await self._say(context.bot, chat_id, text)

    async def _settle(self, user: User, action: str, candidate_id: int, lang: str) -> str:
        candidate = await self.admins.candidate(candidate_id)
        if candidate is None or candidate.state != "pending":
            return t(lang, at.ALREADY_SETTLED)
        if action == "drop":
            await self.admins.settle(candidate_id, "discarded", user.id, _name(user), f"candidate {candidate_id}")
            return t(lang, at.DISCARDED)
        _, live_flow = await self._live()
        verdict = await _assess_off_loop(candidate.content, live_flow)  # again: the scripts may have changed since
        if not verdict.publishable:
            reasons: Sequence[object] = verdict.problems or verdict.errors
            return t(lang, at.UPLOAD_ERRORS) + "\n" + "\n".join(_bullets(reasons, lang, 10))
        if verdict.failed_scripts and action != "force":
            return t(lang, at.SCRIPTS_BLOCK)
        if not await self.admins.settle(candidate_id, "published", user.id, _name(user), f"candidate {candidate_id}"):
            return t(lang, at.ALREADY_SETTLED)
        revision = await self.books.revisions.publish(
            self.flows.flow_id, candidate.content, f"{chat_key(user.id)} {_name(user)}"
        )
        log.info("flow published from Telegram", extra={"revision": revision.id})
        return t(lang, at.PUBLISHED, revision=revision.id)

    async def _rollback(self, user: User, revision_id: int, lang: str) -> str:
        revision = await self.books.revisions.revision(revision_id)
        live = await self.books.revisions.live_revision(self.flows.flow_id)
        if revision is None or revision.flow_id != self.flows.flow_id:
            return t(lang, at.ALREADY_SETTLED)
        if live is not None and live.id == revision.id:
            return t(lang, at.ALREADY_LIVE, revision=revision.id)
        await self.books.revisions.publish(revision.flow_id, revision.content, revision.author)
        await self.audit.record(
            AuditEntry(now_iso(), user.id, _name(user), "rollback_flow", None, None, True, f"revision {revision.id}")
        )
        return t(lang, at.ROLLED_BACK, revision=revision.id)

    # ---- commands --------------------------------------------------------------------------------

    async def on_flows(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self._refuse(context.bot, user, chat.id, "flows")
            return
        lang = await self.lang(chat.id)
        revisions = await self.books.revisions.revisions(self.flows.flow_id)
        live = await self.books.revisions.live_revision(self.flows.flow_id)
        lines = [t(lang, at.REVISIONS_HEADER, flow=self.flows.flow_id)]
        buttons: list[InlineKeyboardButton] = []
        for revision in revisions[:15]:
            line = t(
                lang,
                at.REVISION_LINE,
                revision=revision.id,
                date=revision.created_at[:16].replace("T", " "),
                author=revision.author,
                hash=revision.hash[:8],
            )
            if live is not None and revision.id == live.id:
                line += " — " + t(lang, at.REVISION_LIVE)
            elif len(buttons) < 6:
                buttons.append(
                    InlineKeyboardButton(
                        t(lang, at.B_ROLLBACK, revision=revision.id), callback_data=FlowPress("roll", revision.id).data
                    )
                )
            lines.append(line)
        lines += ["", t(lang, at.FLOWS_HELP)]
        markup = InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None
        await self._say(context.bot, chat.id, "\n".join(lines), markup)

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self._refuse(context.bot, user, chat.id, "stats")
            return
        stats = await case_stats(self.books.stats, datetime.now(UTC))
        await self._say(context.bot, chat.id, format_stats(stats, await self.lang(chat.id)))

    async def on_admin_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None:
            await self._say(context.bot, chat.id, t(await self.lang(chat.id), at.ADMIN_HELP))

    async def on_admins(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if not self.admins.is_admin(user.id):
            await self._refuse(context.bot, user, chat.id, "admins")
            return
        lang = await self.lang(chat.id)
        args = [a.lower() for a in context.args or []]
        target_id = record_id(args[1]) if len(args) == 2 else None
        if len(args) == 2 and args[0] in ("add", "remove") and target_id is not None:
            target = target_id
            if args[0] == "add":
                await self.admins.add(target, user.id, _name(user))
                text = t(lang, at.ADMIN_ADDED, user=target)
            elif await self.admins.remove(target, user.id, _name(user)):
                text = t(lang, at.ADMIN_REMOVED, user=target)
            else:
                text = t(lang, at.ADMIN_NOT_REMOVED, user=target)
        elif args:
            text = t(lang, at.ADMINS_USAGE)
        else:
            ids = ", ".join(str(i) for i in sorted(self.admins.ids)) or "—"
            fixed = ", ".join(str(i) for i in sorted(self.admins.bootstrap)) or "—"
            text = t(lang, at.ADMINS_LIST, ids=ids, fixed=fixed) + "\n\n" + t(lang, at.ADMINS_USAGE)
        await self._say(context.bot, chat.id, text)

    async def on_block(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._block(update, context, block=True)

    async def on_unblock(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._block(update, context, block=False)

    async def _block(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, block: bool) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        action = "block" if block else "unblock"
        if not self.admins.is_admin(user.id):
            await self._refuse(context.bot, user, chat.id, action)
            return
        lang = await self.lang(chat.id)
        args = list(context.args or [])
        if not args:
            await self._say(context.bot, chat.id, t(lang, at.BLOCK_USAGE))
            return
        label, why = args[0][:40], " ".join(args[1:])[:200]
        report_id: int | None = None
        user_id = record_id(label)
        if user_id is not None:
            key = chat_key(user_id)  # an admin who knows the Telegram user id (e.g. from a complaint)
        else:
            report = await self.books.reports.report_by_reference(normalise_reference(label) or label)
            if report is None:
                await self._say(context.bot, chat.id, t(lang, at.SENDER_UNKNOWN, reference=label))
                return
            if report.chat_key is None:
                await self._say(context.bot, chat.id, t(lang, at.SENDER_DETACHED, reference=report.reference))
                return
            key, label, report_id = report.chat_key, report.reference, report.id
        if block:
            done = await self.senders.block(key, user.id, _name(user), report_id, why or "admin")
            marks = await self.senders.spam_marks(key)
            text = at.SENDER_BLOCKED if done else at.SENDER_ALREADY_BLOCKED
            await self._say(context.bot, chat.id, t(lang, text, reference=label, marks=marks))
        else:
            done = await self.senders.unblock(key, user.id, _name(user), report_id)
            text = at.SENDER_UNBLOCKED if done else at.SENDER_NOT_BLOCKED
            await self._say(context.bot, chat.id, t(lang, text, reference=label))


async def _assess_off_loop(content: str, live: Flow | None) -> Assessment:
    """``assess`` in a worker thread with an event loop of its own: parsing, inspection and the golden
    scripts take CPU that every other chat would otherwise wait for. The scripts' SQLite stores are
    opened and closed inside that loop. (A C extension that holds the GIL, such as libyaml or ``re``,
    still stalls the bot; the loader's limits keep those short.)"""
    return await asyncio.to_thread(lambda: asyncio.run(assess(content, live)))


def _bullets(items: Sequence[object], lang: str, limit: int) -> list[str]:
    lines = [f"• {_cut(str(item))}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(t(lang, at.UPLOAD_MORE, count=len(items) - limit))
    return lines


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _names(steps: Sequence[str]) -> str:
    shown = ", ".join(steps[:LISTED_STEPS])
    return shown if len(steps) <= LISTED_STEPS else f"{shown}, … (+{len(steps) - LISTED_STEPS})"


def _html_pieces(text: str) -> list[str]:
    """``text`` escaped for parse_mode HTML, in pieces that each fit a message: escaping turns one
    character into as many as five (``&amp;``), so a piece that grows too much is cut smaller."""
    pieces: list[str] = []
    for piece in split(text, 3900):
        escaped = escape(piece, quote=False)
        if len(escaped) <= 4000:
            pieces.append(escaped)
        else:
            pieces += [escape(small, quote=False) for small in split(piece, 800)]
    return pieces


async def _answer(query: CallbackQuery, text: str | None) -> None:
    with contextlib.suppress(NetworkError):
        await query.answer(text)
