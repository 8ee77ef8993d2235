"""The desk served in the bot's own event loop by uvicorn, started and stopped with the application.

uvicorn's ``Server.serve`` takes over SIGINT and SIGTERM while it runs; here the bot's application
owns the signals and stops the desk in its shutdown, so ``capture_signals`` is a no-op. Access logs
are off: an address names a case, and the audit records who opened which one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from bot.config import ConfigError

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class DeskServer:
    def __init__(self, app: ASGIApp, listen: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=listen,
            port=port,
            lifespan="off",
            access_log=False,
            log_config=None,
            server_header=False,
            proxy_headers=True,  # the client's address from the reverse proxy, for the logs
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.listen, self.port = listen, port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="desk")
        while not self._server.started:
            if self._task.done():
                # uvicorn logged why (port taken, address wrong) and ended its task with SystemExit.
                with contextlib.suppress(SystemExit):
                    self._task.result()
                raise ConfigError(f"the desk could not listen on {self.listen}:{self.port} (DESK_LISTEN, DESK_PORT)")
            await asyncio.sleep(0.01)
        sockets = [s for server in self._server.servers for s in server.sockets]
        if sockets:
            self.port = sockets[0].getsockname()[1]  # the real one when 0 was asked (tests)
        log.info("desk: serving on %s:%d", self.listen, self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, STOP_SECONDS)
        except (TimeoutError, asyncio.CancelledError, SystemExit):
            self._task.cancel()
        self._task = None
