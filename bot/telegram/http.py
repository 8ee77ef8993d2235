"""The bot's HTTP client for the Bot API: aiohttp under python-telegram-bot's ``BaseRequest``.

PTB's own client is httpx. Measured against the offline Bot API in another process, a sendMessage
cost the bot 2.4-3.2 ms of CPU through httpx and 0.5-0.8 ms through aiohttp (``bench/http_client.py``):
httpcore checks every pooled connection (a getpeername() and a poll() each) and every queued
request whenever a request starts or ends. Every update costs two or three Bot API calls, so this
is most of the difference between the bot and a bare echo bot.

PTB documents ``BaseRequest`` for exactly this; it maps status codes and Telegram's answers to
exceptions itself. Here only transport failures are mapped: a timeout to ``TimedOut``, anything
else to ``NetworkError``, as PTB's httpx client does.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from urllib.parse import urlencode

import aiohttp
import certifi
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from .display import for_bot_api

HTTP_CONNECTIONS = 64
POOL_WAIT_SECONDS = 30.0


def http_requests(proxy: str | None = None) -> tuple[BaseRequest, BaseRequest]:
    """The bot's two HTTP clients (API calls, long polling), sharing one TLS context: loading a CA
    bundle takes about 40 ms, once per context, at every start (``tls_context``).

    Telegram takes about 30 messages a second from a bot, which HTTP_CONNECTIONS connections carry
    at any round trip time. In a burst, calls wait for a free connection rather than fail.
    """
    tls = tls_context()
    calls = AiohttpRequest(HTTP_CONNECTIONS, tls=tls, pool_timeout=POOL_WAIT_SECONDS, proxy=proxy)
    updates = AiohttpRequest(1, tls=tls, proxy=proxy)
    return calls, updates


def tls_context() -> ssl.SSLContext | None:
    """None where the system has CA certificates: aiohttp's default context, which it builds from them
    when it is imported, so a start does not load a bundle twice (~35 ms each). Where it has none (a
    slim container may not), Mozilla's bundle from certifi, as httpx uses."""
    paths = ssl.get_default_verify_paths()
    if (paths.cafile and os.path.isfile(paths.cafile)) or (paths.capath and _has_files(paths.capath)):
        return None
    return ssl.create_default_context(cafile=certifi.where())


def _has_files(directory: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return any(entry.is_file() for entry in entries)
    except OSError:
        return False


class AiohttpRequest(BaseRequest):
    """At most ``connections`` requests at once over kept-alive connections; more wait for a free one
    for up to ``pool_timeout`` seconds. Timeouts as PTB's: per request, or these defaults."""

    def __init__(
        self,
        connections: int,
        *,
        tls: ssl.SSLContext | None = None,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        proxy: str | None = None,
    ) -> None:
        self._connections = connections
        # BOT_PROXY, else the standard HTTPS_PROXY / HTTP_PROXY / NO_PROXY variables (``_proxy_for``), as
        # PTB's own httpx client honours them: agency networks and throttled links often need one.
        self._proxy = proxy
        self._env_proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}  # by scheme and host
        self._tls = tls
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # Made here, not in __init__: a session belongs to the event loop that runs the bot.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, ssl=self._tls or True)
            # Not ``trust_env``: with it aiohttp reads ~/.netrc and the proxy variables in a worker thread
            # on every request, two thread hops a call (about a fifth of the bot's CPU at 200 updates/s, issue 21).
            # The variables are read once per host instead (``_proxy_for``); netrc logins are not used.
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        # aiohttp's ``connect`` covers waiting for a pooled connection and opening one; it has no
        # write timeout: Bot API bodies here are small forms, sent in one go.
        waiting = None if connect is None or pool is None else connect + pool
        timeout = aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect, sock_read=read)
        try:
            proxy, proxy_auth = (self._proxy, None) if self._proxy is not None else await self._proxy_for(url)
            body = _body(request_data)
            headers = _FORM if isinstance(body, bytes) else None
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=proxy, proxy_auth=proxy_auth
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors (and ClientErrors): first
            raise TimedOut from exc
        except (aiohttp.ClientError, OSError) as exc:
            # PTB logs this message (e.g. "Error while getting Updates"); the URL holds the bot token.
            detail = str(exc).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {detail}") from exc

    async def _proxy_for(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and a proxy's login in ~/.netrc) for this URL's scheme and
        host, as aiohttp's ``trust_env`` reads them, read once: the environment does not change under a
        running bot, and every call goes to one or two hosts."""
        end = url.find("/", url.find("//") + 2)
        origin = url if end < 0 else url[:end]
        known = self._env_proxies.get(origin)
        if known is None:
            known = await asyncio.to_thread(_env_proxy, url)
            self._env_proxies[origin] = known
        return known


def _env_proxy(url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    try:
        return get_env_proxy_for_url(URL(url))
    except (LookupError, ValueError):
        # None set for this scheme, or NO_PROXY names the host; or a malformed URL, which aiohttp's own
        # request then refuses as a NetworkError.
        return None, None


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _seconds(given: object, default: float | None) -> float | None:
    """A timeout PTB passed (seconds or None for none), or ours when it passed its DEFAULT_NONE marker."""
    if given is None or isinstance(given, int | float):
        return None if given is None else float(given)
    return default


def _body(request_data: RequestData | None) -> bytes | aiohttp.FormData | None:
    """Form fields as PTB encodes them, URL-encoded here; with files, a multipart form carrying each
    file's name and type. The plain form is encoded by hand: aiohttp turns a dict into a FormData, whose
    multipart writer draws a random boundary (a uuid4: a system call) for every call, multipart or not."""
    if request_data is None:
        return None
    fields = for_bot_api(request_data.json_parameters)  # Urdu texts made bidi-safe on their way out
    files = request_data.multipart_data if request_data.contains_files else {}
    if not files:
        return urlencode(fields).encode()
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
