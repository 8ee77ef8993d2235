"""The citizen side of the Telegram bot: private-chat messages, button presses and commands.

Each update runs under its chat's lock, is skipped if Telegram redelivers it after a crash, and
goes through ``Conversations`` exactly as the console does; only rendering differs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import escape

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.cases.casework import Casework
from bot.cases.conversation import Conversations, Reply
from bot.cases.ids import chat_key, chat_target
from bot.cases.language import detect_language, opening
from bot.cases.receipts import Receipts
from bot.cases.references import check_pin, normalise_reference
from bot.cases.reports import is_child_case
from bot.config import PROVINCES, Settings
from bot.engine.events import Answered, Question
from bot.engine.normalise import normalise
from bot.engine.runner import Input
from bot.engine.session import ACTIVE, Session
from bot.i18n import LANGUAGES, t
from bot.store.ports import Books
from bot.store.records import (
    CLAIMED,
    LIMITED,
    LOCKED,
    NEW,
    PASSED,
    RESOLVED,
    WAITING,
    WRONG,
    ChatState,
    StoredReport,
)

from . import focal_texts as ft
from . import texts
from .callback_data import ForgetAnswer, LanguagePick, StepPress
from .card import citizen_outcome_text
from .guard import ChatLocks, FloodControl
from .render import Outgoing, Rendering, answered_text, keyboard, render
from .send import SEND_READ_TIMEOUT, Sender, mark_gone, quietly

log = logging.getLogger(__name__)

BLOCKED_NOTICE_SECONDS = 600.0
DELETE_WINDOW = 48 * 3600 - 60  # Telegram lets a bot delete messages for 48 hours; keep a margin
_SEND_TRIES = 4


@dataclass(slots=True)
class ChatTurn:
    """One update of one chat, handled under the chat's lock, and passed to everything that handles it.

    ``state`` is the chat's state as it will be stored: with this update's id as the last handled, in
    the engine step's own transaction when there is one, else once when the update ends. Each write is
    an fsync; the citizen's reply should not wait for the bookkeeping of the turn.
    """

    chat_id: int
    state: ChatState
    remember: list[int] = field(default_factory=list)  # message ids for /exit to delete

    def keep(self, sent: list[int], *, lang: str, question_message_id: int | None) -> None:
        """The chat's new language and question message, and the messages sent, stored when the update ends."""
        self.state = replace(self.state, lang=lang, question_message_id=question_message_id)
        self.remember.extend(sent)


