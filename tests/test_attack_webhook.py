"""Security review, issue 20, findings 1 and 9: the webhook, attacked over real HTTP.

Each test starts ``main.py run --webhook`` as an operator would, against the offline Bot API, and
talks to its port with raw sockets, so that what is measured is what the process does.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testing.fakeapi.server import FakeBotApi
from tests.conftest import ROOT

TOKEN = "123456:TEST-TOKEN"
SECRET = "Kq3v_-9ZtP0aXw7mR2sY8bN4cD6eF1gH5jL"  # 36 characters
ADMIN = 4242
ATTACKER = 6666
ATTACKER_GROUP = -1006666
BIG = 90_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    port: int
    db: Path
    output: Path

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


def bot_env(api: FakeBotApi, tmp_path: Path, port: int, env: dict[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_", "ADMIN_", "DATA"))}
    return {
        **inherited,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "WEBHOOK_URL": "https://bot.example.org/telegram",
        "WEBHOOK_PORT": str(port),
        "ADMIN_IDS": str(ADMIN),
        "LOG_FORMAT": "text",
        "STATUS_PORT": "0",  # /healthz and /metrics are tested in tests/e2e/test_status_e2e.py
        **env,
    }


@asynccontextmanager
async def webhook_bot(api: FakeBotApi, tmp_path: Path, **env: str) -> AsyncIterator[Bot]:
    """``main.py run --webhook`` in its own process; yields once it serves (or has exited)."""
    port = free_port()
    output = tmp_path / "bot.log"
    with output.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "main.py"),
            "run",
            "--webhook",
            cwd=tmp_path,
            env=bot_env(api, tmp_path, port, env),
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    bot = Bot(process, port, tmp_path / "bot.sqlite3", output)
    try:
        deadline = time.monotonic() + 30
        while process.returncode is None and not (api.webhook is not None and accepts(port)):
            assert time.monotonic() < deadline, f"the bot neither served nor exited:\n{bot.text()}"
            await asyncio.sleep(0.05)
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def http(port: int, head: str, body: bytes = b"", within: float = 5.0) -> int:
    """Send one request; the status code, or 0 when it could not be sent or had no answer in time."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0
    try:
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), within)
        return int(line.split()[1]) if line else 0
    except TimeoutError:
        return 0
    finally:
        writer.close()


