"""bot/telegram/http.py: the aiohttp client under PTB, against a small HTTP server on 127.0.0.1.

The e2e tests send every Bot API call of the bot through it; these pin what they cannot reach:
timeouts and refused connections become PTB's TimedOut and NetworkError, files go as a multipart
form, and no more requests than connections are ever open at once.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import AiohttpRequest, tls_context

TOKEN = "123456:TEST-TOKEN"


class Server:
    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []
        self.open = 0
        self.most_open = 0
        self.delay = 0.0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await asyncio.sleep(self.delay)
            form = await request.post()
            fields: dict[str, object] = {}
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    fields[name] = (value.filename, value.content_type, value.file.read())
                else:
                    fields[name] = value
            self.seen.append({"method": request.match_info["method"], **fields})
            if request.match_info["method"] == "getMe":
                me = {"id": 123456, "is_bot": True, "first_name": "Test", "username": "test_bot"}
                return web.json_response({"ok": True, "result": me})
            if fields.get("chat_id") == "400":
                answer = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
                return web.json_response(answer, status=400)
            return web.json_response({"ok": True, "result": True})
        finally:
            self.open -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/bot{TOKEN}"


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    s = Server()
    await s.start()
    try:
        yield s
    finally:
        assert s.runner is not None
        await s.runner.cleanup()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(4, read_timeout=2.0)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def form(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


async def test_fields_arrive_as_ptb_encodes_them_and_the_answer_comes_back(
    server: Server, client: AiohttpRequest
) -> None:
    status, body = await client.do_request(
        f"{server.url}/sendMessage", "POST", form(chat_id=7, text="Salam <b>&</b>", reply_markup={"a": [1]})
    )

    assert status == 200 and body == b'{"ok": true, "result": true}'
    assert server.seen == [
        {"method": "sendMessage", "chat_id": "7", "text": "Salam <b>&</b>", "reply_markup": '{"a": [1]}'}
    ]


async def test_urdu_texts_leave_bidi_safe_and_only_they_change(server: Server, client: AiohttpRequest) -> None:
    """The transport is the one place every message passes: Urdu lines get their isolates there."""
    keyboard = {"inline_keyboard": [[{"text": "رپورٹ NCCIA کو بھیجیں", "callback_data": "x"}]]}
    sent = form(chat_id=7, text="کال کریں: <b>0800-39393</b>", parse_mode="HTML", reply_markup=keyboard)
    await client.do_request(f"{server.url}/sendMessage", "POST", sent)
    seen = server.seen[-1]
    assert seen["text"] == "کال کریں: <b>\u20660800-39393\u2069</b>"
    assert "رپورٹ \u2066NCCIA\u2069 کو بھیجیں" in str(seen["reply_markup"])


async def test_through_a_bot_telegrams_errors_are_ptbs_exceptions(server: Server) -> None:
    # The status and body reach PTB, which turns Telegram's answer into its exception.
    async with Bot(TOKEN, base_url=server.url.removesuffix(TOKEN), request=AiohttpRequest(2)) as bot:
        with pytest.raises(BadRequest, match="hat not found"):
            await bot.send_message(400, "hello")


async def test_a_file_goes_as_a_multipart_part_with_its_name_and_type(server: Server, client: AiohttpRequest) -> None:
    upload = InputFile(b"%PDF-1.4 evidence", filename="notes.pdf")
    status, _ = await client.do_request(f"{server.url}/sendDocument", "POST", form(chat_id=7, document=upload))

    assert status == 200
    (seen,) = server.seen
    assert seen["chat_id"] == "7"
    parts = [v for v in seen.values() if isinstance(v, tuple)]
    assert parts == [("notes.pdf", "application/pdf", b"%PDF-1.4 evidence")]


async def test_a_slow_answer_is_a_timeout(server: Server, client: AiohttpRequest) -> None:
    server.delay = 1.0

    with pytest.raises(TimedOut):
        await client.do_request(f"{server.url}/getMe", "POST", read_timeout=0.1)


async def test_the_default_read_timeout_applies_when_ptb_passes_its_marker(server: Server) -> None:
    server.delay = 1.0
    request = AiohttpRequest(1, read_timeout=0.1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{server.url}/getMe", "POST", read_timeout=BaseRequest.DEFAULT_NONE)
        status, _ = await request.do_request(f"{server.url}/getMe", "POST", read_timeout=None)  # None: no limit
        assert status == 200
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error_not_a_timeout(client: AiohttpRequest) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed

    with pytest.raises(NetworkError) as caught:
        await client.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    assert not isinstance(caught.value, TimedOut)


async def test_no_more_requests_than_connections_are_open_at_once(server: Server, client: AiohttpRequest) -> None:
    server.delay = 0.05

    await asyncio.gather(*(client.do_request(f"{server.url}/getMe", "POST") for _ in range(20)))

    assert len(server.seen) == 20
    assert server.most_open == 4


async def test_using_it_before_initialize_or_after_shutdown_is_an_error(server: Server) -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{server.url}/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{server.url}/getMe", "POST")


async def test_a_transport_error_does_not_carry_the_token_into_ptbs_logs(client: AiohttpRequest) -> None:
    url = f"http://[::1:0/bot{TOKEN}/getMe"  # a malformed base URL: aiohttp's error quotes the whole URL

    with pytest.raises(NetworkError) as caught:
        await client.do_request(url, "POST")
    assert TOKEN not in str(caught.value)


def test_tls_uses_aiohttp_s_context_where_the_system_has_cas_and_certifi_where_it_has_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    system = ssl.DefaultVerifyPaths(str(bundle), str(tmp_path / "none"), "SSL_CERT_FILE", "", "SSL_CERT_DIR", "")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: system)
    assert tls_context() is None  # aiohttp's default context, built from the system's CAs at import
    bare = ssl.DefaultVerifyPaths("", str(tmp_path / "none"), "SSL_CERT_FILE", "", "SSL_CERT_DIR", "")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: bare)
    context = tls_context()
    assert context is not None and context.cert_store_stats()["x509_ca"] > 100  # Mozilla's bundle, loaded
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
