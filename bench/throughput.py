"""Throughput and bot-side latency of the citizen flow, against a bare PTB echo bot as the floor.

    python bench/throughput.py [--citizens 10,100,1000] [--deadline 60] [--paced 100] [--think 5]
                               [--paced-seconds 30] [--no-paced] [--profile 100] [--profile-seconds 30]
                               [--profile-html FILE] [--floor-http httpx|aiohttp]

For each level N, N simulated citizens walk the default English report flow at once (the 17 steps of
``walk_english`` in ``testing/citizens.py``, from /start to "Send to NCCIA"), each waiting for the bot
to finish one update before sending the next (a closed loop with no think time: N updates in flight).
The real application of ``bot.telegram.app.build_application`` runs in this process through
``testing/harness.running_bot``, polling the offline Bot API (``testing/fakeapi/server.py``) over HTTP
on 127.0.0.1 and writing a real SQLite file in a temporary directory (WAL, ``synchronous=FULL``, one
durable commit per step, as in production).

The floor: on a fresh offline API, a bare python-telegram-bot ``Application`` (same polling
parameters, ``concurrent_updates(True)`` like ours, no rate limiter) with one MessageHandler that
sends the text back with a one-button inline keyboard, and one CallbackQueryHandler that answers the
query and sends a message with that keyboard, is driven by the same citizens with the same 17 updates
each (a "tap" presses the floor's button instead of the labelled one).

What is measured, per update (``time.perf_counter`` in this one process):

* hand-out: when the offline API returns the update in a ``getUpdates`` answer for the first time
  (so the HTTP answer, PTB's parsing, its update queue and handler dispatch all count as bot-side);
* reply: when the offline API receives the last ``sendMessage``/``editMessageText``/
  ``editMessageReplyMarkup`` for that chat made while the update was being handled (the complete
  answer on the citizen's screen; ``answerCallbackQuery`` is not counted as a reply);
* done: when ``Application.process_update`` returns for the update (ours: after its last commit).

Latency = reply - hand-out (p50/p99 in the table); "first" (the first reply call) and "done" are
printed below it. Only one update per chat is in flight, so replies are attributed to it without
ambiguity. updates/s and reports/s are counted over the wall time from the first /start to the last
citizen's last reply. The citizens, the offline API and the bot share one event loop (and the two
cores with whatever else runs on the machine), for ours and the floor alike.

Each run is time-boxed (``--deadline``, default 60 s): a run cut by it reports its rates over the box
and counts the updates still in flight at the cut, at their age then, in the latency percentiles (so
they are lower bounds); the table marks such rows with †. On this 2-core machine the 1000-citizen
level is cut by the box for both bots (a full walk of 17,000 updates would take several minutes).

In the closed loop the latency is mostly queueing: by Little's law its mean is about N ÷ updates/s.
The paced runs (``--paced 100``, default) show the latency at a human pace instead: each citizen waits
0.5-1.5 × ``--think`` seconds (default 5) before every step, so 100 citizens offer about 20 updates/s;
each bot gets ``--paced-seconds`` (default 30). The goal line uses the closed loop's ratio and both p99s.

Throttling is off: the offline API's global, group and private limits are switched off and the bot
runs with OVERALL_MESSAGES_PER_SECOND=1000000, so neither Telegram's limits nor the bot's own send
limiter (AIORateLimiter) is what is measured. FLOOD_MESSAGES_PER_MINUTE stays at its default (30; a
walk is 17 updates).

With ``--profile N`` (default 100, 0 to skip) one more run of ours at N citizens is sampled with
pyinstrument (event-loop thread, 1 ms interval) and the top costs are printed, grouped by library and
by our functions (``--profile-seconds``, default 30 s). In every run of ours the SQLite worker thread
is timed apart (time busy, durable commits, writes per commit); this wraps the store's own thread
(``Database``'s one-thread executor) at run time,
nothing in ``bot/`` is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram.app import http_requests  # noqa: E402
from testing.citizens import button_data, last_question  # noqa: E402
from testing.fakeapi.server import FakeBotApi, FakeMessage, Json  # noqa: E402
from testing.harness import TOKEN, running_bot  # noqa: E402

# The steps of testing/citizens.py:walk_english: ("say", text) or ("tap", part of a button label).
WALK: list[tuple[str, str]] = [
    ("say", "/start"),
    ("tap", "English"),
    ("tap", "For myself"),
    ("tap", "No"),
    ("say", "He posts <b>lies</b> about me & my family </a> every day."),
    ("tap", "Threatening"),
    ("tap", "Facebook"),
    ("tap", "Done"),
    ("tap", "Punjab"),
    ("say", "March 2025"),
    ("tap", "Yes"),
    ("say", "see https://www.facebook.com/liar.page?fbclid=x"),
    ("tap", "Done"),
    ("say", "@liar_page"),
    ("tap", "Only through this chat"),
    ("tap", "Send to NCCIA"),
]
SENT = "Your report has been sent"
REPLY_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
BOT_ENV = {"OVERALL_MESSAGES_PER_SECOND": "1000000", "LOG_LEVEL": "WARNING"}
GOAL_RATIO, GOAL_P99_MS, GOAL_LEVEL = 0.5, 25.0, 100
STEP_TIMEOUT = 600.0  # one update unanswered this long fails its citizen (the time box normally ends a run first)


# ---- the offline API, timed ----------------------------------------------------------------------


class TimedApi(FakeBotApi):
    """The offline Bot API with its limits off, noting hand-out and reply times per update."""

    def __init__(self) -> None:
        super().__init__()
        self.global_limit = None
        self.group_limit = None
        self.private_limit = None
        self.last_pushed = 0
        self.handed: dict[int, float] = {}  # update id -> first hand-out in getUpdates
        self.in_flight: dict[int, int] = {}  # chat id -> the update being handled for it
        self.replies: dict[int, list[float]] = {}  # update id -> arrival of each reply call

    def push_update(self, body: Json) -> None:
        super().push_update(body)
        self.last_pushed = int(self.updates[-1]["update_id"])

    async def m_getUpdates(self, params: Json) -> list[Json]:
        batch = await super().m_getUpdates(params)
        now = time.perf_counter()
        for update in batch:
            self.handed.setdefault(int(update["update_id"]), now)
        return batch

    def _reply_arrived(self, params: Json) -> None:
        now = time.perf_counter()
        try:
            chat_id = int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return
        update_id = self.in_flight.get(chat_id)
        if update_id is not None:
            self.replies.setdefault(update_id, []).append(now)

    async def m_sendMessage(self, params: Json) -> Json:
        self._reply_arrived(params)
        return await super().m_sendMessage(params)

    async def m_editMessageText(self, params: Json) -> Json:
        self._reply_arrived(params)
        return await super().m_editMessageText(params)

    async def m_editMessageReplyMarkup(self, params: Json) -> Json:
        self._reply_arrived(params)
        return await super().m_editMessageReplyMarkup(params)


# ---- the floor: a bare echo bot --------------------------------------------------------------------

FLOOR_MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None and update.effective_message is not None:
        text = update.effective_message.text or "…"
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=FLOOR_MARKUP)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "…", reply_markup=FLOOR_MARKUP)


# The floor's HTTP client: PTB's own (httpx), or the bot's (bot/telegram/http.py) with --floor-http aiohttp,
# which shows what is left once both bots pay the same per call.
FLOOR_HTTP = ["httpx"]


@asynccontextmanager
async def running_echo(api: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The floor, started and stopped as ``running_bot`` does ours."""
    builder = ApplicationBuilder().token(TOKEN).base_url(api.base_url).base_file_url(api.base_file_url)
    if FLOOR_HTTP[0] == "aiohttp":
        calls, updates = http_requests()
        builder = builder.request(calls).get_updates_request(updates)
    app = builder.concurrent_updates(True).build()
    app.add_handler(MessageHandler(filters.TEXT, echo_message))
    app.add_handler(CallbackQueryHandler(echo_press))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"])
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# ---- the SQLite worker thread, timed ---------------------------------------------------------------


