"""CPU per Bot API call of the bot's HTTP client, against PTB's default httpx client, in one run.

    python bench/http_client.py [--calls N] [--concurrency C] [--rounds R]

The offline Bot API (``testing/fakeapi/server.py``) runs in a child process, so this process's CPU
time is the client side alone: PTB building the request, the HTTP client, PTB parsing the answer.
A ``Bot`` sends N ``sendMessage`` calls, at most C at once (the bot has up to 256 updates in flight,
each making two or three calls), through each client in turn, R rounds alternated so both see the
same neighbours; it prints CPU milliseconds per call and calls per second for each, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest  # noqa: E402

from bot.telegram.http import HTTP_CONNECTIONS, AiohttpRequest  # noqa: E402

TOKEN = "123456:TEST-TOKEN"
CHAT = 1


def serve(ready: Queue[str]) -> None:
    """The offline Bot API with its limits off, in its own process."""
    from testing.fakeapi.server import FakeBotApi

    async def main() -> None:
        api = FakeBotApi(TOKEN)
        api.global_limit = api.group_limit = api.private_limit = None
        await api.start()
        api.user(CHAT, language_code="en").send("/start")  # a private chat the bot may write to
        ready.put(api.base_url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def measure(request: BaseRequest, base_url: str, calls: int, concurrency: int) -> tuple[float, float]:
    """(CPU ms per call, calls per second) for ``calls`` sendMessage calls through ``request``."""
    bot = Bot(TOKEN, base_url=base_url, request=request)
    await bot.initialize()
    slots = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with slots:
            await bot.send_message(CHAT, f"Question {n}: <b>which of these is closest?</b>", parse_mode="HTML")

    try:
        await asyncio.gather(*(one(n) for n in range(min(200, calls))))  # connections opened, code warm
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(calls)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await bot.shutdown()
    return cpu / calls * 1000, calls / wall


async def main(calls: int, concurrency: int, rounds: int, base_url: str) -> None:
    clients: dict[str, Callable[[], BaseRequest]] = {
        "PTB default (httpx, pool 256)": lambda: HTTPXRequest(connection_pool_size=256),
        f"ours (aiohttp, {HTTP_CONNECTIONS} connections)": lambda: AiohttpRequest(HTTP_CONNECTIONS),
    }
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    rate: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(rounds):
        for name, make in clients.items():
            ms, per_second = await measure(make(), base_url, calls, concurrency)
            cpu[name].append(ms)
            rate[name].append(per_second)
            print(f"round {n + 1}: {name:<34} {ms:6.3f} ms CPU/call {per_second:7.0f} calls/s", flush=True)
    print(f"\nmedian of {rounds} rounds, {calls} sendMessage calls each, at most {concurrency} at once:")
    for name in clients:
        print(
            f"  {name:<34} {statistics.median(cpu[name]):6.3f} ms CPU/call {statistics.median(rate[name]):7.0f} calls/s"
        )
    theirs, ours = (statistics.median(cpu[name]) for name in clients)
    print(f"  CPU per call, ours ÷ PTB default: {ours / theirs:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000, help="sendMessage calls per client per round (3000)")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight at once (64)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, clients alternated (3)")
    args = parser.parse_args()
    ready: Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ready,), daemon=True)
    server.start()
    try:
        asyncio.run(main(args.calls, args.concurrency, args.rounds, ready.get(timeout=60)))
    finally:
        server.terminate()
