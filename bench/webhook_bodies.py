"""Unauthenticated bodies against the webhook: the bot's aiohttp server against PTB's tornado one.

    python bench/webhook_bodies.py [--big-mb 90] [--big 4] [--slow 100] [--slow-cap 30]

Security review, issue 20, finding 9. The real application runs in a child process behind each
server in turn (``main.py run --webhook``, then the same application under ``Application.run_webhook``
as before the fix), against the offline Bot API in this process. For each it prints:

- the child's peak RSS (VmHWM) while ``--big`` POSTs of ``--big-mb`` MB with a wrong secret token
  arrive at once, its RSS a second later, and how long each POST took to be answered or cut off;
- how long ``--slow`` connections that send their headers and then a byte a second stay open,
  without the secret and with it, and connections that send their headers a byte a second
  (each cut at ``--slow-cap`` seconds by this script).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing.fakeapi.server import FakeBotApi  # noqa: E402

TOKEN = "123456:TEST-TOKEN"
SECRET = "bench-webhook-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ptb_child() -> None:
    """The application under PTB's own webhook server, as ``run()`` started it before the fix."""
    from bot.config import load_settings
    from bot.telegram.app import build_application

    settings = load_settings()
    build_application(settings).run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path="telegram",
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=["message", "callback_query"],
    )


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def head(length: int, secret: str) -> bytes:
    return (
        "POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def big_post(port: int, size: int) -> float:
    """Seconds until a ``size``-byte POST with a wrong secret is answered or the connection cut."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunk = b"{" * 1_000_000
    try:
        writer.write(head(size, "wrong"))
        for _ in range(size // len(chunk)):
            writer.write(chunk)
            await writer.drain()
        await reader.readline()
    except OSError:
        pass  # the server hung up instead of reading on
    finally:
        writer.close()
    return time.monotonic() - started


async def trickle(port: int, start: bytes, drip: bytes, cap: float) -> float:
    """Seconds a connection that sends ``start`` then ``drip`` once a second stays open (at most ``cap``)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(start)
        while time.monotonic() - started < cap:
            try:
                if await asyncio.wait_for(reader.read(1), 1.0) or reader.at_eof():
                    break
            except TimeoutError:
                writer.write(drip)
                await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
    return min(time.monotonic() - started, cap)


async def slow_body(port: int, secret: str, cap: float) -> float:
    """A body trickled a byte a second."""
    return await trickle(port, head(10_000, secret) + b'{"update_id": 1, ', b" ", cap)


async def slow_headers(port: int, cap: float) -> float:
    """Headers trickled a byte a second."""
    return await trickle(port, b"POST /telegram HTTP/1.1\r\nX-Padding: ", b"a", cap)


async def measure(name: str, command: list[str], api: FakeBotApi, args: argparse.Namespace) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(Path(tempfile.mkdtemp()) / "bench.sqlite3"),
        "WEBHOOK_URL": "https://bot.example.org/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "STATUS_PORT": "0",
    }
    api.webhook = None
    child = await asyncio.create_subprocess_exec(*command, env=env, stderr=asyncio.subprocess.DEVNULL)
    try:
        await api.wait_for(lambda: api.webhook is not None, within=30)
        await asyncio.sleep(1.0)  # let start-up allocations settle
        rss0, _ = memory_mb(child.pid)
        took = await asyncio.gather(*(big_post(port, args.big_mb * 1_000_000) for _ in range(args.big)))
        await asyncio.sleep(1.0)
        rss1, peak = memory_mb(child.pid)
        print(
            f"{name}: {args.big} x {args.big_mb} MB at once with a wrong secret: peak RSS {peak:.0f} MB "
            f"(+{peak - rss0:.0f} over {rss0:.0f}), {rss1:.0f} MB a second later; each answered or cut in "
            f"{min(took):.2f}-{max(took):.2f} s"
        )
        for label, secret in (("wrong secret", "wrong"), ("right secret", SECRET)):
            open_for = await asyncio.gather(*(slow_body(port, secret, args.slow_cap) for _ in range(args.slow)))
            capped = sum(1 for s in open_for if s >= args.slow_cap)
            print(
                f"{name}: {args.slow} slow bodies, {label}: open {min(open_for):.1f}-{max(open_for):.1f} s "
                f"(median {statistics.median(open_for):.1f}); {capped} still open at {args.slow_cap:.0f} s"
            )
        open_for = await asyncio.gather(*(slow_headers(port, args.slow_cap) for _ in range(args.slow)))
        capped = sum(1 for s in open_for if s >= args.slow_cap)
        print(
            f"{name}: {args.slow} slow headers: open {min(open_for):.1f}-{max(open_for):.1f} s; "
            f"{capped} still open at {args.slow_cap:.0f} s"
        )
    finally:
        child.send_signal(signal.SIGTERM)
        await child.wait()


async def main(args: argparse.Namespace) -> None:
    api = FakeBotApi(TOKEN)
    await api.start()
    try:
        ours = [sys.executable, str(ROOT / "main.py"), "run", "--webhook"]
        await measure("aiohttp (bot/telegram/webhook.py)", ours, api, args)
        await measure("PTB run_webhook (tornado)", [sys.executable, __file__, "--ptb-child"], api, args)
    finally:
        await api.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=90)
    parser.add_argument("--big", type=int, default=4)
    parser.add_argument("--slow", type=int, default=100)
    parser.add_argument("--slow-cap", type=float, default=30.0)
    parser.add_argument("--ptb-child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.ptb_child:
        ptb_child()
    else:
        asyncio.run(main(arguments))
