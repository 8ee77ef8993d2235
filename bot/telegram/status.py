"""``GET /healthz`` and ``GET /metrics`` on STATUS_LISTEN:STATUS_PORT, in polling and webhook mode alike.

/healthz answers 200 when the event loop runs (it answers at all), the database answers within
``STORE_TIMEOUT``, and a Bot API call succeeded within HEALTH_API_SECONDS; else 503, with what failed,
as one JSON object a container's HEALTHCHECK or a load balancer reads. An idle webhook bot makes no
Bot API calls, so ``keep_alive`` asks getMe when nothing succeeded for a while.

/metrics reads the store's operational figures at each scrape (no report is decrypted) and renders
every metric of metrics.py. Nothing here is logged per request: a scrape every 15 s is no news.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram import Bot

from bot.cases.service_levels import overdue_before
from bot.config import Settings
from bot.logs import fault
from bot.store.base import Store
from bot.store.ports import Stats
from bot.store.records import Operational

from . import metrics

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

STORE_TIMEOUT = 5.0
PROBE_KEY = "health:probe"
KEEP_ALIVE_SECONDS = 60.0  # getMe after this long without a successful call


@dataclass(frozen=True, slots=True)
class Health:
    database: str  # "ok", or the kind of failure (never its message: it may name a file or a host)
    api_seconds: float | None  # since the last successful Bot API call; None before the first
    api_limit: float

    @property
    def api_ok(self) -> bool:
        return self.api_seconds is not None and self.api_seconds <= self.api_limit

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.api_ok

    def as_json(self) -> dict[str, object]:
        api = None if self.api_seconds is None else round(self.api_seconds, 1)
        return {
            "status": "ok" if self.ok else "failing",
            "database": self.database,
            "bot_api_seconds_since_success": api,
            "bot_api_limit_seconds": self.api_limit,
        }


async def check(store: Store, settings: Settings) -> Health:
    try:
        # A primary-key read of a key no chat has: every backend answers it, and cheaply.
        await asyncio.wait_for(store.chat_state(PROBE_KEY), STORE_TIMEOUT)
        database = "ok"
    except TimeoutError:
        database = "timeout"
    except Exception as exc:  # any failure of the database is "not healthy", named by its kind
        database = type(exc).__name__
    return Health(database, metrics.seconds_since_api_success(), float(settings.health_api_seconds))


async def figures(stats: Stats, settings: Settings, now: datetime | None = None) -> Operational | None:
    """The store's operational figures, with "overdue" as the SLA reminders judge it; None when the
    database did not answer in time."""
    before, before_priority = overdue_before(settings, now)
    try:
        return await asyncio.wait_for(stats.operational(before, before_priority), STORE_TIMEOUT)
    except Exception as exc:  # the scrape still answers, with the counters and bot_store_up 0
        log.warning("metrics: the database did not answer", extra=fault(exc))
        return None


async def refresh(stats: Stats, settings: Settings) -> bool:
    """The gauges read from the store; False (and bot_store_up 0) when it did not answer."""
    found = await figures(stats, settings)
    metrics.STORE_UP.set(0 if found is None else 1)
    if found is not None:
        metrics.show(found)
    return found is not None


def status_app(store: Store, stats: Stats, settings: Settings) -> web.Application:
    # aiohttp's server half is imported when the server starts, not with the bot: no first reply needs it.
    from aiohttp import web

    async def on_health(request: web.Request) -> web.StreamResponse:
        health = await check(store, settings)
        return web.json_response(health.as_json(), status=200 if health.ok else 503, dumps=json.dumps)

    async def on_metrics(request: web.Request) -> web.StreamResponse:
        await refresh(stats, settings)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", on_health, allow_head=False)
    app.router.add_get("/metrics", on_metrics, allow_head=False)
    return app


class StatusServer:
    """Started in the application's post_init (a running loop), stopped in its post_shutdown."""

    def __init__(self, store: Store, stats: Stats, settings: Settings) -> None:
        self.store, self.stats, self.settings = store, stats, settings
        self._runner: web.AppRunner | None = None
        self._keep_alive: asyncio.Task[None] | None = None

    async def start(self, bot: Bot) -> None:
        metrics.STARTED.set(time.time())
        self._keep_alive = asyncio.create_task(keep_alive(bot), name="keep-alive")
        if not self.settings.status_port:
            return
        from aiohttp import web

        runner = web.AppRunner(status_app(self.store, self.stats, self.settings), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.settings.status_listen, self.settings.status_port).start()
        except OSError as exc:  # the port taken: the bot still serves citizens; the operator is told
            await runner.cleanup()
            log.error(
                "status: cannot listen on %s:%d (%s); /healthz and /metrics are off",
                self.settings.status_listen,
                self.settings.status_port,
                exc.strerror,
            )
            return
        self._runner = runner
        log.info(
            "status: /healthz and /metrics on http://%s:%d", self.settings.status_listen, self.settings.status_port
        )

    async def stop(self) -> None:
        if self._keep_alive is not None:
            self._keep_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keep_alive
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def keep_alive(bot: Bot, every: float = KEEP_ALIVE_SECONDS) -> None:
    """getMe when no Bot API call succeeded for ``every`` seconds, so /healthz tells an idle bot from
    one Telegram cannot reach. Its failures are counted (metrics) and judged by /healthz, not logged."""
    while True:
        await asyncio.sleep(every / 4)
        since = metrics.seconds_since_api_success()
        if since is None or since >= every:
            with contextlib.suppress(Exception):
                await bot.get_me()
