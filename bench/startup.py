"""Start-up: from launching ``main.py run`` to the bot's first reply, against the offline Bot API.

    python bench/startup.py [--runs N]

A citizen's /start is already waiting when the process starts (as after a restart during a busy
hour), so the figure covers interpreter start, imports, opening the database, publishing the flow
on first run, registering commands and answering. Prints each run and the median; the first run
creates the database, the others reuse it. Also prints the time to import the package alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakeapi.server import FakeBotApi  # noqa: E402

TOKEN = "123456:TEST-TOKEN"


async def one_run(db: Path, user_id: int) -> float:
    api = FakeBotApi()
    await api.start()
    # A new user each run: a fresh offline API numbers its updates from 1 again, and the bot rightly
    # skips update ids it has already handled for a chat.
    citizen = api.user(user_id, language_code="en")
    citizen.send("/start")
    env = {**os.environ, "BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": api.base_url, "DATABASE_PATH": str(db)}
    env["LOG_LEVEL"] = "WARNING"
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "run", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await api.wait_for(lambda: bool(api.bot_messages(user_id)), within=60)
        return time.monotonic() - started
    finally:
        process.terminate()
        await process.wait()
        await api.stop()


def import_time() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import bot.telegram.app"], cwd=ROOT, check=True)
    return time.monotonic() - started


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.sqlite3"
        times = []
        for n in range(runs):
            seconds = await one_run(db, n + 1)
            times.append(seconds)
            print(f"run {n + 1}{' (new database)' if n == 0 else ''}: first reply after {seconds * 1000:.0f} ms")
    print(f"median of {runs}: {statistics.median(times) * 1000:.0f} ms (goal: at most 1000 ms)")
    print(f"python -c 'import bot.telegram.app' alone: {import_time() * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="how many starts to time (default 5)")
    asyncio.run(main(parser.parse_args().runs))
