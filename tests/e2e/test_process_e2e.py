"""The real ``main.py run`` process against the offline Bot API: killed with SIGKILL and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.citizens import Citizen
from tests.fakeapi.server import FakeBotApi

TOKEN = "123456:TEST-TOKEN"


async def start_bot(api: FakeBotApi, db: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(db),
        "LOG_LEVEL": "WARNING",
    }
    before = len([c for c in api.calls if c[0] == "getUpdates"])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    # Ready once it polls.
    await api.wait_for(lambda: len([c for c in api.calls if c[0] == "getUpdates"]) > before, within=30)
    return process


async def test_killed_process_restarts_and_the_citizen_continues(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    process = await start_bot(api, db)
    try:
        c = Citizen(api, 2001, "en")
        await c.says("/start")
        await c.taps("English")
        await c.taps("For myself")
        assert c.texts()[-1].startswith("Is the person this happened to under 18")
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert process.returncode == -signal.SIGKILL
        process = await start_bot(api, db)
        await c.taps("No")
        assert c.texts()[-1].startswith("In your own words")
        await c.says("It started after I refused his proposal.")
        assert c.texts()[-1].startswith("Which of these is closest")
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
