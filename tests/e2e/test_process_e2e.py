"""The real ``main.py run`` process against the offline Bot API: killed with SIGKILL and restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from testing.citizens import Citizen
from testing.fakeapi.server import FakeBotApi
from testing.seeding import seed_cases
from tests.conftest import ROOT

TOKEN = "123456:TEST-TOKEN"


async def start_bot(api: FakeBotApi, db: Path, **extra: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(db),
        "LOG_LEVEL": "WARNING",
        "STATUS_PORT": "0",
        **extra,
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
        assert c.texts()[-1].startswith("Are you under 18")
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


GROUPS = {"punjab": -1001, "sindh": -1002, "undisclosed": -1003}


def in_flight(db: Path) -> int:
    """Deliveries the killed process had started but not recorded as sent."""
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE state = 'sending'").fetchone()[0])


async def test_a_kill_during_a_burst_loses_no_case_and_duplicates_at_most_those_in_flight(
    api: FakeBotApi, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    placed = await seed_cases(db, 240, tuple(GROUPS))
    for chat_id in GROUPS.values():
        api.group(chat_id)
    api.delays["sendMessage"] = 0.4  # Telegram has shown the message; its answer is still on the way
    queues = ",".join(f"{key}={chat}" for key, chat in GROUPS.items())

    def group_messages() -> int:
        return sum(len(api.bot_messages(c)) for c in GROUPS.values())

    process = await start_bot(api, db, FOCAL_QUEUES=queues)
    try:
        await api.wait_for(lambda: group_messages() >= 2, within=30)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        flying = in_flight(db)
        before_restart = group_messages()
        process = await start_bot(api, db, FOCAL_QUEUES=queues)

        def shown() -> dict[str, int]:
            counts = dict.fromkeys(placed, 0)
            for queue, chat_id in GROUPS.items():
                for message in api.bot_messages(chat_id):
                    for reference in placed:
                        if reference in (message.text or ""):
                            assert placed[reference] == queue, f"{reference} shown in the wrong queue"
                            counts[reference] += 1
            return counts

        await api.wait_for(lambda: all(shown().values()), within=60)
        await asyncio.sleep(1.0)  # anything still to come would be a duplicate
        duplicates = sum(n - 1 for n in shown().values())
        print(
            f"\nburst of {len(placed)} cases, killed after {before_restart} group messages: "
            f"{flying} deliveries in flight at the kill, {duplicates} duplicates after restart"
        )
        assert flying > 0, "the kill came when nothing was in flight; the test proves nothing"
        assert duplicates <= flying
        assert api.limit_violations == 0
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