@dataclass
class SqlClock:
    """Time spent on the store's database thread, by kind of call, and durable commits (group commits)."""

    busy: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # kind -> [count, seconds]
    commits: int = 0
    commit_seconds: float = 0.0
    writes: int = 0  # writes committed by those commits (a batch holds several)
    frozen: bool = False  # set at the end of the measured run: shutdown work is not counted

    def freeze(self) -> None:
        self.frozen = True

    def wrap(self, function: Callable[[], Any]) -> Callable[[], Any]:
        inner = getattr(function, "func", function)
        kind = getattr(inner, "__name__", "?")
        durable = kind == "_commit"  # Database._commit: one group commit, every write of its batch
        batch = len(function.args[0]) if durable and isinstance(function, functools.partial) else 0

        def timed() -> Any:
            if self.frozen:
                return function()
            started = time.perf_counter()
            try:
                return function()
            finally:
                spent = time.perf_counter() - started
                self.busy += spent
                entry = self.by_kind.setdefault("commit" if durable else "read", [0, 0.0])
                entry[0] += 1
                entry[1] += spent
                if durable:
                    self.commits += 1
                    self.writes += batch
                    self.commit_seconds += spent

        return timed


class _TimedExecutor:
    """The database's one-thread executor, every call it runs timed."""

    def __init__(self, executor: Any, clock: SqlClock) -> None:
        self.executor, self.clock = executor, clock

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        return self.executor.submit(self.clock.wrap(functools.partial(function, *args) if args else function))

    def shutdown(self, wait: bool = True) -> None:
        self.executor.shutdown(wait=wait)