class CitizenBot:
    def __init__(
        self,
        settings: Settings,
        books: Books,
        conversations: Conversations,
        casework: Casework,
        receipts: Receipts,
        wake: Callable[[], None],
        sender: Sender,
    ) -> None:
        self.settings = settings
        self.sender = sender
        self.receipts = receipts  # reference and PIN held in the outbox until shown
        self.store = books.sessions
        self.reports = books.reports
        self.conv = conversations
        self.casework = casework  # relays answers to officers' questions
        self.wake = wake  # tells the courier a report or an answer is waiting to go out
        self.senders = books.senders  # blocked senders get one neutral line
        self.retention = books.retention  # /forget
        self.pins = books.pins  # wrong status PINs counted, guessing paused
        self.locks = ChatLocks()
        self.flood = FloodControl(settings.flood_messages_per_minute)
        self._told_blocked: dict[int, float] = {}

    # ---- sending -------------------------------------------------------------------------------

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        out: Outgoing,
        *,
        turn: ChatTurn | None = None,
        remember: bool = True,
        sent: list[int] | None = None,
    ) -> Message | None:
        """Send with retries for network faults and 429s; a blocked bot marks the chat inactive.

        Every message is recorded for /exit to delete (``remember=False`` only for the exit line itself),
        so no reply, however incidental, can stay behind on a watched phone. With ``sent``, the id is
        added there for the caller to record with the chat's state in one write; within a ``turn``, it is
        stored when the turn ends.
        """
        try:
            message = await self.sender.send(bot, chat_id, out.text, out.markup, retries=_SEND_TRIES - 1, counted=False)
        except Forbidden:
            await self._mark_inactive(chat_id, turn)
            return None
        except BadRequest:
            raise
        except NetworkError:  # RetryAfter included: every try was refused
            log.warning("message not delivered after retries", extra={"chat": "private"})
            return None
        if sent is not None:
            sent.append(message.message_id)
        elif remember and turn is not None:
            turn.remember.append(message.message_id)  # written with the chat's state at the end
        elif remember:
            await self.store.remember_messages(chat_key(chat_id), [message.message_id], time.time())
        return message

    async def menu(self, bot: Bot, chat_id: int, lang: str) -> None:
        """This chat's command menu in ``lang``, once its language is chosen or changes.

        Telegram's per-language menus follow the phone's ``language_code``, which Pakistani phones
        almost never set to Urdu; a menu set for the chat itself follows the language the user chose.
        """
        try:
            await bot.set_my_commands(
                menu_commands(lang), scope=BotCommandScopeChat(chat_id), read_timeout=SEND_READ_TIMEOUT
            )
        except TelegramError as exc:
            # A convenience: the commands work without it, and the next language change tries again.
            log.warning("could not set a chat's command menu: %s", type(exc).__name__)

    async def _mark_inactive(self, chat_id: int, turn: ChatTurn | None) -> None:
        if turn is not None:
            turn.state = replace(turn.state, active=False)  # written when the turn ends
            log.info("citizen blocked the bot; chat marked inactive")
        else:
            await mark_gone(self.store, chat_id)

    # ---- delivering a conversation turn ---------------------------------------------------------

    async def deliver(self, bot: Bot, turn: ChatTurn, state: ChatState, before: Session | None, reply: Reply) -> None:
        chat_id, lang = turn.chat_id, reply.lang
        if reply.dropped_files:
            # Before the next question, so that the notice reads as part of the answer just given.
            await quietly(bot.delete_messages(chat_id, list(reply.dropped_files)))
            log.info("earlier files deleted from a child case", extra={"files": len(reply.dropped_files)})
            await self.send(
                bot, chat_id, Outgoing(escape(t(lang, texts.EARLIER_FILES_DELETED), quote=False)), turn=turn
            )
        session_id = reply.session.id if reply.session is not None else ""
        old_question = state.question_message_id
        question = await self.conv.question(before) if before is not None else None
        rendering = render(reply.events, session_id, lang)
        new_question = any(m.question for m in rendering.messages)
        moved = reply.session is None or before is None or reply.session.step != before.step
        if question is not None and question.hint == "phone" and moved:
            # Leaving a step that offered the share-your-number keyboard: take that keyboard away.
            plain = next((m for m in rendering.messages if m.markup is None), None)
            if plain is not None:
                plain.markup = ReplyKeyboardRemove()
        # The old question is edited while the next one is sent: two round trips at once, not in turn.
        retiring = (
            asyncio.ensure_future(self._retire(bot, chat_id, old_question, question, reply, rendering, new_question))
            if old_question is not None
            else None
        )
        question_id = old_question
        sent: list[int] = []
        shown = False
        try:
            for out in rendering.messages:
                message = await self.send(bot, chat_id, out, turn=turn, sent=sent)
                if message is None:
                    break
                if out.question:
                    question_id = message.message_id
            else:
                shown = True
        finally:
            if retiring is not None:
                await retiring
            if reply.receipt is not None:
                # Shown: the held receipt (and its PIN) is deleted. Not shown: the courier sends it.
                await self.receipts.settle(reply.receipt, shown)
                if not shown:
                    self.wake()
        if reply.session is None or reply.session.status != ACTIVE:
            question_id = None
        turn.keep(sent, lang=lang, question_message_id=question_id)
        if lang != state.lang:
            await self.menu(bot, chat_id, lang)

    async def _retire(
        self,
        bot: Bot,
        chat_id: int,
        old_question: int,
        question: Question | None,
        reply: Reply,
        rendering: Rendering,
        new_question: bool,
    ) -> None:
        """Show the answer in the old question's message, and leave no pressable buttons there."""
        answered = next((e for e in reply.events if isinstance(e, Answered)), None)
        edited = False
        if answered is not None and question is not None:
            if question.kind == "review":
                # The summary stays readable as sent; only its buttons go.
                edited = await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=None))
            else:
                text = answered_text(question.text, answered.display, reply.lang)
                edited = await quietly(bot.edit_message_text(text, chat_id, old_question, parse_mode="HTML"))
        if rendering.toggled is not None:
            session_id = reply.session.id if reply.session is not None else ""
            markup = keyboard(rendering.toggled, session_id, reply.lang)
            await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=markup))
        if new_question and not edited:
            # Back or edit-from-review: the old buttons must not stay pressable.
            await quietly(bot.edit_message_reply_markup(chat_id, old_question, reply_markup=None))

    # ---- handlers ------------------------------------------------------------------------------

    async def _begin_update(self, update: Update) -> tuple[ChatTurn, bool]:
        """Load the chat's state; False when this update was handled before (redelivered after a crash).

        The update is marked handled with its engine step (one transaction) or, when it changes no
        step, by the write at the end of the turn (``_end_update``).
        """
        chat = update.effective_chat
        user = update.effective_user
        assert chat is not None
        key = chat_key(chat.id)
        state = await self.store.chat_state(key)
        if state is None:
            prior = detect_language("", user.language_code if user else None).lang
            state = ChatState(key, prior)
        if update.update_id <= state.last_update_id:
            return ChatTurn(chat.id, state), False
        state = replace(state, last_update_id=update.update_id, active=True)
        incoming = update.effective_message is not None and update.callback_query is None
        remember = [update.effective_message.message_id] if incoming and update.effective_message else []
        return ChatTurn(chat.id, state, remember), True

    async def _end_update(self, turn: ChatTurn) -> None:
        await self.store.save_chat_state(turn.state, remember=turn.remember, sent_at=time.time())

    @asynccontextmanager
    async def turn(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, flood: bool = True, blockable: bool = True
    ) -> AsyncIterator[ChatTurn | None]:
        """Hold the chat's lock for one update and give its handler the turn; yields None when the
        update must be dropped (handled before, the user is over the flood limit and was asked to slow
        down, or, unless ``blockable`` is False, the sender is blocked and was told so neutrally)."""
        chat = update.effective_chat
        assert chat is not None
        async with self.locks.hold(chat.id):
            turn, fresh = await self._begin_update(update)
            if not fresh:
                yield None
                return
            try:
                if flood and not self._allowed(update):
                    await self._slow_down(update, context, turn)
                    yield None
                elif blockable and self.senders.is_blocked(chat_key(chat.id)):
                    await self._tell_blocked(context.bot, turn)
                    if update.callback_query is not None:
                        await quietly(update.callback_query.answer())
                    yield None
                else:
                    yield turn
            finally:
                # Also after a failure: an update that crashed its handler is not handled again.
                await self._end_update(turn)

    async def _tell_blocked(self, bot: Bot, turn: ChatTurn) -> None:
        # Once in ten minutes: the line is for a person, not an answer to every message of a flood.
        chat_id, now = turn.chat_id, time.monotonic()
        if now - self._told_blocked.get(chat_id, -BLOCKED_NOTICE_SECONDS) < BLOCKED_NOTICE_SECONDS:
            return
        self._told_blocked[chat_id] = now
        if len(self._told_blocked) > 10_000:
            self._told_blocked = {c: at for c, at in self._told_blocked.items() if now - at < BLOCKED_NOTICE_SECONDS}
        await self.send(bot, chat_id, Outgoing(escape(t(turn.state.lang, texts.BLOCKED), quote=False)), turn=turn)

    def _allowed(self, update: Update) -> bool:
        user = update.effective_user
        return user is None or self.flood.allow(user.id)

    async def _slow_down(self, update: Update, context: ContextTypes.DEFAULT_TYPE, turn: ChatTurn) -> None:
        user = update.effective_user
        if user is not None and self.flood.first_warning(user.id):
            text = Outgoing(escape(t(turn.state.lang, texts.SLOW_DOWN), quote=False))
            await self.send(context.bot, turn.chat_id, text, turn=turn)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or message.text is None:
            return
        async with self.turn(update, context) as turn:
            if turn is None:
                return
            state = turn.state
            key = chat_key(chat.id)
            before = await self.conv.current(key)
            idle = before is None or before.status != ACTIVE
            if await self._relay_answer(context.bot, turn, message, exact=not idle):
                return
            if idle:
                # The first message says which language to answer in; when it says so clearly, the
                # language question is skipped (a one-tap switch stays on the first question).
                lang, how = opening(message.text, user.language_code if user else None, state.lang)
                await self._start(context.bot, turn, state, lang, None, language=how, first_text=message.text)
                return
            handled = turn.state
            reply = await self.conv.answer(key, Input(text=message.text), state.lang, loaded=before, chat=handled)
            await self.deliver(context.bot, turn, state, before, reply)
            if reply.reference is not None:
                self.wake()

    async def _relay_answer(self, bot: Bot, turn: ChatTurn, message: Message, exact: bool) -> bool:
        """A reply to an officer's question (or, outside a report, any message while one is open) is relayed."""
        if message.text is None:
            return False
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        if exact and reply_to is None:
            return False
        chat_id = turn.chat_id
        relayed = await self.casework.answer(
            chat_key(chat_id), reply_to, message.text[:3000], message.message_id, exact
        )
        if relayed is None:
            return False
        text = Outgoing(escape(t(turn.state.lang, ft.CITIZEN_ANSWER_SENT), quote=False))
        await self.send(bot, chat_id, text, turn=turn)
        self.wake()
        return True

    async def _start(
        self,
        bot: Bot,
        turn: ChatTurn,
        state: ChatState,
        lang: str,
        payload: str | None,
        *,
        language: str = "likely",
        first_text: str = "",
    ) -> None:
        chat_id = turn.chat_id
        key = chat_key(chat_id)
        before = await self.conv.current(key)
        if before is None or before.status != ACTIVE:
            midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            count = await self.reports.reports_since(key, midnight.isoformat(timespec="seconds"))
            if count >= self.settings.daily_report_cap:
                capped = Outgoing(escape(t(lang, texts.DAILY_CAP, count=count), quote=False))
                await self.send(bot, chat_id, capped, turn=turn)
                return
        prefill: dict[str, str] = {}
        variables: dict[str, str] = {}
        if payload:
            tag = normalise(payload).lower()[:32]
            if tag in PROVINCES:
                prefill["province"] = tag
            elif tag.replace("_", "").replace("-", "").isalnum():
                variables["campaign"] = tag  # a deep-link campaign tag, for statistics
        reply = await self.conv.begin(
            key, lang, variables, prefill, chat=turn.state, language=language, first_text=first_text
        )
        await self.deliver(bot, turn, state, before, reply)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with self.turn(update, context) as turn:
            if turn is None:
                return
            state = turn.state
            payload = context.args[0] if context.args else None
            await self._start(context.bot, turn, state, state.lang, payload)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        if chat.type != ChatType.PRIVATE:
            # Citizens' buttons live in private chats; forged data pressed in a group changes nothing.
            user = update.effective_user
            lang = detect_language("", user.language_code if user else None).lang
            await quietly(query.answer(t(lang, texts.MOVED_ON)))
            return
        # Not blockable here: a blocked sender may still answer the /forget question.
        async with self.turn(update, context, flood=False, blockable=False) as turn:
            if turn is None:
                return
            state = turn.state
            if not self._allowed(update):
                await quietly(query.answer(t(state.lang, texts.SLOW_DOWN)))
                return
            data = query.data or ""
            key = chat_key(chat.id)
            forget = ForgetAnswer.parse(data)
            if forget is not None:
                await quietly(query.answer())
                await self._forget(context.bot, turn, query, forget.confirmed)
                return
            if self.senders.is_blocked(key):
                await quietly(query.answer())
                await self._tell_blocked(context.bot, turn)
                return
            pick = LanguagePick.parse(data)
            if pick is not None:
                await quietly(query.answer())
                await self._switch_language(context.bot, turn, state, pick.lang)
                return
            before = await self.conv.current(key)
            press = StepPress.parse(data)
            if before is None or press is None or not press.matches(before.id, before.step):
                # Stale or forged: answer harmlessly and change nothing.
                await quietly(query.answer(t(state.lang, texts.MOVED_ON)))
                return
            # Telegram's spinner stops while the step is stored and the next question sent.
            answering = asyncio.ensure_future(quietly(query.answer()))
            try:
                handled = turn.state
                reply = await self.conv.answer(key, Input(press=press.button), state.lang, loaded=before, chat=handled)
                await self.deliver(context.bot, turn, state, before, reply)
            finally:
                await answering
            if reply.reference is not None:
                self.wake()

    async def on_engine_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/back, /skip, /cancel, /done and /send go to the engine like buttons do."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        async with self.turn(update, context) as turn:
            if turn is None:
                return
            state = turn.state
            key = chat_key(chat.id)
            before = await self.conv.current(key)
            handled = turn.state
            reply = await self.conv.answer(key, Input(command=command), state.lang, loaded=before, chat=handled)
            await self.deliver(context.bot, turn, state, before, reply)

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None or message.contact is None:
            return
        async with self.turn(update, context) as turn:
            if turn is None:
                return
            state = turn.state
            key = chat_key(chat.id)
            before = await self.conv.current(key)
            question = await self.conv.question(before) if before is not None else None
            if before is None or question is None or question.hint != "phone":
                await self.send(
                    context.bot, chat.id, Outgoing(escape(t(state.lang, texts.CONTACT_NOT_ASKED))), turn=turn
                )
                return
            if message.contact.user_id != user.id:
                await self.send(
                    context.bot, chat.id, Outgoing(escape(t(state.lang, texts.OWN_CONTACT_ONLY))), turn=turn
                )
                return
            phone = Input(text=message.contact.phone_number)
            reply = await self.conv.answer(key, phone, state.lang, loaded=before, chat=turn.state)
            await self.deliver(context.bot, turn, state, before, reply)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pictures and files are never downloaded or forwarded; in a child case they are deleted at once."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        # Never dropped for flooding or a block: a picture in a child case must be deleted whatever happens.
        async with self.turn(update, context, flood=False, blockable=False) as turn:
            if turn is None:
                return
            state = turn.state
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
            elif await self.conv.attach(chat_key(chat.id), _attachment(message)):
                text = texts.FILE_KEPT
            else:
                text = texts.NO_FILES
            await self.send(context.bot, chat.id, Outgoing(escape(t(state.lang, text), quote=False)), turn=turn)

    async def on_unreadable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice notes, stickers, locations, polls: say so, rather than leave the citizen waiting in silence."""
        chat = update.effective_chat
        if chat is None:
            return
        async with self.turn(update, context) as turn:
            if turn is not None:
                state = turn.state
                await self.send(
                    context.bot, chat.id, Outgoing(escape(t(state.lang, texts.UNREADABLE), quote=False)), turn=turn
                )

    # ---- commands outside the flow -------------------------------------------------------------

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with self.turn(update, context) as turn:
            if turn is None:
                return
            # Each language named in itself, so that a reader finds hers whatever the chat's language.
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("اردو", callback_data=LanguagePick("ur").data),
                        InlineKeyboardButton("Roman Urdu", callback_data=LanguagePick("roman").data),
                        InlineKeyboardButton("English", callback_data=LanguagePick("en").data),
                    ]
                ]
            )
            text = texts.CHOOSE_LANGUAGE_ALL
            await self.send(context.bot, chat.id, Outgoing(escape(text, quote=False), markup), turn=turn)

    async def _switch_language(self, bot: Bot, turn: ChatTurn, state: ChatState, lang: str) -> None:
        if lang not in LANGUAGES:
            return
        chat_id = turn.chat_id
        key = chat_key(chat_id)
        changed = lang != state.lang
        state = replace(state, lang=lang)
        turn.keep([], lang=lang, question_message_id=state.question_message_id)
        await self.send(bot, chat_id, Outgoing(escape(t(lang, texts.LANGUAGE_SET), quote=False)), turn=turn)
        if changed:
            await self.menu(bot, chat_id, lang)
        before = await self.conv.current(key)
        reply = await self.conv.set_language(key, lang)
        if reply.events:
            await self.deliver(bot, turn, state, before, reply)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not know: say so and point to /help, rather than stay silent."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0].split("@")[0][:32]
        async with self.turn(update, context, blockable=False) as turn:
            if turn is not None:
                state = turn.state
                text = t(state.lang, texts.UNKNOWN_COMMAND, command=command)
                await self.send(context.bot, chat.id, Outgoing(escape(text, quote=False)), turn=turn)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say(update, context, texts.HELP)

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        days = {
            "draft_hours": self.settings.draft_expiry_hours,
            "anonymise_days": self.settings.anonymise_after_days,
        }
        await self._say(update, context, texts.PRIVACY, **days)

    async def _say(self, update: Update, context: ContextTypes.DEFAULT_TYPE, msgid: str, **values: str | int) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        # Help and privacy are for everyone, a blocked sender included: they say how to get help elsewhere.
        async with self.turn(update, context, blockable=False) as turn:
            if turn is not None:
                state = turn.state
                await self.send(
                    context.bot, chat.id, Outgoing(escape(t(state.lang, msgid, **values), quote=False)), turn=turn
                )

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask first: unlinking cannot be undone, and a watched phone may be in someone else's hand."""
        chat = update.effective_chat
        if chat is None:
            return
        async with self.turn(update, context, blockable=False) as turn:
            if turn is None:
                return
            state = turn.state
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(t(state.lang, texts.B_FORGET_YES), callback_data=ForgetAnswer(True).data)],
                    [InlineKeyboardButton(t(state.lang, texts.B_FORGET_NO), callback_data=ForgetAnswer(False).data)],
                ]
            )
            ask = Outgoing(escape(t(state.lang, texts.FORGET_ASK), quote=False), markup)
            await self.send(context.bot, chat.id, ask, turn=turn)

    async def _forget(self, bot: Bot, turn: ChatTurn, query: CallbackQuery, confirmed: bool) -> None:
        chat_id, state, message = turn.chat_id, turn.state, query.message
        if message is not None:
            await quietly(bot.edit_message_reply_markup(chat_id, message.message_id, reply_markup=None))
        if not confirmed:
            await self.send(bot, chat_id, Outgoing(escape(t(state.lang, texts.FORGET_KEPT), quote=False)), turn=turn)
            return
        forgotten = await self.retention.forget(chat_key(chat_id), chat_target(chat_id))
        lines = [t(state.lang, texts.FORGET_DRAFT)] if forgotten.draft else []
        lines.append(t(state.lang, texts.FORGET_DONE, count=forgotten.reports))
        # Not remembered for /exit: the chat's records were just deleted, and this line says nothing personal.
        await self.send(bot, chat_id, Outgoing(escape("\n".join(lines), quote=False)), remember=False)
        log.info("citizen used /forget", extra={"reports": forgotten.reports})

    async def on_status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/status``: this chat's reports; ``/status REFERENCE PIN``: any report, if the PIN is right.

        Wrong PINs are counted per reference across all chats and per chat (``PinGuard``): past the
        limit the check is paused, and while it is paused even the right PIN is refused, or the pause
        would tell a guesser which guess was right. The reply then shows the way back: ``/status``
        alone from the chat that sent the report, which needs no PIN. An unknown reference costs the
        same scrypt work as a wrong PIN and gets the same reply, so neither tells that it exists.
        """
        chat = update.effective_chat
        if chat is None:
            return
        # PIN guesses count against the flood limit; a blocked sender may still check a report.
        async with self.turn(update, context, blockable=False) as turn:
            if turn is None:
                return
            state = turn.state
            lang, args = state.lang, list(context.args or [])
            lines: list[str] = []
            if len(args) >= 2:
                reference = normalise_reference(" ".join(args[:-1]))
                report = await self.reports.report_by_reference(reference) if reference else None
                pin = normalise(args[-1])
                pin_hash = report.pin_hash if report is not None else None
                verdict = WRONG
                if reference is not None:
                    verdict = await self.pins.check(
                        reference,
                        chat_key(chat.id),
                        report.id if report is not None else None,
                        lambda: asyncio.to_thread(check_pin, pin, pin_hash),
                    )
                if verdict == LOCKED:
                    lines.append(t(lang, texts.STATUS_LOCKED))
                elif verdict == LIMITED:
                    lines.append(t(lang, texts.STATUS_LIMITED))
                elif report is None or verdict != PASSED:
                    lines.append(t(lang, texts.STATUS_NOT_FOUND))
                else:
                    lines.append(self._status_line(lang, report))
            elif args:
                lines.append(t(lang, texts.STATUS_USAGE))
            else:
                reports = await self.reports.reports_for_chat(chat_key(chat.id))
                lines = [self._status_line(lang, r) for r in reports[-10:]]
                if not lines:
                    lines.append(t(lang, texts.STATUS_NONE))
            await self.send(context.bot, chat.id, Outgoing(escape("\n".join(lines), quote=False)), turn=turn)

    @staticmethod
    def _status_line(lang: str, report: StoredReport) -> str:
        return status_line(lang, report)

    async def on_exit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Quick exit: delete what Telegram still allows of this conversation, end it, leave one neutral line."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return
        async with self.locks.hold(chat.id):
            # Run even when redelivered: a quick exit is never skipped.
            turn, _ = await self._begin_update(update)
            state = turn.state
            try:
                key = chat_key(chat.id)
                recorded = await self.store.forget_messages(key)
                now = time.time()
                ids = sorted(
                    {mid for mid, at in recorded if now - at < DELETE_WINDOW}
                    | ({message.message_id} if message else set())
                )
                for start in range(0, len(ids), 100):
                    batch = ids[start : start + 100]
                    if not await quietly(context.bot.delete_messages(chat.id, batch)):
                        for mid in batch:
                            await quietly(context.bot.delete_message(chat.id, mid))
                await self.conv.drop(key)
                turn.remember.clear()  # the /exit message itself was just deleted
                turn.keep([], lang=state.lang, question_message_id=None)
                # Deliberately not recorded: it is the one line left behind, and says nothing.
                await self.send(
                    context.bot,
                    chat.id,
                    Outgoing(escape(t(state.lang, texts.EXIT_DONE), quote=False), ReplyKeyboardRemove()),
                    remember=False,
                )
            finally:
                await self._end_update(turn)
        log.info("quick exit", extra={"deleted": len(ids)})

    async def on_fault(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A citizen's handler failed (``errors.answering`` logged where): say sorry in her chat."""
        if update.effective_chat is not None:
            state = await self.store.chat_state(chat_key(update.effective_chat.id))
            lang = state.lang if state else "en"
            await self.send(
                context.bot, update.effective_chat.id, Outgoing(escape(t(lang, texts.APOLOGY), quote=False))
            )


def menu_commands(lang: str) -> list[BotCommand]:
    """The citizens' command menu in ``lang``: for every private chat at start-up, and per chat."""
    return [BotCommand(name, t(lang, description)) for name, description in texts.COMMANDS]


def status_line(lang: str, report: StoredReport) -> str:
    """One report as /status shows it (the console's /status too): reference, where it stands, when sent."""
    if report.status == RESOLVED:
        status = t(lang, ft.STATUS_RESOLVED, outcome=citizen_outcome_text(report.outcome, lang))
    else:
        words = {NEW: texts.STATUS_NEW, CLAIMED: ft.STATUS_CLAIMED, WAITING: ft.STATUS_WAITING}
        status = t(lang, words.get(report.status, ft.STATUS_CLOSED))
    return t(lang, texts.STATUS_LINE, reference=report.reference, status=status, date=report.created_at[:10])


def _attachment(message: Message) -> dict[str, str | int]:
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
