"""Start-up: from launching ``main.py run`` to the bot's first reply, against the offline Bot API.

    python bench/startup.py [--runs N] [--bot-root DIR] [--profile FILE]

A citizen's /start is already waiting when the process starts (as after a restart during a busy
hour), so the figure covers interpreter start, imports, opening the database, publishing the flow
on first run, registering commands and answering. Prints each run and the median; the first run
creates the database, the others reuse it. In the same run, the floor: a bare python-telegram-bot
echo bot started the same way against the same offline API (its own imports, getMe, polling, one
reply), and the same echo bot on the project's aiohttp client (``bench/floors.py aiohttp``, from this
checkout): what the client alone costs a start, the analogue of ``bench/throughput.py``'s strict floor.
Ratios are given as the median of each run's pair (the three started one after the other), which a busy
spell on a shared machine moves less than a ratio of two medians. Also prints the median time to import
the package alone, and PTB's alone.

The bot's modules are compiled to bytecode first (``compileall``), as pip does when it installs the
package (the container, the service unit's venv): this machine sets PYTHONDONTWRITEBYTECODE=1, and
without that step every run compiled ~120 modules from source, about 240 ms a deployed bot never pays.
The libraries were compiled by pip already, for both bots. ``--bot-root`` measures another checkout (a
worktree of an older commit, for a "before" figure): the bot is started there, with PYTHONPATH set to it.

``--profile FILE`` starts ours once more under pyinstrument (wall-clock samples, so waiting on the network
and on SQLite's thread shows too) and writes its text report to FILE: where the time to the first reply
goes. The process is stopped (SIGTERM, which the bot handles) once it has replied.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
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

from testing.fakeapi.server import FakeBotApi  # noqa: E402

TOKEN = "123456:TEST-TOKEN"

# The floor: the framework answering /start and nothing else.
ECHO_BOT = """
import os
from telegram.ext import ApplicationBuilder, MessageHandler, filters

async def echo(update, context):
    await update.effective_chat.send_message(update.effective_message.text)

app = ApplicationBuilder().token(os.environ["BOT_TOKEN"]).base_url(os.environ["BOT_API_BASE_URL"]).build()
app.add_handler(MessageHandler(filters.ALL, echo))
app.run_polling(allowed_updates=["message", "callback_query"])
"""


ROOTS = [ROOT]  # the checkout whose bot is measured (--bot-root)
PROFILE: list[Path] = []  # --profile: where pyinstrument's report of one more run of ours goes


async def one_run(db: Path, user_id: int, command: list[str]) -> float:
    api = FakeBotApi()
    await api.start()
    # A new user each run: a fresh offline API numbers its updates from 1 again, and the bot rightly
    # skips update ids it has already handled for a chat.
    citizen = api.user(user_id, language_code="en")
    citizen.send("/start")
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(db),
        "STATUS_PORT": "0",
        "PYTHONPATH": str(ROOTS[0]),
    }
    env["LOG_LEVEL"] = "WARNING"
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOTS[0], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await api.wait_for(lambda: bool(api.bot_messages(user_id)), within=60)
        return time.monotonic() - started
    finally:
        process.terminate()
        await process.wait()
        await api.stop()


def import_time(module: str, runs: int) -> float:
    """Median seconds for a fresh interpreter to import ``module`` (interpreter start included)."""
    times = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOTS[0], check=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def compile_bot() -> None:
    """Bytecode for the bot's own modules, as an installed package has (see the module's docstring): the
    measured checkout's, and this one's, whose client the aiohttp echo bot uses."""
    for root in dict.fromkeys((ROOTS[0], ROOT)):
        targets = [name for name in ("bot", "main.py") if (root / name).exists()]
        subprocess.run([sys.executable, "-m", "compileall", "-q", *targets], cwd=root, check=True)


def paired(ours: list[float], floor: list[float]) -> float:
    """The median of each run's ratio. Each start of ours is timed next to the floors' starts: this leans
    less on how busy the shared machine was during part of the runs than the ratio of two medians."""
    return statistics.median(o / f for o, f in zip(ours, floor, strict=True))


async def main(runs: int) -> None:
    compile_bot()
    print(f"bot: {ROOTS[0]}")
    ours, stock, client = [], [], []
    aiohttp_echo = [sys.executable, str(ROOT / "bench" / "floors.py"), "aiohttp"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.sqlite3"
        for n in range(runs):
            # Alternated, so all three see the same neighbours on a shared machine.
            ours.append(await one_run(db, n + 1, [sys.executable, "main.py", "run"]))
            stock.append(await one_run(db, n + 1, [sys.executable, "-c", ECHO_BOT]))
            client.append(await one_run(db, n + 1, aiohttp_echo))
            new = " (new database)" if n == 0 else ""
            print(
                f"run {n + 1}{new}: first reply after {ours[-1] * 1000:.0f} ms; echo bot {stock[-1] * 1000:.0f} ms, "
                f"on our aiohttp client {client[-1] * 1000:.0f} ms"
            )
        if PROFILE:
            profiled = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(PROFILE[0]), "main.py", "run"]
            seconds = await one_run(db, runs + 1, profiled)
            print(f"profiled run: first reply after {seconds * 1000:.0f} ms (sampled, so slower): {PROFILE[0]}")
    mine, bare, ours_client = statistics.median(ours), statistics.median(stock), statistics.median(client)
    print(f"median of {runs}: {mine * 1000:.0f} ms (goal: at most 1000 ms); echo bot {bare * 1000:.0f} ms; ", end="")
    print(f"echo bot on our aiohttp client {ours_client * 1000:.0f} ms")
    print(f"ratio ours / echo bot: {mine / bare:.2f} (medians), {paired(ours, stock):.2f} (median of paired runs)")
    print(f"ratio ours / aiohttp echo: {paired(ours, client):.2f}; aiohttp echo / echo: {paired(client, stock):.2f}")
    ours_import, ptb_import = import_time("bot.telegram.app", runs), import_time("telegram.ext", runs)
    print(f"import alone, median of {runs}: bot.telegram.app {ours_import * 1000:.0f} ms, ", end="")
    print(f"telegram.ext {ptb_import * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="how many starts to time (default 5)")
    parser.add_argument("--bot-root", type=Path, default=ROOT, help="the checkout to start (default: this one)")
    parser.add_argument("--profile", type=Path, help="profile one more start of ours with pyinstrument, into FILE")
    args = parser.parse_args()
    ROOTS[0] = args.bot_root.resolve()
    if args.profile is not None:
        if importlib.util.find_spec("pyinstrument") is None:
            parser.error("--profile needs pyinstrument: pip install pyinstrument")
        PROFILE.append(args.profile.resolve())
    asyncio.run(main(args.runs))
