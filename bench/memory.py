"""Memory: the bot's resident size with many conversations open at once, or after a burst of reports.

    python bench/memory.py [--sessions N]        (default 10000)
    python bench/memory.py --reports N           (e.g. 500)

Runs ``main.py run`` (a process of its own) against the offline Bot API, has N citizens each start a
report and answer its first question (so N unfinished sessions exist), then reads the process's RSS
from /proc/<pid>/status. Conversation state lives in SQLite, so RSS should hardly depend on N; the
figure after 10 citizens is printed for comparison.

With ``--reports N``, N citizens instead walk the whole English report at once, to "Send to NCCIA"
(each waits for the bot's answer to one step before the next: a closed loop), and the RSS is read
after the burst, when the bot is idle again: what an operator's dashboard shows after a busy hour.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing.citizens import button_data, last_question  # noqa: E402
from testing.fakeapi.server import FakeBotApi  # noqa: E402

TOKEN = "123456:TEST-TOKEN"
Api = TypeVar("Api", bound=FakeBotApi)


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


class CountingApi(FakeBotApi):
    """The offline API, counting the bot's calls per chat (a new message, an edited text or keyboard)."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: collections.Counter[int] = collections.Counter()

    def _changed(self, chat: object) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.touched[int(chat)] += 1  # type: ignore[call-overload]
        super()._changed(chat)


def answers(api: CountingApi, chat_id: int) -> int:
    return api.touched[chat_id]


def changed(api: CountingApi, chat_id: int, before: int) -> bool:
    return answers(api, chat_id) != before


async def walk_report(api: CountingApi, user_id: int) -> bool:
    """One citizen's whole report; True when it ends with the receipt. A tap waits until the question with
    its button is there; a message waits until the bot has answered the step before."""
    from bench.throughput import SENT, WALK

    user = api.user(user_id, language_code="en")
    for action, argument in WALK:
        before = answers(api, user_id)
        if action == "say":
            user.send(argument)
        else:
            await api.wait_for_chat(user_id, functools.partial(offers, api, user_id, argument), within=600)
            question = last_question(api, user_id)
            user.press(question.message_id, button_data(question, argument))
        await api.wait_for_chat(user_id, functools.partial(changed, api, user_id, before), within=600)
    await api.wait_for_chat(user_id, functools.partial(shows, api, user_id, SENT), within=600)
    return True


def offers(api: CountingApi, chat_id: int, label: str) -> bool:
    try:
        button_data(last_question(api, chat_id), label)
    except AssertionError:
        return False
    return True


def shows(api: CountingApi, chat_id: int, text: str) -> bool:
    return any(text in (m.text or "") for m in api.bot_messages(chat_id))


async def burst(reports: int) -> None:
    async with bot_process(CountingApi()) as (api, process):
        idle = rss_mb(process.pid)
        started = time.monotonic()
        done = await asyncio.gather(*(walk_report(api, 20_000 + n) for n in range(reports)))
        elapsed = time.monotonic() - started
        peak = peak_mb(process.pid)
        await asyncio.sleep(5)  # the courier delivers the cards; then the bot is idle
        after = rss_mb(process.pid)
    print(f"RSS idle after start-up:            {idle:6.1f} MB")
    print(f"RSS after {reports} reports, idle again: {after:6.1f} MB (goal: at most 100 MB)")
    print(f"peak RSS during the burst:          {peak:6.1f} MB")
    print(f"({sum(done)} of {reports} reports sent in {elapsed:.1f} s)")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.asynccontextmanager
async def bot_process(api: Api) -> AsyncIterator[tuple[Api, asyncio.subprocess.Process]]:
    """The offline API in this process and ``main.py run`` in its own, polling it; stopped afterwards."""
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
            yield api, process
        finally:
            process.terminate()
            await process.wait()
            await api.stop()


async def main(sessions: int) -> None:
    async with bot_process(FakeBotApi()) as (api, process):
        idle = rss_mb(process.pid)
        await open_sessions(api, 1, 10)
        small = rss_mb(process.pid)
        started = time.monotonic()
        await open_sessions(api, 1000, sessions)
        elapsed = time.monotonic() - started
        await asyncio.sleep(2)
        large = rss_mb(process.pid)
    print(f"RSS idle after start-up:        {idle:6.1f} MB")
    print(f"RSS with 10 open sessions:      {small:6.1f} MB")
    print(f"RSS with {sessions} open sessions: {large:6.1f} MB (goal: at most 120 MB)")
    print(f"growth per 1,000 sessions:      {(large - small) / sessions * 1000:6.2f} MB")
    print(f"({2 * sessions} updates handled in {elapsed:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000, help="conversations to open (default 10000)")
    parser.add_argument("--reports", type=int, default=0, help="instead: citizens who each send a whole report")
    args = parser.parse_args()
    asyncio.run(burst(args.reports) if args.reports else main(args.sessions))
