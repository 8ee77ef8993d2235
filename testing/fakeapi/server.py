"""An offline Telegram Bot API on 127.0.0.1, for end-to-end tests of the real PTB Application.

It keeps chats and messages, queues updates for ``getUpdates`` (long poll, offsets), validates what
Telegram validates (4096 characters after entity parsing, HTML entities, 64-byte callback data,
the 48-hour delete window, replies to missing messages) and can inject 429, 5xx, timeouts, late
answers and blocked users. Test code acts as users through ``FakeUser``.

Groups: ``api.group(-100...)`` creates a supergroup (``FakeGroup``, in ``limits.py``) whose members
have statuses for ``getChatMember``; users write in it with ``send_in_group`` (optionally as a reply)
and press buttons on its messages with ``press(..., chat_id=group_id)``.

Sending limits as Telegram enforces them, in sliding windows on ``time.monotonic`` (the settable
``now`` is for message dates and the delete window): ``group_limit`` (20 a minute per group),
``global_limit`` (30 a second overall) and ``private_limit`` (off unless set); ``None`` switches one
off. A send past a limit gets 429 with ``retry_after`` and is not stored; ``limit_violations`` counts
these, ``sent_times`` keeps every accepted send per chat and ``max_in_window`` measures them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .html_check import EntityError, visible_text
from .limits import FakeGroup, Limit, chat_member_json, max_in_window, retry_after_seconds, wait_for_slot

Json = dict[str, Any]
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "message_ids",
    "reply_parameters",
    "link_preview_options",
    "entities",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class FakeMessage:
    message_id: int
    chat_id: int
    from_bot: bool
    date: float
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: Json | None = None
    kind: str = "text"
    extra: Json = field(default_factory=dict)
    deleted: bool = False
    edits: list[str] = field(default_factory=list)
    reply_to: int | None = None  # the message this one replies to, in the same chat
    sender_id: int | None = None  # the user who wrote it (a group has many); None for the bot's


@dataclass
class Failure:
    method: str
    kind: str
    times: int
    retry_after: int
    chat_id: int | None
    text_contains: str | None = None  # only messages whose text holds this


class FakeUser:
    def __init__(self, api: FakeBotApi, user_id: int, first_name: str, language_code: str | None) -> None:
        self.api, self.id, self.first_name, self.language_code = api, user_id, first_name, language_code
        self.blocked = False

    def as_json(self) -> Json:
        data: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def _message(
        self,
        kind: str,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        **extra: Any,
    ) -> int:
        chat_id = self.id if chat_id is None else chat_id
        if reply_to is not None:
            self.api.find(chat_id, reply_to)  # a client can only reply to a message that is there
        message = self.api.add_message(
            chat_id, from_bot=False, text=text, kind=kind, extra=extra, reply_to=reply_to, sender_id=self.id
        )
        payload = self.api.message_json(message)
        if text and text.startswith("/"):
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self.api.push_update({"message": payload})
        return message.message_id

    def send(self, text: str, reply_to: int | None = None) -> int:
        return self._message("text", text, reply_to=reply_to)

    def send_photo(self, file_size: int | None = None, content: bytes | None = None) -> int:
        """A picture sent in the private chat; its bytes (made up unless given) can be fetched with getFile."""
        unique = next(self.api.file_ids)
        content = content if content is not None else b"\x89PNG\r\n\x1a\n" + f"picture {unique}".encode() * 64
        self.api.files[f"photo{unique}"] = content
        file_size = len(content) if file_size is None else file_size
        photo = [
            {
                "file_id": f"photo{unique}",
                "file_unique_id": f"u{unique}",
                "width": 800,
                "height": 600,
                "file_size": file_size,
            }
        ]
        return self._message("photo", None, photo=photo)

    def send_other(self, kind: str, **fields: Any) -> int:
        """A message of another kind (``voice``, ``sticker``, ``location``…) carrying its Bot API fields."""
        extra: dict[str, Any] = {kind: fields}  # one Bot API field, never chat_id or reply_to
        return self._message(kind, None, **extra)

    def send_document(self, file_name: str, content: bytes, mime_type: str = "application/x-yaml") -> int:
        """A file sent in the private chat; the bot can fetch its bytes with getFile and the file URL."""
        unique = next(self.api.file_ids)
        file_id = f"doc{unique}"
        self.api.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{unique}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._message("document", None, document=document)

    def send_contact(self, phone_number: str, contact_user_id: int | None = None) -> int:
        contact = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.id if contact_user_id is None else contact_user_id,
        }
        return self._message("contact", None, contact=contact)

    def send_in_group(self, group_id: int, text: str, reply_to: int | None = None) -> int:
        """A message in a group the bot is in (negative id), as Telegram sends it; ``reply_to`` makes it a reply.

        The group is created (titled "Group") if the test has not created it; membership is neither
        checked nor changed.
        """
        self.api.group(group_id, "Group")
        return self._message("text", text, chat_id=group_id, reply_to=reply_to)

    def press(self, message_id: int, data: str, chat_id: int | None = None) -> str:
        """Press a button on a message in the private chat with this user, or in ``chat_id`` (a group)."""
        chat_id = self.id if chat_id is None else chat_id
        message = self.api.find(chat_id, message_id)
        query_id = f"cq{next(self.api.query_ids)}"
        self.api.open_queries.add(query_id)
        self.api.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.as_json(),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                    "message": self.api.message_json(message),
                }
            }
        )
        return query_id

    def block(self) -> None:
        self.blocked = True

    def unblock(self) -> None:
        self.blocked = False


class FakeBotApi:
    def __init__(self, token: str = "123456:TEST-TOKEN", bot_id: int = 123456, username: str = "report_test_bot"):
        self.token, self.bot_id, self.username = token, bot_id, username
        self.now: Callable[[], float] = time.time
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeGroup] = {}
        self.messages: dict[int, list[FakeMessage]] = {}
        self.updates: list[Json] = []
        self.delivered: list[Json] = []
        self._delivered_ids: set[int] = set()
        self.calls: list[tuple[str, Json]] = []
        self.commands: dict[tuple[str, str | None], list[Json]] = {}
        self.answered_callbacks: dict[str, Json] = {}
        self.open_queries: set[str] = set()
        self.failures: list[Failure] = []
        # Set when the bot changes what a chat shows (wait_for_chat): hundreds of simulated citizens
        # waiting each on its own chat cost nothing until theirs changes, where polling every 10 ms
        # made the test harness, not the bot, the bottleneck of a 200-citizen run.
        self._chat_changed: dict[int, asyncio.Event] = {}
        self.timeout_delay = 3.0
        self.webhook: Json | None = None
        self.delays: dict[str, float] = {}  # method -> seconds to hold the answer after applying it
        self.update_ids = itertools.count(1)
        self.query_ids = itertools.count(1)
        self.file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}  # file id -> content of files users sent
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Sending limits: (messages, seconds) in any sliding window; None switches one off.
        self.group_limit: Limit | None = (20, 60.0)
        self.global_limit: Limit | None = (30, 1.0)
        self.private_limit: Limit | None = None
        self.monotonic: Callable[[], float] = time.monotonic
        self.sent_times: dict[int, list[float]] = {}  # chat id -> monotonic times of accepted sends
        self.all_sent_times: list[float] = []
        self.limit_violations = 0
        self.rate_limited: list[tuple[str, int]] = []  # (method, chat id) of each 429 the limits gave

    # ---- lifecycle -------------------------------------------------------------------------------
    async def start(self, port: int = 0) -> None:
        """Serve on ``port`` (a free one when 0): a bot started before its API can be given the port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._no_files)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---- users and state --------------------------------------------------------------------------
    def user(self, user_id: int, first_name: str = "Test", language_code: str | None = "en") -> FakeUser:
        self.users.setdefault(user_id, FakeUser(self, user_id, first_name, language_code))
        return self.users[user_id]

    def group(self, chat_id: int, title: str = "Queue") -> FakeGroup:
        """The supergroup ``chat_id`` (negative) the bot is in, created on first use."""
        if chat_id not in self.groups:
            self.groups[chat_id] = FakeGroup(self, chat_id, title)
        return self.groups[chat_id]

    def is_group(self, chat_id: int) -> bool:
        return chat_id in self.groups or chat_id < 0

    def bot_json(self) -> Json:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Report bot", "username": self.username}

    def add_message(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        text: str | None,
        kind: str = "text",
        extra: Json | None = None,
        parse_mode: str | None = None,
        reply_markup: Json | None = None,
        reply_to: int | None = None,
        sender_id: int | None = None,
    ) -> FakeMessage:
        chat = self.messages.setdefault(chat_id, [])
        message = FakeMessage(
            len(chat) + 1, chat_id, from_bot, self.now(), text, parse_mode, reply_markup, kind, extra or {}
        )
        message.reply_to, message.sender_id = reply_to, sender_id
        chat.append(message)
        return message

    def chat_json(self, chat_id: int) -> Json:
        if chat_id in self.groups:
            return self.groups[chat_id].chat_json()
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Group"}
        user = self.users.get(chat_id)
        return {"id": chat_id, "type": "private", "first_name": user.first_name if user else "User"}

    def user_json(self, user_id: int) -> Json:
        if user_id == self.bot_id:
            return self.bot_json()
        user = self.users.get(user_id)
        return user.as_json() if user else {"id": user_id, "is_bot": False, "first_name": "User"}

    def message_json(self, message: FakeMessage, sender: Json | None = None, nested: bool = False) -> Json:
        """The Message object; ``reply_to_message`` one level deep, as Telegram gives it."""
        if sender is None:
            author = message.chat_id if message.sender_id is None else message.sender_id
            sender = self.bot_json() if message.from_bot else self.user_json(author)
        data: Json = {
            "message_id": message.message_id,
            "date": int(message.date),
            "chat": self.chat_json(message.chat_id),
            "from": sender,
        }
        if message.text is not None:
            data["text"] = message.text
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        data.update(message.extra)
        replied = None if nested else self._live(message.chat_id, message.reply_to)
        if replied is not None:
            data["reply_to_message"] = self.message_json(replied, nested=True)
        return data

    def push_update(self, body: Json) -> None:
        self.updates.append({"update_id": next(self.update_ids), **body})
        self._arrived.set()

    def redeliver(self, update_id: int) -> None:
        """Queue an already-delivered update again, as Telegram does when its receipt was never confirmed."""
        original = next(u for u in self.delivered if u["update_id"] == update_id)
        self.updates.append(original)
        self._arrived.set()

    def find(self, chat_id: int, message_id: int) -> FakeMessage:
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message not found")

    def _live(self, chat_id: int, message_id: int | None) -> FakeMessage | None:
        """The message if it is there and not deleted."""
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def chat(self, chat_id: int) -> list[FakeMessage]:
        return list(self.messages.get(chat_id, []))

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[FakeMessage]:
        return [m for m in self.chat(chat_id) if m.from_bot and (include_deleted or not m.deleted)]

    def max_in_window(self, chat_id: int, window: float = 60.0) -> int:
        """The most messages the bot got accepted into ``chat_id`` within any ``window`` seconds."""
        return max_in_window(self.sent_times.get(chat_id, []), window)

    def fail_next(
        self,
        method: str,
        kind: str,
        times: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
        text_contains: str | None = None,
    ) -> None:
        self.failures.append(Failure(method, kind, times, retry_after, chat_id, text_contains))

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                recent = "\n".join(f"  {name} {json.dumps(p, ensure_ascii=False)[:300]}" for name, p in self.calls[-8:])
                raise AssertionError(f"condition not met within {within}s; recent calls:\n{recent}")
            await asyncio.sleep(0.01)

    async def wait_for_chat(self, chat_id: int, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """``wait_for`` for a predicate on one chat's messages: checked again only when the bot changed
        something in that chat (and every half second, for what else it may read)."""
        deadline = time.monotonic() + within
        while True:
            event = self._chat_changed.setdefault(chat_id, asyncio.Event())
            event.clear()
            if predicate():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"chat {chat_id}: condition not met within {within}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.5))

    def _changed(self, chat: object) -> None:
        with contextlib.suppress(TypeError, ValueError):
            event = self._chat_changed.get(int(chat))  # type: ignore[call-overload]
            if event is not None:
                event.set()

    # ---- HTTP -------------------------------------------------------------------------------------
    async def _no_files(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.calls.append(("getFileContent", {"path": path}))
        content = self.files.get(path.removeprefix("documents/"))
        if request.match_info["token"] != self.token or content is None:
            return web.Response(status=404)
        return web.Response(body=content)

    async def _params(self, request: web.Request) -> Json:
        params: Json = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
                # Uploaded files, as (file name, bytes): what the bot sent, for the test to read.
                uploads = {k: (v.filename, v.file.read()) for k, v in form.items() if isinstance(v, web.FileField)}
                if uploads:
                    params["_uploads"] = uploads
        for key in list(params):
            if key in JSON_FIELDS and isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        try:
            await self._inject(method, params)
            handler = getattr(self, f"m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
            self._changed(params.get("chat_id"))
            if self.delays.get(method):
                await asyncio.sleep(self.delays[method])  # applied, but the answer is late
        except ApiError as exc:
            body: Json = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _inject(self, method: str, params: Json) -> None:
        chat_id = _int(params.get("chat_id"))
        for failure in self.failures:
            if failure.text_contains is not None and failure.text_contains not in str(params.get("text", "")):
                continue
            if failure.method == method and failure.times > 0 and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.kind == "429":
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {failure.retry_after}",
                        {"retry_after": failure.retry_after},
                    )
                if failure.kind == "timeout":
                    await asyncio.sleep(self.timeout_delay)
                    return
                if failure.kind == "hang":  # no answer for a long while, then a failure: nothing was sent
                    await asyncio.sleep(self.timeout_delay)
                    raise ApiError(502, "Bad Gateway")
                if failure.kind == "403":
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                raise ApiError(int(failure.kind), "Internal Server Error")
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is not None and user.blocked and method != "answerCallbackQuery":
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    # ---- methods ----------------------------------------------------------------------------------
    async def m_getMe(self, params: Json) -> Json:
        return {
            **self.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def m_deleteWebhook(self, params: Json) -> bool:
        self.webhook = None
        return True

    async def m_setWebhook(self, params: Json) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = params
        return True

    async def m_getUpdates(self, params: Json) -> list[Json]:
        offset = _int(params.get("offset")) or 0
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self.updates and timeout > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        limit = _int(params.get("limit")) or 100
        batch = self.updates[:limit]
        fresh = [u for u in batch if u["update_id"] not in self._delivered_ids]
        self._delivered_ids.update(u["update_id"] for u in fresh)
        self.delivered.extend(fresh)
        return batch

    def _chat_exists(self, chat_id: int | None) -> int:
        if chat_id is None or (chat_id not in self.messages and chat_id not in self.groups):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _admit(self, method: str, chat_id: int) -> None:
        """429 when one more message into ``chat_id`` now would break a sending limit."""
        now = self.monotonic()
        chat_limit = self.group_limit if self.is_group(chat_id) else self.private_limit
        wait = max(
            wait_for_slot(self.sent_times.get(chat_id, []), chat_limit, now),
            wait_for_slot(self.all_sent_times, self.global_limit, now),
        )
        if wait > 0:
            self.limit_violations += 1
            self.rate_limited.append((method, chat_id))
            seconds = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    def _count_sent(self, chat_id: int) -> None:
        now = self.monotonic()
        self.sent_times.setdefault(chat_id, []).append(now)
        self.all_sent_times.append(now)

    def _reply_to(self, chat_id: int, params: Json) -> int | None:
        """The message a send replies to (``reply_parameters`` or the older ``reply_to_message_id``)."""
        reply = params.get("reply_parameters") or {}
        message_id = _int(reply.get("message_id")) if reply else _int(params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if self._live(chat_id, message_id) is not None:
            return message_id
        if _bool(reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")

    def _check_text(self, text: str, parse_mode: str | None) -> str:
        """The text as shown to the reader; 400 when Telegram would refuse it."""
        visible = text
        if parse_mode == "HTML":
            try:
                visible = visible_text(text)
            except EntityError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return visible

    def _check_markup(self, markup: Json | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def m_sendMessage(self, params: Json) -> Json:
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        text, mode = str(params.get("text", "")), params.get("parse_mode")
        visible = self._check_text(text, mode)  # link_preview_options and disable_web_page_preview change nothing
        self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        self._admit("sendMessage", chat_id)
        message = self.add_message(
            chat_id,
            from_bot=True,
            text=visible,
            parse_mode=mode,
            reply_markup=params.get("reply_markup"),
            reply_to=reply_to,
        )
        self._count_sent(chat_id)
        return self.message_json(message)

    def _bot_message(self, params: Json) -> FakeMessage:
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        try:
            message = self.find(chat_id, _int(params.get("message_id")) or 0)
        except ApiError:
            raise ApiError(400, "Bad Request: message to edit not found") from None
        if message.deleted or not message.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def m_editMessageText(self, params: Json) -> Json:
        message = self._bot_message(params)
        text, mode, markup = str(params.get("text", "")), params.get("parse_mode"), params.get("reply_markup")
        text = self._check_text(text, mode)
        self._check_markup(markup)
        if text == message.text and markup == message.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.edits.append(message.text or "")
        message.text, message.parse_mode, message.reply_markup = text, mode, markup
        return self.message_json(message, sender=self.bot_json())

    async def m_editMessageReplyMarkup(self, params: Json) -> Json:
        message = self._bot_message(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.reply_markup = markup
        return self.message_json(message, sender=self.bot_json())

    def _delete(self, chat_id: int, message_id: int) -> None:
        try:
            message = self.find(chat_id, message_id)
        except ApiError:
            raise ApiError(400, "Bad Request: message to delete not found") from None
        if message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if self.now() - message.date > 48 * 3600:
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True

    async def m_deleteMessage(self, params: Json) -> bool:
        self._delete(self._chat_exists(_int(params.get("chat_id"))), _int(params.get("message_id")) or 0)
        return True

    async def m_deleteMessages(self, params: Json) -> bool:
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        ids = [int(i) for i in params.get("message_ids", [])]
        if not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must contain 1-100 items")
        for message_id in ids:  # like Telegram: messages that cannot be deleted are skipped
            with contextlib.suppress(ApiError):
                self._delete(chat_id, message_id)
        return True

    async def m_answerCallbackQuery(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.open_queries.discard(query_id)
        self.answered_callbacks[query_id] = params
        return True

    async def m_setMyCommands(self, params: Json) -> bool:
        for command in params.get("commands", []):
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        given = params.get("scope") or {}
        scope = str(given.get("type", "default"))
        if scope == "chat":  # one menu per chat: keyed by the chat too
            scope = f"chat:{given.get('chat_id')}"
        self.commands[(scope, params.get("language_code") or None)] = list(params.get("commands", []))
        return True

    async def m_sendChatAction(self, params: Json) -> bool:
        return True

    async def m_getFile(self, params: Json) -> Json:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def m_getChatMember(self, params: Json) -> Json:
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        user_id = _int(params.get("user_id"))
        if user_id is None:
            raise ApiError(400, "Bad Request: invalid user_id specified")
        if chat_id in self.groups:
            return chat_member_json(self.user_json(user_id), self.groups[chat_id].status(user_id))
        if user_id in (chat_id, self.bot_id):  # a private chat holds the user and the bot
            return chat_member_json(self.user_json(user_id), "member")
        raise ApiError(400, "Bad Request: user not found")

    def _record_only(self, method: str, params: Json) -> Json:
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        self._admit(method, chat_id)
        message = self.add_message(chat_id, from_bot=True, text=None, kind="forwarded")
        self._count_sent(chat_id)
        return self.message_json(message)

    async def m_forwardMessage(self, params: Json) -> Json:
        return self._record_only("forwardMessage", params)

    async def m_copyMessage(self, params: Json) -> Json:
        return self._record_only("copyMessage", params)

    async def m_sendPhoto(self, params: Json) -> Json:
        return self._record_only("sendPhoto", params)

    async def m_sendDocument(self, params: Json) -> Json:
        """A document the bot uploads: its bytes go to ``files`` under the document's file_id (``extra``), and
        its caption is the message's text."""
        uploaded = (params.get("_uploads") or {}).get("document")
        if uploaded is None:
            return self._record_only("sendDocument", params)
        chat_id = self._chat_exists(_int(params.get("chat_id")))
        self._admit("sendDocument", chat_id)
        name, content = uploaded
        caption = params.get("caption")
        unique = next(self.file_ids)
        self.files[f"sent{unique}"] = content  # the bytes, as the recipient could download them
        document = {"file_id": f"sent{unique}", "file_unique_id": f"u{unique}", "file_name": name}
        extra = {"document": {**document, "file_size": len(content)}, "caption": caption}
        message = self.add_message(
            chat_id, from_bot=True, text=caption, kind="document", extra=extra, parse_mode=params.get("parse_mode")
        )
        self._count_sent(chat_id)
        return self.message_json(message)


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() in {"true", "1"}


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
