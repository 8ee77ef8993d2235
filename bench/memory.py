"""Memory: the bot's resident size with many conversations open at once.

    python bench/memory.py [--sessions N]        (default 10000)

Runs ``main.py run`` against the offline Bot API, has N citizens each start a report and answer
its first question (so N unfinished sessions exist), then reads the process's RSS from
/proc/<pid>/status. Conversation state lives in SQLite, so RSS should hardly depend on N; the
figure after 10 citizens is printed for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing.fakeapi.server import FakeBotApi  # noqa: E402

TOKEN = "123456:TEST-TOKEN"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def open_sessions(api: FakeBotApi, first: int, count: int) -> None:
    """Each citizen: /start (the language question), then a tap on English (the safety note and the next question)."""
    for user_id in range(first, first + count):
        api.user(user_id, language_code="en").send("/start")
    await api.wait_for(lambda: all(api.bot_messages(u) for u in range(first, first + count)), within=900)
    for user_id in range(first, first + count):
        question = next(m for m in api.bot_messages(user_id) if m.reply_markup)
        button = question.reply_markup["inline_keyboard"][0][1]  # type: ignore[index]
        api.user(user_id).press(question.message_id, str(button["callback_data"]))
    await api.wait_for(lambda: all(len(api.bot_messages(u)) >= 3 for u in range(first, first + count)), within=900)


async def main(sessions: int) -> None:
    api = FakeBotApi()
    api.global_limit = None  # the bot's own overall limit is raised below; this measures memory, not Telegram
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(Path(tmp) / "bot.sqlite3"),
            "LOG_LEVEL": "WARNING",
            "OVERALL_MESSAGES_PER_SECOND": "100000",
            "FLOOD_MESSAGES_PER_MINUTE": "1000",
            "STATUS_PORT": "0",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "main.py", "run", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            await api.wait_for(lambda: any(name == "getUpdates" for name, _ in api.calls), within=60)
            idle = rss_mb(process.pid)
            await open_sessions(api, 1, 10)
            small = rss_mb(process.pid)
            started = time.monotonic()
            await open_sessions(api, 1000, sessions)
            elapsed = time.monotonic() - started
            await asyncio.sleep(2)
            large = rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()
    await api.stop()
    print(f"RSS idle after start-up:        {idle:6.1f} MB")
    print(f"RSS with 10 open sessions:      {small:6.1f} MB")
    print(f"RSS with {sessions} open sessions: {large:6.1f} MB (goal: at most 120 MB)")
    print(f"growth per 1,000 sessions:      {(large - small) / sessions * 1000:6.2f} MB")
    print(f"({2 * sessions} updates handled in {elapsed:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000, help="conversations to open (default 10000)")
    asyncio.run(main(parser.parse_args().sessions))