async def time_sqlite(app: Application) -> SqlClock | None:  # type: ignore[type-arg]
    """Time every call the store's database runs on its thread."""
    courier = app.bot_data.get("courier")
    database = getattr(getattr(getattr(courier, "outbox", None), "store", None), "database", None)
    if database is None or getattr(database, "_thread", None) is None:
        return None
    clock = SqlClock()
    database._thread = _TimedExecutor(database._thread, clock)
    return clock


# ---- the citizens ----------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    citizens: int
    updates: int = 0
    reports: int = 0
    failed: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    api_calls: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, hand-out -> last reply
    firsts: list[float] = field(default_factory=list)  # hand-out -> first reply
    dones: list[float] = field(default_factory=list)  # hand-out -> process_update returned
    errors: list[str] = field(default_factory=list)
    sql: SqlClock | None = None
    think: float = 0.0  # mean seconds a citizen waits before each step (0: the closed loop)
    complete: bool = True  # False: stopped at the time box before every citizen was through
    censored: int = 0  # updates still in flight at the time box; their age then is in ``latencies``

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds if self.seconds else 0.0


class Driver:
    """Pushes each citizen's updates and wakes the citizen when the bot has handled one."""

    def __init__(self, api: TimedApi, run: Run, floor: bool) -> None:
        self.api, self.run, self.floor = api, run, floor
        self.think = run.think
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def watch(self, app: Application) -> None:  # type: ignore[type-arg]
        """Wrap the application's ``process_update`` to learn when each update is done."""
        original = app.process_update

        async def process_update(update: object) -> None:
            try:
                await original(update)
            finally:
                if isinstance(update, Update):
                    waiter = self.waiting.pop(update.update_id, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(time.perf_counter())

        app.process_update = process_update  # type: ignore[method-assign]

    def _press(self, user_id: int, label: str) -> None:
        user = self.api.users[user_id]
        if self.floor:
            message = floor_question(self.api, user_id)
            assert message.reply_markup is not None
            user.press(message.message_id, str(message.reply_markup["inline_keyboard"][0][0]["callback_data"]))
        else:
            question = last_question(self.api, user_id)
            user.press(question.message_id, button_data(question, label))

    async def step(self, user_id: int, action: str, argument: str) -> None:
        if action == "say":
            self.api.users[user_id].send(argument)
        else:
            self._press(user_id, argument)
        update_id = self.api.last_pushed
        self.api.in_flight[user_id] = update_id
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = waiter
        try:
            done = await asyncio.wait_for(waiter, timeout=STEP_TIMEOUT)
        finally:
            self.waiting.pop(update_id, None)
            self.api.in_flight.pop(user_id, None)
        handed = self.api.handed.get(update_id, done)
        replies = self.api.replies.pop(update_id, [])
        self.run.updates += 1
        self.run.dones.append(done - handed)
        if replies:
            self.run.latencies.append(replies[-1] - handed)
            self.run.firsts.append(replies[0] - handed)
        else:
            raise AssertionError(f"no reply to {action} {argument!r}")

    async def walk(self, user_id: int) -> None:
        self.api.user(user_id, first_name="Citizen", language_code="en")
        pace = random.Random(user_id)
        try:
            for action, argument in WALK:
                if self.think:  # reading the question and tapping takes a person a while
                    await asyncio.sleep(self.think * pace.uniform(0.5, 1.5))
                await self.step(user_id, action, argument)
            if not self.floor:
                last = self.api.bot_messages(user_id)[-1].text or ""
                if SENT not in last:
                    raise AssertionError(f"last message is not the confirmation: {last[:60]!r}")
                self.run.reports += 1
        except Exception as exc:  # one citizen's failure is counted, the others go on
            self.run.failed += 1
            if len(self.run.errors) < 3:
                self.run.errors.append(f"citizen {user_id}: {type(exc).__name__}: {str(exc)[:200]}")


def floor_question(api: FakeBotApi, chat_id: int) -> FakeMessage:
    with_buttons = [m for m in api.bot_messages(chat_id) if m.reply_markup and "inline_keyboard" in m.reply_markup]
    assert with_buttons, "the floor sent no message with a button"
    return with_buttons[-1]


async def progress(run: Run, started: float, total: int) -> None:
    while True:
        await asyncio.sleep(5)
        line = f"  [{run.label} {run.citizens}] {time.perf_counter() - started:5.1f} s: {run.updates}/{total} updates"
        if run.label == "ours":
            line += f", {run.reports} reports"
        print(line, flush=True)


async def drive(api: TimedApi, app: Application, run: Run, floor: bool, deadline: float) -> None:  # type: ignore[type-arg]
    driver = Driver(api, run, floor)
    driver.watch(app)
    first_user = 10_000
    total = run.citizens * len(WALK)
    calls_before = sum(1 for name, _ in api.calls if name != "getUpdates")
    cpu_before = time.process_time()
    started = time.perf_counter()
    ticker = asyncio.create_task(progress(run, started, total))
    walks = [asyncio.create_task(driver.walk(first_user + n)) for n in range(run.citizens)]
    try:
        _, pending = await asyncio.wait(walks, timeout=deadline)
        run.seconds = time.perf_counter() - started
        if run.sql is not None:
            run.sql.freeze()
        if pending:
            run.complete = False
            # What is still in flight waited at least this long: left out, p99 would look better than it is.
            cut = time.perf_counter()
            for update_id in driver.waiting:
                if update_id in api.handed:
                    run.latencies.append(cut - api.handed[update_id])
                    run.censored += 1
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    run.cpu_seconds = time.process_time() - cpu_before
    run.api_calls = sum(1 for name, _ in api.calls if name != "getUpdates") - calls_before


async def run_level(citizens: int, floor: bool, deadline: float, profiler: Any = None, think: float = 0.0) -> Run:
    run = Run("floor" if floor else "ours", citizens, think=think)
    api = TimedApi()
    await api.start()
    try:
        if floor:
            async with running_echo(api) as app:
                await drive(api, app, run, floor, deadline)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                async with running_bot(api, Path(tmp) / "bot.sqlite3", **BOT_ENV) as running:
                    run.sql = await time_sqlite(running.app)
                    if profiler is not None:
                        profiler.start()
                    try:
                        await drive(api, running.app, run, floor, deadline)
                    finally:
                        if profiler is not None:
                            profiler.stop()
    finally:
        await api.stop()
    return run


# ---- reporting -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, in milliseconds; NaN when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(share * len(ordered) + 0.999999) - 1))
    return ordered[rank] * 1000


def print_table(rows: list[tuple[Run, Run]]) -> None:
    head = (
        f"{'citizens':>8} {'updates':>8} │ {'upd/s ours':>10} {'upd/s floor':>11} {'ratio':>6} │ {'reports/s':>9} │"
        f" {'p50 ours':>8} {'p99 ours':>8} │ {'p50 floor':>9} {'p99 floor':>9}"
    )
    print(head)
    print("─" * len(head))
    for ours, floor in rows:
        ratio = ours.updates_per_second / floor.updates_per_second if floor.updates_per_second else float("nan")
        mark = "" if ours.complete and floor.complete else " †"
        mark += "" if not ours.failed and not floor.failed else " *"
        print(
            f"{ours.citizens:>8} {ours.updates:>8} │ {ours.updates_per_second:>10.0f} {floor.updates_per_second:>11.0f}"
            f" {ratio:>6.2f} │ {ours.reports_per_second:>9.1f} │"
            f" {percentile(ours.latencies, 0.5):>6.1f}ms {percentile(ours.latencies, 0.99):>6.1f}ms │"
            f" {percentile(floor.latencies, 0.5):>7.1f}ms {percentile(floor.latencies, 0.99):>7.1f}ms{mark}"
        )


def print_details(rows: list[tuple[Run, Run]]) -> None:
    print("\nper level (ms): hand-out -> first reply call, -> process_update done (ours: after its last commit)")
    for ours, floor in rows:
        for run in (ours, floor):
            calls = run.api_calls / run.updates if run.updates else float("nan")
            cpu = run.cpu_seconds / run.updates * 1000 if run.updates else float("nan")
            line = (
                f"  {run.label:>5} {run.citizens:>5}: first p50 {percentile(run.firsts, 0.5):6.1f} p99"
                f" {percentile(run.firsts, 0.99):6.1f} │ done p50 {percentile(run.dones, 0.5):6.1f} p99"
                f" {percentile(run.dones, 0.99):6.1f} │ {run.seconds:5.1f} s wall, {cpu:4.2f} ms CPU/update"
                f" (process), {calls:3.1f} API calls/update"
            )
            if run.sql is not None and run.updates:
                sql = run.sql
                line += (
                    f" │ SQLite thread busy {sql.busy / run.seconds:4.0%} of wall,"
                    f" {sql.commits / run.updates:4.2f} durable commits/update,"
                    f" {sql.commit_seconds / max(1, sql.commits) * 1000:4.2f} ms/commit"
                )
                if sql.commits:
                    line += f", {sql.writes / sql.commits:4.1f} writes/commit"
            if not run.complete:
                line += (
                    f" │ time-boxed: {run.updates} of {run.citizens * len(WALK)} updates done,"
                    f" {run.censored} in flight at the cut"
                )
            if run.failed:
                line += f" │ {run.failed} citizens failed"
            print(line)
            for error in run.errors:
                print(f"      {error}")


def print_paced(paced: list[tuple[Run, Run]], seconds: float) -> None:
    for ours, floor in paced:
        think = ours.think
        print(
            f"\npaced: {ours.citizens} citizens, each waiting 0.5-1.5 × {think:g} s before every step"
            f" (offered ≈ {ours.citizens / think:.0f} updates/s), time-boxed at {seconds:.0f} s per bot; ms"
        )
        print(
            f"  {'bot':>5} {'updates':>7} {'upd/s':>6} │ {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6} │"
            f" {'first p50':>9} {'p99':>6} │ {'done p50':>8} {'p99':>6}"
        )
        for run in (ours, floor):
            lat = run.latencies
            print(
                f"  {run.label:>5} {run.updates:>7} {run.updates_per_second:>6.1f} │ {percentile(lat, 0.5):>6.1f}"
                f" {percentile(lat, 0.9):>6.1f} {percentile(lat, 0.99):>6.1f} {max(lat, default=0) * 1000:>6.1f} │"
                f" {percentile(run.firsts, 0.5):>9.1f} {percentile(run.firsts, 0.99):>6.1f} │"
                f" {percentile(run.dones, 0.5):>8.1f} {percentile(run.dones, 0.99):>6.1f}"
                + (f"  ({run.failed} citizens failed)" if run.failed else "")
            )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_goals(rows: list[tuple[Run, Run]], paced: list[tuple[Run, Run]]) -> None:
    for ours, floor in rows:
        if ours.citizens != GOAL_LEVEL:
            continue
        ratio = ours.updates_per_second / floor.updates_per_second if floor.updates_per_second else float("nan")
        closed = percentile(ours.latencies, 0.99)
        print(
            f"\ngoal at {GOAL_LEVEL} citizens: ratio ≥ {GOAL_RATIO} → {ratio:.2f} ({verdict(ratio >= GOAL_RATIO)});"
            f" p99 ≤ {GOAL_P99_MS:.0f} ms → closed loop {closed:.1f} ms ({verdict(closed <= GOAL_P99_MS)})",
            end="",
        )
        for paced_ours, _ in paced:
            if paced_ours.citizens == GOAL_LEVEL:
                p99 = percentile(paced_ours.latencies, 0.99)
                print(f", paced {p99:.1f} ms ({verdict(p99 <= GOAL_P99_MS)})", end="")
        print()
    print(
        "  (closed loop: by Little's law the mean latency is about citizens ÷ updates/s, so at 100 citizens"
        " a 25 ms p99 would need over 4,000 updates/s; the paced run shows the latency at a human pace)"
    )


# ---- profiling -------------------------------------------------------------------------------------


def group_of(path: str | None) -> str:
    if not path:
        return "(native)"
    path = path.replace("\\", "/")
    root = str(ROOT).replace("\\", "/") + "/"
    if path.startswith(root):
        relative = path[len(root) :]
        if relative.startswith("bot/"):
            return relative
        if relative.startswith("testing/fakeapi/"):
            return "offline Bot API (testing/fakeapi)"
        return "bench driver (bench/, tests/e2e)"
    for marker, name in (
        ("/telegram/", "python-telegram-bot"),
        ("/httpx/", "httpx/httpcore/h11 (bot's HTTP client)"),
        ("/httpcore/", "httpx/httpcore/h11 (bot's HTTP client)"),
        ("/h11/", "httpx/httpcore/h11 (bot's HTTP client)"),
        ("/anyio/", "httpx/httpcore/h11 (bot's HTTP client)"),
        ("/aiohttp/", "aiohttp/yarl/multidict (offline API server)"),
        ("/yarl/", "aiohttp/yarl/multidict (offline API server)"),
        ("/multidict/", "aiohttp/yarl/multidict (offline API server)"),
        ("/store/sqlite/database", "the store's database (event-loop side)"),
        ("/aiolimiter/", "aiolimiter (AIORateLimiter)"),
        ("/cryptography/", "cryptography (sealing)"),
        ("/json/", "json"),
        ("selectors.py", "idle (waiting in epoll)"),
        ("/asyncio/", "asyncio"),
        ("/logging/", "logging"),
        ("/dataclasses.py", "dataclasses"),
    ):
        if marker in path:
            return name
    return Path(path).name


def frames(frame: Any) -> Iterator[Any]:
    yield frame
    for child in frame.children:
        yield from frames(child)


def where(frame: Any) -> str:
    path = str(frame.file_path or "")
    root = str(ROOT) + "/"
    short = path[len(root) :] if path.startswith(root) else "/".join(path.split("/")[-2:])
    return f"{short}:{frame.function}"


def inclusive_ours(frame: Any, on_path: frozenset[str], totals: dict[str, float]) -> None:
    """Time under each bot/ function, counted once per stack (recursion and re-entry not doubled)."""
    key = where(frame) if group_of(frame.file_path).startswith("bot/") and not frame.is_synthetic else ""
    if key and key not in on_path:
        totals[key] = totals.get(key, 0.0) + frame.time
        on_path = on_path | {key}
    for child in frame.children:
        inclusive_ours(child, on_path, totals)


def print_profile(session: Any, run: Run) -> None:
    root = session.root_frame(trim_stem=False)
    if root is None:
        print("no samples")
        return
    total = root.time
    busy = 0.0
    by_group: dict[str, float] = {}
    by_function: dict[str, float] = {}
    for frame in frames(root):
        if frame.is_synthetic:
            continue
        own = frame.total_self_time
        group = group_of(frame.file_path)
        by_group[group] = by_group.get(group, 0.0) + own
        by_function[where(frame)] = by_function.get(where(frame), 0.0) + own
        if not group.startswith("idle"):
            busy += own
    per_update = 1000 / run.updates if run.updates else float("nan")
    print(f"\nprofile: ours at {run.citizens} citizens, {total:.1f} s sampled (event-loop thread) ({busy:.1f} s busy)")
    print(f"  {run.updates} updates in {run.seconds:.1f} s ({run.updates_per_second:.0f}/s while profiled)")
    print("\n  self time by where the code lives (share of sampled wall time, ms per update):")
    ours_total = sum(t for g, t in by_group.items() if g.startswith("bot/"))
    for group, seconds in sorted(by_group.items(), key=lambda kv: -kv[1])[:16]:
        print(f"    {seconds / total:6.1%} {seconds * per_update:7.3f}  {group}")
    print(f"    {ours_total / total:6.1%} {ours_total * per_update:7.3f}  all of bot/ together")
    print("\n  top functions by self time:")
    for name, seconds in sorted(by_function.items(), key=lambda kv: -kv[1])[:22]:
        print(f"    {seconds / total:6.1%} {seconds * per_update:7.3f}  {name}")
    inclusive: dict[str, float] = {}
    inclusive_ours(root, frozenset(), inclusive)
    print("\n  our functions by time spent under them (inclusive, the event-loop thread only):")
    for name, seconds in sorted(inclusive.items(), key=lambda kv: -kv[1])[:22]:
        print(f"    {seconds / total:6.1%} {seconds * per_update:7.3f}  {name}")
    if run.sql is not None:
        sql = run.sql
        print(
            f"\n  SQLite worker thread: busy {sql.busy:.1f} s of {run.seconds:.1f} s ({sql.busy / run.seconds:.0%});"
            f" {sql.commits} durable commits ({sql.commits / max(1, run.updates):.1f}/update,"
            f" {sql.commit_seconds / max(1, sql.commits) * 1000:.2f} ms each, {sql.commit_seconds:.1f} s in all)"
        )
        if sql.commits:
            print(f"  group commit: {sql.writes / sql.commits:.1f} writes per durable commit")
        for kind, (count, seconds) in sorted(sql.by_kind.items(), key=lambda kv: -kv[1][1])[:8]:
            print(
                f"    {kind:<14} {int(count):>7} calls {count / max(1, run.updates):5.2f}/update"
                f" {seconds:6.2f} s ({seconds / max(1e-9, sql.busy):4.0%} of busy), {seconds / count * 1e3:.3f} ms each"
            )


def save(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


async def profile(citizens: int, deadline: float, html: str | None) -> None:  # deadline: the profiled run's box
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\nprofile skipped: pip install pyinstrument")
        return
    profiler = Profiler(interval=0.001, async_mode="disabled")
    print(f"\nprofiling ours at {citizens} citizens (pyinstrument, event-loop thread) …", flush=True)
    run = await run_level(citizens, False, deadline, profiler)
    session = profiler.last_session
    if session is None:
        print("no profile recorded")
        return
    print_profile(session, run)
    if html:
        save(html, profiler.output_html())
        print(f"\n  full profile: {html}")


# ---- main ------------------------------------------------------------------------------------------


@dataclass
class Options:
    levels: list[int]
    deadline: float
    paced: list[int]
    think: float
    paced_seconds: float
    profile: int
    profile_seconds: float
    profile_html: str | None
    floor_http: str


async def main(o: Options) -> None:
    logging.getLogger("bot").setLevel(logging.ERROR)  # start-up notes (new data key, unbound queue) each run
    # A run cut by its time box stops the updater with updates pulled but unhandled; PTB says so at CRITICAL.
    logging.getLogger("telegram.ext.Updater").addFilter(lambda record: "stopped unexpectedly" not in record.msg)
    print(
        "throttling off: offline API global/group/private limits = None;"
        f" bot OVERALL_MESSAGES_PER_SECOND={BOT_ENV['OVERALL_MESSAGES_PER_SECOND']}"
    )
    FLOOR_HTTP[0] = o.floor_http
    print(f"{len(WALK)} updates per citizen (walk_english); latency = getUpdates hand-out -> last reply call arrives")
    client = "PTB's default, httpx" if o.floor_http == "httpx" else "the bot's own, aiohttp"
    print(f"floor: bare PTB echo bot; its HTTP client: {client} (--floor-http)")
    print(f"cores: {os.cpu_count()}, load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)
    rows: list[tuple[Run, Run]] = []
    for citizens in o.levels:
        floor = await run_level(citizens, True, o.deadline)
        print(f"  floor {citizens:>5}: {floor.updates} updates in {floor.seconds:.1f} s", flush=True)
        ours = await run_level(citizens, False, o.deadline)
        print(f"  ours  {citizens:>5}: {ours.updates} updates in {ours.seconds:.1f} s", flush=True)
        rows.append((ours, floor))
    paced: list[tuple[Run, Run]] = []
    for citizens in o.paced:
        print(f"  paced {citizens} citizens, {o.paced_seconds:.0f} s each …", flush=True)
        floor = await run_level(citizens, True, o.paced_seconds, think=o.think)
        ours = await run_level(citizens, False, o.paced_seconds, think=o.think)
        paced.append((ours, floor))
    print("\nclosed loop: every citizen sends its next update as soon as the bot has handled the last one")
    print_table(rows)
    print_details(rows)
    if any(not (ours.complete and floor.complete) for ours, floor in rows):
        print(
            f"† time-boxed at {o.deadline:.0f} s: rates are over the box (the ratio compares rates, not equal counts);"
            " p50/p99 include the updates still in flight at the cut, at their age then (a lower bound)"
        )
    if any(ours.failed or floor.failed for ours, floor in rows):
        print("* some citizens failed: see the details above")
    print_paced(paced, o.paced_seconds)
    print_goals(rows, paced)
    if o.profile:
        await profile(o.profile, o.profile_seconds, o.profile_html)


def parse_levels(raw: str) -> list[int]:
    levels = [int(part) for part in raw.split(",") if part.strip()]
    if not levels or any(n < 1 for n in levels):
        raise argparse.ArgumentTypeError("--citizens takes positive whole numbers separated by commas")
    return levels


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=parse_levels, default=[10, 100, 1000], help="levels (default 10,100,1000)")
    parser.add_argument("--deadline", type=float, default=60.0, help="time box per closed-loop run (default 60 s)")
    parser.add_argument("--paced", type=parse_levels, default=[100], help="levels of the paced runs (default 100)")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced runs")
    parser.add_argument("--think", type=float, default=5.0, help="paced: mean seconds before each step (default 5)")
    parser.add_argument("--paced-seconds", type=float, default=30.0, help="time box per paced run (default 30 s)")
    parser.add_argument("--profile", type=int, default=100, help="citizens in the profiled run; 0 skips (default 100)")
    parser.add_argument("--profile-seconds", type=float, default=30.0, help="time box of the profiled run (30 s)")
    parser.add_argument("--profile-html", default=None, help="also write pyinstrument's HTML report here")
    parser.add_argument(
        "--floor-http",
        choices=["httpx", "aiohttp"],
        default="httpx",
        help="the floor's HTTP client: PTB's default (httpx) or the bot's own (aiohttp); default httpx",
    )
    args = parser.parse_args(argv)
    options = Options(
        levels=args.citizens,
        deadline=args.deadline,
        paced=[] if args.no_paced else args.paced,
        think=args.think,
        paced_seconds=args.paced_seconds,
        profile=args.profile,
        profile_seconds=args.profile_seconds,
        profile_html=args.profile_html,
        floor_http=args.floor_http,
    )
    asyncio.run(main(options))


if __name__ == "__main__":
    cli()
