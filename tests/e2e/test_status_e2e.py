"""/healthz, /metrics and /health from the real ``main.py run`` after an end-to-end report; a failed
delivery moves its metric; start-up waits for a Bot API that is not there yet (issue 16)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.store.memory.store import MemoryStore
from bot.store.records import ChatState
from bot.telegram import metrics
from bot.telegram.status import status_app
from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi
from testing.instances import free_port
from tests.conftest import ROOT

TOKEN = "123456:TEST-TOKEN"
ADMIN = 7001
PUNJAB = -1001
# Every metric the README lists, by the name a scraper sees.
NAMES = (
    "bot_updates_total",
    "bot_update_seconds",
    "bot_handler_errors_total",
    "bot_api_errors_total",
    "bot_api_retry_after_total",
    "bot_api_last_success_timestamp_seconds",
    "bot_deliveries",
    "bot_delivery_failures_total",
    "bot_cases_overdue_unclaimed",
    "bot_sessions_open",
    "bot_store_up",
    "bot_start_time_seconds",
)


async def start_bot(api_url: str, db: Path, status_port: int) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "DATA_KEY", "ADMIN_"))},
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api_url,
        "DATABASE_PATH": str(db),
        "ADMIN_IDS": str(ADMIN),
        "FOCAL_QUEUES": f"punjab={PUNJAB}",
        "STATUS_PORT": str(status_port),
        "LOG_FORMAT": "text",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format, or None when it is not there."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def test_health_metrics_and_a_failed_delivery_after_a_real_report(api: FakeBotApi, tmp_path: Path) -> None:
    api.group(PUNJAB)
    # The queue group refuses the bot, as when it was removed from the group: the case card waits, retried.
    api.fail_next("sendMessage", "403", times=5, chat_id=PUNJAB)
    port = free_port()
    process = await start_bot(api.base_url, tmp_path / "bot.sqlite3", port)
    try:
        await api.wait_for(lambda: any(c[0] == "getUpdates" for c in api.calls), within=30)
        reference = await report(Citizen(api, 2001, "en"), "Punjab")
        assert reference

        async def metrics_text() -> str:
            status, text = await get(port, "/metrics")
            assert status == 200
            return text

        deadline = time.monotonic() + 20
        text = await metrics_text()
        while sample(text, "bot_delivery_failures_total", destination="punjab", outcome="retry") != 1.0:
            assert time.monotonic() < deadline, "the refused card never showed in /metrics:\n" + text
            await asyncio.sleep(0.2)
            text = await metrics_text()
        for name in NAMES:
            assert re.search(rf"^# TYPE {name} ", text, re.MULTILINE), f"{name} missing from /metrics"
        assert sample(text, "bot_handler_errors_total", role="citizen") == 0.0  # there from the start, at 0
        assert sample(text, "bot_deliveries", destination="punjab", state="pending") == 1.0  # waiting, not lost
        assert (sample(text, "bot_api_errors_total", kind="forbidden") or 0) >= 1
        assert sample(text, "bot_updates_total", chat="private") == 16  # the whole report: 5 typed, 11 tapped
        assert sample(text, "bot_store_up") == 1.0
        assert sample(text, "bot_sessions_open") == 0.0  # the report was sent: no conversation is open
        # No chat id, no reference in a label (a float's digits may hold "2001": only a whole number counts).
        assert not re.search(r"(?<![\d.])2001(?![\d.])", text) and reference not in text

        status, body = await get(port, "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["database"] == "ok", body
        assert 0 <= health["bot_api_seconds_since_success"] < 30
        print(f"\n/healthz: {body}")
        print("\n".join(line for line in text.splitlines() if line.startswith(("bot_deliver", "bot_api_errors"))))

        admin = Citizen(api, ADMIN, "en")
        await admin.says("/health")
        said = "\n".join(admin.texts()[-1:])
        assert said.startswith("Everything is working.\nDatabase: answers.\nTelegram: the last call went through")
        assert "Messages waiting to go: 1; failed tries since the bot started: 1; given up: 0." in said
        assert "Reports being written now: 0." in said
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def test_start_up_waits_for_a_bot_api_that_is_not_there_yet(tmp_path: Path) -> None:
    """A network down at start costs warnings, not an exit with tracebacks; the bot starts once it is up."""
    api_port = free_port()
    process = await start_bot(f"http://127.0.0.1:{api_port}/bot", tmp_path / "bot.sqlite3", 0)
    api = FakeBotApi()
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while not any("could not be reached at start" in line for line in lines):
            line = await asyncio.wait_for(process.stderr.readline(), 20)
            assert line, "the bot exited instead of waiting:\n" + "".join(lines)
            lines.append(line.decode())
        assert process.returncode is None
        assert not any("Traceback" in line for line in lines)
        await api.start(api_port)
        await api.wait_for(lambda: any(c[0] == "getUpdates" for c in api.calls), within=30)
        c = Citizen(api, 2002, "en")
        await c.says("/start")
        assert c.texts()[-1].startswith("Welcome")
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
        await api.stop()
    assert process.returncode == 0


class BrokenStore(MemoryStore):
    async def chat_state(self, chat_key: str) -> ChatState | None:
        raise OSError("disk I/O error")


@pytest.mark.parametrize("broken", [False, True])
async def test_healthz_fails_when_the_database_does_not_answer(broken: bool) -> None:
    store = BrokenStore() if broken else MemoryStore()
    await store.open()
    settings = Settings(bot_token=TOKEN)
    metrics.api_succeeded()
    async with TestClient(TestServer(status_app(store, store.books().stats, settings))) as client:
        response = await client.get("/healthz")
        body = await response.json()
        metrics_response = await client.get("/metrics")
        text = await metrics_response.text()
    assert response.status == (503 if broken else 200)
    assert body["database"] == ("OSError" if broken else "ok")
    assert "disk I/O error" not in json.dumps(body)  # the kind of failure, never its message
    assert metrics_response.status == 200 and sample(text, "bot_store_up") == 1.0  # stats still answer