def post_head(length: int, secret: str | None, *, chunked: bool = False) -> str:
    lines = ["POST /telegram HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return "\r\n".join(lines) + "\r\n"


async def post_update(port: int, update: dict[str, Any], secret: str | None) -> int:
    body = json.dumps(update).encode()
    return await http(port, post_head(len(body), secret), body)


def forged_updates(api: FakeBotApi) -> list[dict[str, Any]]:
    """The finding's attack: the admin "adds" the attacker, who binds a queue to their own group."""
    api.user(ADMIN).send(f"/admins add {ATTACKER}")
    api.user(ATTACKER).send_in_group(ATTACKER_GROUP, "/bindqueue punjab")
    updates, api.updates[:] = list(api.updates), []
    return updates


def admins_in(db: Path) -> set[int]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT user_id FROM admins")}


async def open_body(port: int, secret: str | None, length: int, first: bytes) -> tuple[Any, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post_head(length, secret).encode() + b"\r\n" + first)
    await writer.drain()
    return reader, writer


async def closed_within(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seconds: float) -> bool:
    """Trickle a byte every 0.2 s; True when the server answers or closes within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            writer.write(b" ")
            await writer.drain()
            await asyncio.wait_for(reader.read(1), 0.2)
        except TimeoutError:
            continue
        except OSError:
            return True
        return True
    return False


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# ---- finding 1: a webhook without a secret ----------------------------------------------------------


async def test_attack_1_webhook_refuses_to_start_without_secret(api: FakeBotApi, tmp_path: Path) -> None:
    for env, says in (
        ({}, "WEBHOOK_SECRET is not set"),
        ({"WEBHOOK_SECRET": "s3cret-token"}, "WEBHOOK_SECRET must be 32 to 256"),
    ):
        async with webhook_bot(api, tmp_path, **env) as bot:
            served = bot.process.returncode is None
        output = bot.text()
        assert not served, f"started with {env}"
        assert bot.process.returncode == 1
        assert says in output and "secrets.token_urlsafe(32)" in output, output
        assert "Traceback" not in output
        assert api.webhook is None


async def test_attack_1_forged_update_without_secret_is_refused(api: FakeBotApi, tmp_path: Path) -> None:
    # As the reviewer ran it: no WEBHOOK_SECRET. Nothing may take the forged updates.
    async with webhook_bot(api, tmp_path) as bot:
        statuses = [await post_update(bot.port, u, None) for u in forged_updates(api)]
    assert 200 not in statuses
    assert not api.bot_messages(ADMIN) and not api.bot_messages(ATTACKER_GROUP)
    assert not bot.db.exists() or ATTACKER not in admins_in(bot.db)
    # With a secret: the same updates without it, or with a wrong one, are refused.
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET) as bot:
        assert bot.process.returncode is None, bot.text()
        for update in forged_updates(api):
            assert await post_update(bot.port, update, None) == 403
            assert await post_update(bot.port, update, SECRET[:-1] + "x") == 403
            assert await post_update(bot.port, update, SECRET + "x") == 403
        # The admin's real /admins (through Telegram, with the secret) is answered: the bot was listening.
        api.user(ADMIN).send("/admins")
        assert await post_update(bot.port, api.updates.pop(), SECRET) == 200
        await api.wait_for(lambda: len(api.bot_messages(ADMIN)) == 1, within=10)
    assert "Admins:" in (api.bot_messages(ADMIN)[0].text or "")
    assert str(ATTACKER) not in (api.bot_messages(ADMIN)[0].text or "")
    assert not api.bot_messages(ATTACKER_GROUP)
    assert ATTACKER not in admins_in(bot.db)


def listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on ``port``, from /proc/net/tcp{,6} (hex, as the kernel writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


async def test_attack_1_webhook_listens_on_loopback_by_default(api: FakeBotApi, tmp_path: Path) -> None:
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET) as bot:
        assert bot.process.returncode is None, bot.text()
        addresses = listening_addresses(bot.port)
    assert addresses == {"0100007F"}  # 127.0.0.1 only; 0.0.0.0 would be 00000000


async def test_webhook_listen_address_is_a_setting(api: FakeBotApi, tmp_path: Path) -> None:
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="0.0.0.0") as bot:
        assert bot.process.returncode is None, bot.text()
        addresses = listening_addresses(bot.port)
    assert addresses == {"00000000"}


# ---- finding 9: bodies read before the secret is checked ------------------------------------------------


async def test_attack_9_body_not_read_before_secret(api: FakeBotApi, tmp_path: Path) -> None:
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET) as bot:
        assert bot.process.returncode is None, bot.text()
        # The answer comes while almost all of a 90 MB body is still unsent.
        for secret in (None, "wrong"):
            reader, writer = await open_body(bot.port, secret, BIG, b"{" * 65536)
            try:
                line = await asyncio.wait_for(reader.readline(), 5)
            except TimeoutError:
                line = b"(no answer in 5 s)"
            finally:
                writer.close()
            assert line.startswith(b"HTTP/1.1 403"), line
        # Four whole 90 MB bodies offered without the secret do not grow the process.
        before = bot.rss_kb()
        for _ in range(4):
            reader, writer = await open_body(bot.port, "wrong", BIG, b"")
            chunk = b"{" * 1_000_000
            try:
                for _ in range(BIG // len(chunk)):
                    writer.write(chunk)
                    await writer.drain()
            except OSError:
                pass  # the server hung up rather than read the rest
            finally:
                writer.close()
        await asyncio.sleep(0.5)
        grown = bot.rss_kb() - before
        assert await post_update(bot.port, {"update_id": 1}, SECRET) == 200  # still serving
    assert grown < 10_000, f"RSS grew by {grown} kB"


async def test_attack_9_oversized_body_refused(api: FakeBotApi, tmp_path: Path) -> None:
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET) as bot:
        assert bot.process.returncode is None, bot.text()
        # Even with the secret, a declared 90 MB is refused before a byte of it is sent.
        assert await http(bot.port, post_head(BIG, SECRET)) == 413
        # A chunked body has no declared length: it is cut at the cap (1 MiB) as it arrives.
        chunk = b"{" * 65536
        body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 40 + b"0\r\n\r\n"
        assert await http(bot.port, post_head(0, SECRET, chunked=True), body) == 413
        assert await post_update(bot.port, {"update_id": 1}, SECRET) == 200  # still serving


async def test_attack_9_slow_body_cut_after_timeout(api: FakeBotApi, tmp_path: Path) -> None:
    async with webhook_bot(api, tmp_path, WEBHOOK_SECRET=SECRET, WEBHOOK_BODY_SECONDS="1") as bot:
        assert bot.process.returncode is None, bot.text()
        # Without the secret a slow body is answered at once; with it, it is cut after 1 s.
        for secret, within in ((None, 1.0), ("wrong", 1.0), (SECRET, 3.0)):
            slow = [await open_body(bot.port, secret, 10_000, b'{"update_id": 1, ') for _ in range(20)]
            started = time.monotonic()
            closed = await asyncio.gather(*(closed_within(r, w, within + 3) for r, w in slow))
            took = time.monotonic() - started
            for _, writer in slow:
                writer.close()
            assert all(closed), f"{closed.count(False)} of 20 slow bodies still open ({secret=})"
            assert took < within, f"slow bodies with {secret=} lasted {took:.1f} s"
        assert await post_update(bot.port, {"update_id": 1}, SECRET) == 200  # still serving
