"""Bot instances as ``main.py run --webhook`` processes, a load balancer in front of them, and citizens
who walk the English report answering whatever their chat shows: for the kill test
(tests/e2e/test_instances_e2e.py) and the instances benchmark (bench/instances.py).

The offline Bot API holds what citizens send; the balancer posts each update to the live instances in
turn (one chat's updates go to all of them), skipping an instance that no longer answers. A citizen
whose update died with an instance sends it again after a while, or /start when her chat shows no
question she can answer, as a person would.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field

import aiohttp

from bot.paths import ROOT
from bot.telegram.webhook import SECRET_HEADER
from testing.citizens import last_question, unmarked
from testing.fakeapi.server import FakeBotApi, FakeUser

TOKEN = "123456:TEST-TOKEN"
SECRET = "instances-webhook-secret-0123456789abcdef"
GROUPS = {"punjab": -1001, "sindh": -1002, "undisclosed": -1003}
NO_ANSWER = 8.0  # seconds a citizen waits before she sends the same thing again
LEADS = "this instance delivers the outbox"
OVERALL = 200  # messages a second the offline Bot API takes from the bot, whichever instance sends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    name: str
    port: int
    process: asyncio.subprocess.Process
    lines: list[tuple[float, str]] = field(default_factory=list)
    alive: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    def leads_since(self) -> float | None:
        return next((at for at, line in self.lines if LEADS in line), None)


async def start(name: str, api: FakeBotApi, database: dict[str, str]) -> Instance:
    """``main.py run --webhook`` with ``database`` (DATABASE_URL and DATA_KEY, or DATABASE_PATH), ready."""
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        **database,
        "WEBHOOK_URL": "https://bot.example.org/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port),
        "STATUS_PORT": str(free_port()),
        "FOCAL_QUEUES": ",".join(f"{queue}={chat}" for queue, chat in GROUPS.items()),
        "LOG_LEVEL": "INFO",
        "FLOOD_MESSAGES_PER_MINUTE": "1000",
        # The overall rate is the bot's, not an instance's: each of the two takes half of what the offline
        # API allows (200 a second here, as a local Bot API server might; Telegram's own is about 30).
        "OVERALL_MESSAGES_PER_SECOND": str(OVERALL // 2),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "run", "--webhook", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    instance = Instance(name, port, process)
    asyncio.get_running_loop().create_task(read_log(instance))
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return instance
            if process.returncode is not None:
                break
            await asyncio.sleep(0.1)
    raise AssertionError(f"{name} did not start: " + "\n".join(line for _, line in instance.lines[-20:]))


async def read_log(instance: Instance) -> None:
    assert instance.process.stderr is not None
    async for raw in instance.process.stderr:
        instance.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))


class Balancer:
    """Posts the offline API's pending updates to the live instances in turn."""

    def __init__(self, api: FakeBotApi, instances: list[Instance]) -> None:
        self.api, self.instances = api, instances
        self.turn = itertools.cycle(range(len(instances)))
        self.posted = [0] * len(instances)

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                if not self.api.updates:
                    await asyncio.sleep(0.005)
                    continue
                update = self.api.updates.pop(0)
                await self.post(session, update)

    async def post(self, session: aiohttp.ClientSession, update: dict[str, object]) -> None:
        body = json.dumps(update).encode()
        for _ in range(2 * len(self.instances)):
            k = next(self.turn)
            instance = self.instances[k]
            if not instance.alive:
                continue
            try:
                headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
                async with session.post(instance.url, data=body, headers=headers) as response:
                    if response.status == 200:
                        self.posted[k] += 1
                        return
            except (aiohttp.ClientError, TimeoutError):
                instance.alive = False  # a balancer's health check would say the same
        raise AssertionError("no instance took the update")


def signature(api: FakeBotApi, chat_id: int) -> tuple[object, ...]:
    messages = api.bot_messages(chat_id)
    last = messages[-1] if messages else None
    question = next((m for m in reversed(messages) if m.reply_markup), None)
    markup = json.dumps(question.reply_markup, sort_keys=True) if question is not None else ""
    return (len(messages), last.text if last else None, question.message_id if question else None, markup)


def reference_of(api: FakeBotApi, chat_id: int) -> str | None:
    for message in api.bot_messages(chat_id):
        text = unmarked(message.text or "")
        if "Reference number: " in text:
            return text.split("Reference number: ")[1].split()[0]
    return None


def buttons(api: FakeBotApi, chat_id: int) -> list[tuple[str, str]]:
    question = last_question(api, chat_id)
    assert question.reply_markup is not None
    return [
        (unmarked(b["text"]), str(b["callback_data"])) for row in question.reply_markup["inline_keyboard"] for b in row
    ]


def tap(api: FakeBotApi, user: FakeUser, label: str) -> bool:
    question = last_question(api, user.id)
    data = next((d for text, d in buttons(api, user.id) if label in text), None)
    if data is None:
        return False  # not this question's button: its reply has not come yet
    user.press(question.message_id, data)
    return True


