"""BOT_PROXY and the standard proxy variables carry the Bot API traffic (issue 16): agency networks and
throttled links in Pakistan often allow the internet only through a proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.config import ConfigError, load_settings
from bot.telegram.http import AiohttpRequest
from testing.fakeapi.server import FakeBotApi

TOKEN = "123456:TEST-TOKEN"
NO_DOTENV = Path("/nonexistent/.env")


class ForwardingProxy:
    """An HTTP proxy in the plainest sense: it takes absolute-form requests and forwards them."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        target = str(request.url)  # absolute-form: the proxy sees the whole URL it is asked for
        self.seen.append(target)
        async with (
            aiohttp.ClientSession(trust_env=False) as session,
            session.request(request.method, target, data=await request.read(), headers={
                "Content-Type": request.headers.get("Content-Type", "")
            }) as answer,
        ):  # fmt: skip
            return web.Response(status=answer.status, body=await answer.read(), content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[ForwardingProxy]:
    server = ForwardingProxy()
    await server.start()
    yield server
    await server.stop()


async def get_me(client: AiohttpRequest, api: FakeBotApi) -> int:
    await client.initialize()
    try:
        status, _ = await client.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")
        return status
    finally:
        await client.shutdown()


@pytest.mark.parametrize("how", ["BOT_PROXY", "HTTP_PROXY"])
async def test_bot_api_calls_go_through_the_proxy(
    api: FakeBotApi, proxy: ForwardingProxy, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    if how == "HTTP_PROXY":
        monkeypatch.setenv("HTTP_PROXY", proxy.url)  # as PTB's own client would honour it
        client = AiohttpRequest(1)
    else:
        settings = load_settings({"BOT_TOKEN": TOKEN, "BOT_PROXY": proxy.url}, NO_DOTENV)
        client = AiohttpRequest(1, proxy=settings.bot_proxy)
    assert await get_me(client, api) == 200
    assert proxy.seen == [f"{api.base_url}{TOKEN}/getMe"]
    assert [c[0] for c in api.calls] == ["getMe"]


async def test_no_proxy_means_a_direct_call(
    api: FakeBotApi, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert await get_me(AiohttpRequest(1), api) == 200
    assert proxy.seen == []


async def test_no_proxy_names_a_host_the_proxy_variables_do_not_apply_to(
    api: FakeBotApi, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTPS_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert await get_me(AiohttpRequest(1), api) == 200
    assert proxy.seen == []


async def test_the_proxy_variables_are_read_once_not_on_every_call(
    api: FakeBotApi, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp's ``trust_env`` reads them (and ~/.netrc) in a worker thread on every request; the client
    reads them on its first call to a host and keeps them, as the environment of a running bot is fixed."""
    for name in ("HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = AiohttpRequest(1)
    await client.initialize()
    try:
        for _ in range(2):
            status, _ = await client.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")
            assert status == 200
            monkeypatch.delenv("HTTP_PROXY", raising=False)  # no longer read: the second call still goes through it
    finally:
        await client.shutdown()
    assert len(proxy.seen) == 2


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "proxy.example.org:3128"])
def test_a_proxy_the_client_cannot_use_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="BOT_PROXY must be an http:// or https:// proxy URL"):
        load_settings({"BOT_TOKEN": TOKEN, "BOT_PROXY": value}, NO_DOTENV)