# What each question of the English flow starts with, and the answer this walk gives; a refused answer
# ("Sorry, I did not understand …") is a new message, so the question is the newest message naming one.
QUESTIONS = (
    "Welcome.",
    "Who is this report for?",
    "Are you under 18",
    "In your own words",
    "Which of these is closest",
    "Where did it happen?",
    "Where do you live?",
    "When did it start?",
    "Is it still happening?",
    "Links help the officers most.",
    "If you know them",
    "How may the officers contact you",
    "Here is your report",
)


def current_question(api: FakeBotApi, chat_id: int) -> str | None:
    for message in reversed(api.bot_messages(chat_id)):
        text = unmarked(message.text or "")
        found = next((q for q in QUESTIONS if text.startswith(q)), None)
        if found is not None:
            return found
    return None


def transcript(api: FakeBotApi, chat_id: int) -> str:
    lines = []
    for m in api.bot_messages(chat_id, include_deleted=True):
        labels = [unmarked(b["text"]) for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row]
        lines.append(f"  {unmarked(m.text or '')[:60]!r} {labels[:8]}")
    return "\n".join(lines)


@dataclass
class Walk:
    """One citizen answering whatever her chat shows, until she has her reference."""

    api: FakeBotApi
    user: FakeUser
    province: str
    links_sent: bool = False
    resent: int = 0
    silent: int = 0  # inputs in a row that got no visible answer
    restarts: int = 0  # times she sent /start because two inputs in a row got none
    think: float = 0.2  # seconds between the bot's reply and her next input (the rest of the reply arrives)
    latencies: list[float] = field(default_factory=list)  # seconds from each input to the bot's first reply

    def act(self) -> bool:
        """Answer what the chat shows; False when it shows no question yet (the reply is on its way)."""
        api, user = self.api, self.user
        if not api.bot_messages(user.id):
            user.send("/start")
            return True
        if not any(m.reply_markup and "inline_keyboard" in m.reply_markup for m in api.bot_messages(user.id)):
            return False
        if unmarked(api.bot_messages(user.id)[-1].text or "").startswith("Sorry, I did not understand"):
            # Her answer met another question than the one on her screen: the instance that stored her
            # step died before showing the next question. /start shows it ("your report is where you left it").
            user.send("/start")
            self.resent += 1
            return True
        question = current_question(api, user.id)
        if question == "Welcome.":
            return tap(api, user, "English")
        if question == "Who is this report for?":
            return tap(api, user, "For myself")
        if question == "Are you under 18":
            return tap(api, user, "No")
        if question == "In your own words":
            user.send("He threatens me from a new account every night.")
        elif question == "Which of these is closest":
            return tap(api, user, "Threatening")
        elif question == "Where did it happen?":
            ticked = any("Facebook" in label and "✅" in label for label, _ in buttons(api, user.id))
            return tap(api, user, "Done" if ticked else "Facebook")
        elif question == "Where do you live?":
            return tap(api, user, self.province)
        elif question == "When did it start?":
            user.send("March 2025")
        elif question == "Is it still happening?":
            return tap(api, user, "Yes")
        elif question == "Links help the officers most.":
            if self.links_sent:
                return tap(api, user, "Done")
            user.send("https://www.facebook.com/liar.page")
            self.links_sent = True
        elif question == "If you know them":
            user.send("@liar_page")
        elif question == "How may the officers contact you":
            return tap(api, user, "Only through this chat")
        elif question == "Here is your report":
            return tap(api, user, "Send to NCCIA")
        else:
            return False
        return True

    def changed(self, before: tuple[object, ...]) -> bool:
        return signature(self.api, self.user.id) != before

    async def answer(self, before: tuple[object, ...]) -> None:
        """Wait for her chat to change, for as long as she would before saying it again."""
        await self.api.wait_for_chat(self.user.id, functools.partial(self.changed, before), within=NO_ANSWER)

    async def run(self) -> str:
        deadline = time.monotonic() + 400  # generous: a full test run shares the machine
        while time.monotonic() < deadline:
            reference = reference_of(self.api, self.user.id)
            if reference is not None:
                return reference
            before = signature(self.api, self.user.id)
            if not self.act():
                # No question to answer: the instance died between storing her step and showing the next
                # question. After a while a person sends /start, which shows where her report stands.
                with contextlib.suppress(AssertionError):
                    await self.answer(before)
                if signature(self.api, self.user.id) == before:
                    self.user.send("/start")
                    self.resent += 1
                continue
            sent = time.monotonic()
            with contextlib.suppress(AssertionError):
                await self.answer(before)
            if signature(self.api, self.user.id) == before:
                self.resent += 1  # nothing came back: the update died with an instance; say it again
                self.silent += 1
                if self.silent >= 2:
                    # Twice nothing: a person sends /start, which shows her question again, fresh.
                    self.user.send("/start")
                    self.restarts += 1
                    self.silent = 0
            else:
                self.silent = 0
                self.latencies.append(time.monotonic() - sent)
            await asyncio.sleep(self.think)
        raise AssertionError(f"citizen {self.user.id} never got a reference:\n{transcript(self.api, self.user.id)}")
