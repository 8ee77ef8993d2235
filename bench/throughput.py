"""Throughput and latency of the citizen flow as deployed: the bot in a process of its own, two echo bots as floors.

    python bench/throughput.py [--citizens 10,100,500] [--deadline 60] [--paced 100] [--think 5]
                               [--paced-seconds 150] [--no-paced] [--floors stock,aiohttp] [--bot-root DIR]

Processes. This one runs the offline Bot API (``testing/fakeapi/server.py``, served over HTTP on 127.0.0.1,
its global, group and private limits off) and the simulated citizens, on one event loop. The bot under
test is ``python main.py run`` in a process of its own, as deployed, polling that API: cwd and PYTHONPATH
are ``--bot-root`` (default: this checkout), so a copy or worktree of an older commit is measured with
this same bench for a "before" figure. It writes a real SQLite file in a temporary directory (WAL,
``synchronous=FULL``, a durable commit per step) and runs with OVERALL_MESSAGES_PER_SECOND=1000000, so
neither Telegram's limits nor the bot's own send limiter is what is measured (FLOOD_MESSAGES_PER_MINUTE
keeps its default of 30; a walk is 16 updates). The floors are ``bench/floors.py`` in processes of their
own, always from this checkout: ``stock``, python-telegram-bot's echo bot as shipped (httpx), and
``aiohttp``, the same bot on the project's HTTP client (``bot.telegram.http.http_requests``), which shows
what the bot itself costs once both pay the same per Bot API call. Both: ``concurrent_updates(True)``,
polling with ``poll_interval=0``; a text is sent back with a one-button keyboard, a press is answered and
followed by a message with that keyboard. Every bot process gets a fresh offline API; the clock starts
once it polls (its first getUpdates) and its start-up calls have stopped.

Citizens. Each walks the English report (``WALK``: the 16 updates of ``walk_english`` in
``testing/citizens.py``, from /start to "Send to NCCIA"); a floor gets the same updates, a tap pressing
its one button. What is measured, per update, all in this process (``time.perf_counter``):

* hand-out: when the offline API first returns the update in a getUpdates answer (so the HTTP answer,
  PTB's parsing, its queue and the handler all count as the bot's);
* ready: when the Bot API call arrives that lets the citizen take the next step. Ours: when the next
  step is a tap, the first call after hand-out after which that button is on the chat's last question
  (``button_data(last_question(...))``), the question having been sent or changed since the update was
  pushed (a multi-select's "Done" is on screen before the tap that precedes it is handled); when the
  next step is a message, the first sendMessage to the chat; after the last step, the call whose text
  holds ``SENT``. A floor: its sendMessage;
* last: the last reply call (sendMessage, editMessageText, editMessageReplyMarkup) to the chat before
  the citizen's next update is handed out, or, after the last step and in the paced runs, within
  300 ms after ready (the complete screen; answerCallbackQuery is not a reply).

Latency = ready - hand-out (the tables); last - hand-out in the details. A citizen takes its next step
once the previous one is ready. Calls per update: every Bot API call the bot made but getUpdates, from
the start of the clock to the end of the run (plus 300 ms for the calls still on their way), divided by
the updates that got ready, in all and by method. CPU per update: utime + stime of the bot's process
(all its threads, ``/proc/<pid>/stat``) over the same span, divided by those updates: the fairest cost
figure, as the wall clock also carries this process and the neighbours of a shared machine. This
process's own CPU per update is printed too: near a whole core, the bench, not the bot, is the limit.

Runs. The closed loop: at each ``--citizens`` level N, N citizens walk at once, each sending its next
update as soon as the previous is ready (N updates in flight), time-boxed by ``--deadline``: a run cut
by the box reports its rates over the box, and counts the updates still in flight at the cut, at their
age then, in the percentiles (lower bounds); tables mark such rows with †. By Little's law the mean
latency there is about N / updates per second: it is mostly queueing. The paced runs (``--paced``) show
the latency at a human pace: citizen n of N starts at n/N x ``--think`` seconds, then waits 0.5-1.5 x
``--think`` before every later step, so a walk takes about 16 x think seconds (80 s at 5 s); each run
ends when every citizen is through or at ``--paced-seconds``. At every level ours and each floor of
``--floors`` run one after the other, so all see the same neighbours.

The bot's internals are not visible from here (its SQLite thread, its event loop). With ``--profile FILE``
every run of ours is sampled by pyinstrument (``pip install pyinstrument``; not a dependency of the bot),
started as ``python -m pyinstrument -o FILE.<N>.txt main.py run`` (``FILE.paced<N>.txt`` when paced; FILE's
suffix, if any, picks the renderer: ``--profile prof.pstats`` writes ``prof.100.pstats`` for ``pstats``);
the bot's own figures then include pyinstrument's overhead, so compare them with a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import importlib.util
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing.citizens import button_data, last_question, unmarked  # noqa: E402
from testing.fakeapi.server import FakeBotApi, FakeMessage, Json  # noqa: E402

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
REPLY_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
TOKEN = "123456:TEST-TOKEN"
OURS = "ours"
FLOORS = ("stock", "aiohttp", "calls")
FLOOR_SCRIPT = ROOT / "bench" / "floors.py"
OVERALL_MESSAGES_PER_SECOND = "1000000"
GOAL_RATIO, GOAL_P99_MS, GOAL_LEVEL = 0.5, 25.0, 100
TRAIL = 0.3  # seconds after ready in which a reply call still counts as "last" (final step, paced runs)
PROGRESS_EVERY = 5.0
START_WITHIN = 60.0  # a bot process not polling by then is a failed run
QUIET = 0.5  # the clock starts once the bot made no call but getUpdates for this long (start-up is not measured)
STOP_WITHIN = 30.0  # SIGTERM, then SIGKILL: a bot cut by the box first finishes the updates it has (PTB's stop)
STUCK = 10.0  # at a cut, an update waiting longer than this is reported, with the chat's last message
FIRST_USER = 10_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- the offline API, timed ----------------------------------------------------------------------


@dataclass(eq=False)
class Step:
    """One update of one citizen, from its push to the call that lets the citizen go on."""

    chat_id: int
    index: int  # in WALK
    expect: str  # "button": the next tap's button is offered; "message": a sendMessage; "sent": the receipt
    label: str  # "button": part of the next button's label
    before: tuple[int, str | None, object] | None  # "button": the chat's last question when this was pushed
    capped: bool  # "last" only within TRAIL after ready (final step, paced runs)
    ready: asyncio.Future[float]
    pushed: float
    handed: float | None = None
    ready_at: float | None = None
    replies: list[float] = field(default_factory=list)  # arrival of each reply call attributed to this update


def shown_question(api: FakeBotApi, chat_id: int) -> tuple[int, str | None, object] | None:
    """The chat's last question with buttons as (id, text, keyboard object); None when there is none."""
    try:
        question = last_question(api, chat_id)
    except AssertionError:
        return None
    return question.message_id, question.text, question.reply_markup


class TimedApi(FakeBotApi):
    """The offline Bot API with its limits off, noting when each update is handed out and when it is ready."""

    def __init__(self) -> None:
        super().__init__()
        self.global_limit = None
        self.group_limit = None
        self.private_limit = None
        self.last_pushed = 0
        self.polled = False
        self.unhanded: dict[int, Step] = {}  # update id -> its step, until a getUpdates answer hands it out
        self.current: dict[int, Step] = {}  # chat -> the citizen's latest update
        self.previous: dict[int, Step] = {}  # chat -> the one before it
        self.ready_count = 0
        self.reports = 0

    def push_update(self, body: Json) -> None:
        super().push_update(body)
        self.last_pushed = int(self.updates[-1]["update_id"])

    async def stop(self) -> None:
        # The bot's process is gone, but its last long poll still waits in its handler, and the server's
        # clean-up waits for handlers: wake it (10 s per run of ours otherwise).
        self._arrived.set()
        await super().stop()

    def track(self, step: Step) -> None:
        """``step`` is the update just pushed for its chat (called before this task yields)."""
        self.unhanded[self.last_pushed] = step
        older = self.current.get(step.chat_id)
        if older is not None:
            self.previous[step.chat_id] = older
        self.current[step.chat_id] = step

    async def m_getUpdates(self, params: Json) -> list[Json]:
        self.polled = True  # on arrival: an empty long poll answers only after its timeout (10 s for ours)
        batch = await super().m_getUpdates(params)
        now = time.perf_counter()
        for update in batch:
            step = self.unhanded.pop(int(update["update_id"]), None)
            if step is not None:
                step.handed = now
        return batch

    def _changed(self, chat: object) -> None:
        # FakeBotApi._handle calls this right after it applied a successful call, with no await since it
        # appended the call to ``calls``: calls[-1] is this call, and the chat's messages already show it.
        super()._changed(chat)
        now = time.perf_counter()
        try:
            chat_id = int(chat)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return  # getUpdates, getMe, answerCallbackQuery…: no chat
        step = self.current.get(chat_id)
        if step is None:
            return
        method, params = self.calls[-1]
        if step.handed is None:
            # The citizen's next update is not handed out yet, so this call can only be for the one before.
            older = self.previous.get(chat_id)
            if older is not None and method in REPLY_METHODS:
                older.replies.append(now)
            return
        if method in REPLY_METHODS:
            step.replies.append(now)
        # The call was applied a few µs ago, in this same turn of the event loop: ``now`` is its arrival.
        if step.ready_at is None and self.lets_go_on(step, method, params):
            step.ready_at = now
            self.ready_count += 1
            self.reports += step.expect == "sent"
            if not step.ready.done():
                step.ready.set_result(now)

    def lets_go_on(self, step: Step, method: str, params: Json) -> bool:
        if step.expect == "message":
            return method == "sendMessage"
        if step.expect == "sent":
            return method in ("sendMessage", "editMessageText") and SENT in unmarked(str(params.get("text", "")))
        shown = shown_question(self, step.chat_id)
        if shown is None or (step.before is not None and same_question(shown, step.before)):
            return False  # still the question that was on screen when the update was pushed
        try:
            button_data(last_question(self, step.chat_id), step.label)
        except AssertionError:
            return False
        return True


def same_question(one: tuple[int, str | None, object], other: tuple[int, str | None, object]) -> bool:
    """Same message, text and keyboard: every edit stores the keyboard object of its own call, so identity
    tells a replaced keyboard (a multi-select's tick) from the one that was there."""
    return one[0] == other[0] and one[1] == other[1] and one[2] is other[2]


def floor_question(api: FakeBotApi, chat_id: int) -> FakeMessage:
    with_buttons = [m for m in api.bot_messages(chat_id) if m.reply_markup and "inline_keyboard" in m.reply_markup]
    assert with_buttons, "the floor sent no message with a button"
    return with_buttons[-1]


# ---- the citizens ----------------------------------------------------------------------------------


@dataclass
class Run:
    bot: str  # "ours" or a floor's name
    citizens: int
    think: float = 0.0  # mean seconds a citizen waits before each step (0: the closed loop)
    updates: int = 0  # updates that got ready
    reports: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # hand-out -> ready (and the age of those cut)
    lasts: list[float] = field(default_factory=list)  # hand-out -> last reply call
    by_step: list[list[float]] = field(default_factory=lambda: [[] for _ in WALK])  # latencies, by WALK step
    lasts_by_step: list[list[float]] = field(default_factory=lambda: [[] for _ in WALK])
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    bot_cpu: float = math.nan
    loop_cpu: float = math.nan  # the bot's main thread alone: its event loop (the rest: SQLite, the PIN pool)
    bench_cpu: float = math.nan
    complete: bool = True  # False: stopped by the time box (or the bot's exit) before every citizen was through
    censored: int = 0  # updates in flight at the cut; their age then is in ``latencies``
    errors: list[str] = field(default_factory=list)  # something went wrong: the row is marked *
    notes: list[str] = field(default_factory=list)  # updates still waiting long at the cut (queueing, or stuck)
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def reports_per_second(self) -> float:
        return self.reports / self.seconds if self.seconds else 0.0

    def per_update(self, value: float) -> float:
        return value / self.updates if self.updates else math.nan

    @property
    def calls_per_update(self) -> float:
        return self.per_update(sum(self.calls.values()))

    @property
    def cut(self) -> str:
        return "" if self.complete else " †"


class Citizens:
    """Pushes each citizen's updates; a citizen goes on once the bot made its previous update ready."""

    def __init__(self, api: TimedApi, run: Run) -> None:
        self.api, self.run = api, run
        self.floor = run.bot != OURS
        self.steps: list[Step] = []

    def expectation(self, index: int) -> tuple[str, str]:
        if self.floor:
            return "message", ""
        if index + 1 == len(WALK):
            return "sent", ""
        action, argument = WALK[index + 1]
        return ("button", argument) if action == "tap" else ("message", "")

    def push(self, user_id: int, action: str, argument: str) -> None:
        user = self.api.users[user_id]
        if action == "say":
            user.send(argument)
        elif self.floor:
            question = floor_question(self.api, user_id)
            assert question.reply_markup is not None
            user.press(question.message_id, str(question.reply_markup["inline_keyboard"][0][0]["callback_data"]))
        else:
            question = last_question(self.api, user_id)
            user.press(question.message_id, button_data(question, argument))

    async def step(self, user_id: int, index: int) -> None:
        action, argument = WALK[index]
        expect, label = self.expectation(index)
        pushed = time.perf_counter()
        self.push(user_id, action, argument)
        step = Step(
            chat_id=user_id,
            index=index,
            expect=expect,
            label=label,
            before=shown_question(self.api, user_id) if expect == "button" else None,
            capped=bool(self.run.think) or index + 1 == len(WALK),
            ready=asyncio.get_running_loop().create_future(),
            pushed=pushed,
        )
        self.api.track(step)  # before any await: no getUpdates answer can hand the update out untracked
        self.steps.append(step)
        await step.ready

    async def walk(self, user_id: int, start_after: float) -> None:
        self.api.user(user_id, first_name="Citizen", language_code="en")
        pace = random.Random(user_id)
        try:
            if start_after:
                await asyncio.sleep(start_after)
            for index in range(len(WALK)):
                if index and self.run.think:  # reading the question and tapping takes a person a while
                    await asyncio.sleep(self.run.think * pace.uniform(0.5, 1.5))
                await self.step(user_id, index)
        except Exception as exc:  # one citizen's failure is counted, the others go on
            self.run.failed += 1
            if len(self.run.errors) < 3:
                self.run.errors.append(f"citizen {user_id}: {type(exc).__name__}: {str(exc)[:200]}")

    def tally(self, end: float) -> None:
        """Latencies of the updates that got ready by ``end``; the age of those still in flight if cut."""
        run = self.run
        for step in self.steps:
            if step.handed is None:
                stuck = end - step.pushed
                self.note_stuck(step, stuck, "not handed out")
                continue
            if step.ready_at is None or step.ready_at > end:
                if not run.complete:
                    run.censored += 1
                    run.latencies.append(end - step.handed)
                    run.by_step[step.index].append(end - step.handed)
                self.note_stuck(step, end - step.handed, "handed out, not ready")
                continue
            run.updates += 1
            run.reports += step.expect == "sent"
            latency = step.ready_at - step.handed
            run.latencies.append(latency)
            run.by_step[step.index].append(latency)
            cap = step.ready_at + TRAIL if step.capped else math.inf
            last = max((t for t in step.replies if t <= cap), default=step.ready_at)
            run.lasts.append(max(last, step.ready_at) - step.handed)
            run.lasts_by_step[step.index].append(run.lasts[-1])

    def note_stuck(self, step: Step, age: float, state: str) -> None:
        if age < STUCK or len(self.run.notes) >= 3:
            return
        action, argument = WALK[step.index]
        shown = self.api.bot_messages(step.chat_id)
        last = unmarked(shown[-1].text or "")[:80] if shown else "(none)"
        self.run.notes.append(
            f"citizen {step.chat_id}: step {step.index + 1} ({action} {argument[:20]!r}) {state} after {age:.1f} s;"
            f" waiting for {step.expect} {step.label!r}; the chat's last bot message: {last!r}"
        )


# ---- the bot's process -----------------------------------------------------------------------------


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """utime + stime of the whole process (every thread), from /proc/<pid>/stat; of one of its threads
    with ``thread`` (the main thread's id is the pid: the bot's event loop runs there)."""
    where = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        stat = Path(where).read_text()
    except OSError:
        return math.nan
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def git_head(root: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "git unknown: no git"
    return f"git {done.stdout.strip()}" if done.returncode == 0 else "not a git checkout"


def python_path(root: Path) -> str:
    given = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{given}" if given else str(root)


PROFILE: list[Path] = []  # --profile: where pyinstrument writes each run of ours (FILE.<N>.txt, FILE.paced<N>.txt)


def command_for(
    bot: str, api: FakeBotApi, root: Path, tmp: Path, label: str = ""
) -> tuple[list[str], Path, dict[str, str]]:
    """The command, working directory and environment of one bot process."""
    env = {**os.environ, "BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": api.base_url}
    if bot == OURS:
        # ``python main.py run`` puts main.py's directory first on sys.path, ahead of PYTHONPATH and of the
        # editable install (a finder appended to sys.meta_path, consulted after the path entries), so
        # ``import bot`` is the package under --bot-root; PYTHONPATH is set too for anything it starts.
        # bot/config.py reads no base file URL (it is an argument of build_application): the walk fetches no file.
        env.update(
            DATABASE_PATH=str(tmp / "bot.sqlite3"),
            LOG_LEVEL="WARNING",
            OVERALL_MESSAGES_PER_SECOND=OVERALL_MESSAGES_PER_SECOND,
            STATUS_PORT="0",
            PYTHONPATH=python_path(root),
        )
        if PROFILE:
            # FILE's suffix picks pyinstrument's renderer (.pstats for a flat table by function, .html …).
            suffix = PROFILE[0].suffix or ".txt"
            out = PROFILE[0].with_name(f"{PROFILE[0].stem}.{label}{suffix}")
            return [sys.executable, "-m", "pyinstrument", "-o", str(out), "main.py", "run"], root, env
        return [sys.executable, "main.py", "run"], root, env
    # The floors come from this checkout whatever --bot-root is: the same floor for a "before" and an "after".
    env.update(
        BOT_API_BASE_FILE_URL=api.base_file_url,
        PYTHONPATH=python_path(ROOT),
        BENCH_DATABASE_PATH=str(tmp / "floor.sqlite3"),  # the ``calls`` floor's durable commit per update
    )
    return [sys.executable, str(FLOOR_SCRIPT), bot], ROOT, env


async def polling(api: TimedApi, process: asyncio.subprocess.Process) -> str | None:
    """Wait until the bot polls and its start-up calls are over; why not, if it does not."""
    deadline = time.monotonic() + START_WITHIN
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if process.returncode is not None:
            return f"the bot's process exited with code {process.returncode} before polling"
        made = sum(1 for name, _ in api.calls if name != "getUpdates")
        if made != seen:
            seen, quiet_since = made, time.monotonic()
        if api.polled and time.monotonic() - quiet_since >= QUIET:
            return None
        await asyncio.sleep(0.05)
    return f"the bot did not poll within {START_WITHIN:.0f} s"


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_WITHIN)
        except TimeoutError:
            process.kill()
            await process.wait()


async def progress(api: TimedApi, run: Run, pid: int, started: float) -> None:
    cpu_from = cpu_seconds(pid)
    before = 0
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        done = api.ready_count
        line = (
            f"    [{run.bot} {run.citizens}] {time.perf_counter() - started:5.1f} s: {done} updates"
            f" ({(done - before) / PROGRESS_EVERY:.0f}/s lately), bot CPU {cpu_seconds(pid) - cpu_from:.1f} s"
        )
        if run.bot == OURS:
            line += f", {api.reports} reports"
        print(line, flush=True)
        before = done


async def drive(api: TimedApi, process: asyncio.subprocess.Process, run: Run, box: float) -> None:
    citizens = Citizens(api, run)
    calls_from = len(api.calls)
    cpu_from, bench_from = cpu_seconds(process.pid), time.process_time()
    loop_from = cpu_seconds(process.pid, process.pid)
    started = time.perf_counter()
    ticker = asyncio.create_task(progress(api, run, process.pid, started))
    stagger = run.think / run.citizens
    walks = [asyncio.create_task(citizens.walk(FIRST_USER + n, n * stagger)) for n in range(run.citizens)]
    everyone = asyncio.gather(*walks)
    exited = asyncio.create_task(process.wait())
    try:
        either: set[asyncio.Future[Any]] = {everyone, exited}  # the walks over, or the bot gone
        await asyncio.wait(either, timeout=box, return_when=asyncio.FIRST_COMPLETED)
        end = time.perf_counter()
        run.seconds = end - started
        run.complete = everyone.done()
        if run.complete:
            # Reply calls still on their way after the last ready count (as "last" and as calls) as they land.
            await asyncio.sleep(TRAIL)
        else:
            if exited.done():
                run.errors.append(f"the bot's process exited with code {process.returncode} during the run")
            # Cancelling the gathering cancels every walk, and awaiting it retrieves its outcome (else asyncio
            # prints "exception was never retrieved" at the end of a cut run).
            everyone.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await everyone
        # A cut run is read at once: the updates the bot finishes after the box are not counted either.
        run.calls = collections.Counter(name for name, _ in api.calls[calls_from:] if name != "getUpdates")
        run.bot_cpu = cpu_seconds(process.pid) - cpu_from
        run.loop_cpu = cpu_seconds(process.pid, process.pid) - loop_from
        run.bench_cpu = time.process_time() - bench_from
        citizens.tally(end)
    finally:
        ticker.cancel()
        exited.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def run_one(bot: str, citizens: int, box: float, think: float, root: Path) -> Run:
    """One bot process on a fresh offline API, driven by ``citizens`` citizens for at most ``box`` seconds."""
    run = Run(bot, citizens, think=think)
    api = TimedApi()
    await api.start()
    try:
        with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
            label = f"paced{citizens}" if think else str(citizens)
            command, cwd, env = command_for(bot, api, root, Path(tmp), label)
            stderr_path = Path(tmp) / "stderr.txt"
            with stderr_path.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    *command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr
                )
                try:
                    trouble = await polling(api, process)
                    if trouble is None:
                        await drive(api, process, run, box)
                    else:
                        run.errors.append(trouble)
                finally:
                    await stop(process)
            if run.errors or run.failed or not run.updates:
                lines = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
                run.stderr_tail = lines[-15:] if lines else ["(nothing on stderr)"]
    finally:
        await api.stop()
    return run


# ---- reporting -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, in milliseconds; NaN when there are no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank] * 1000


def p50_p99(values: list[float]) -> str:
    return f"{percentile(values, 0.5):.1f}/{percentile(values, 0.99):.1f}"


def ratio(ours: Run, floor: Run) -> float:
    return ours.updates_per_second / floor.updates_per_second if floor.updates_per_second else math.nan


def by_method(run: Run) -> str:
    return ", ".join(f"{name} {run.per_update(count):.2f}" for name, count in run.calls.most_common())


def summary(run: Run) -> str:
    line = (
        f"  {run.bot:>7} {run.citizens:>5}: {run.updates} updates in {run.seconds:.1f} s"
        f" ({run.updates_per_second:.0f}/s){run.cut}, {run.calls_per_update:.2f} calls/update,"
        f" bot CPU {run.per_update(run.bot_cpu) * 1000:.2f} ms/update"
    )
    if run.bot == OURS:
        line += f", {run.reports} reports"
    return line + (f", {run.failed} citizens failed" if run.failed else "")


def print_problems(run: Run) -> None:
    for line in (*run.errors, *run.notes):
        print(f"      {line}")
    if run.stderr_tail:
        print(f"      the {run.bot} process's stderr, last lines:")
        for line in run.stderr_tail:
            print(f"        {line[:300]}")


def print_closed(levels: list[dict[str, Run]], floors: list[str]) -> None:
    print("\nclosed loop: every citizen sends its next update as soon as the bot made the last one ready; ms")
    head = f"{'citizens':>8} {'updates':>7} │ {'upd/s ours':>10}" + "".join(f" {f:>8}" for f in floors)
    head += " │" + "".join(f" {'÷' + f:>8}" for f in floors) + f" │ {'reports/s':>9} │ {'calls/upd':>9} │"
    head += f" {'p50/p99 ours':>15}" + "".join(f" {'p50/p99 ' + f:>17}" for f in floors)
    print(head)
    print("─" * len(head))
    for level in levels:
        ours = level[OURS]
        runs = [ours, *(level[f] for f in floors)]
        line = f"{ours.citizens:>8} {ours.updates:>7} │ {ours.updates_per_second:>10.0f}"
        line += "".join(f" {level[f].updates_per_second:>8.0f}" for f in floors)
        line += " │" + "".join(f" {ratio(ours, level[f]):>8.2f}" for f in floors)
        line += f" │ {ours.reports_per_second:>9.1f} │ {ours.calls_per_update:>9.2f} │ {p50_p99(ours.latencies):>15}"
        line += "".join(f" {p50_p99(level[f].latencies):>17}" for f in floors)
        line += " †" if any(not r.complete for r in runs) else ""
        line += " *" if any(r.failed or r.errors for r in runs) else ""
        print(line)
    print("\ndetails (ms; ready = the call that lets the citizen go on, last = the last reply call of the update):")
    for level in levels:
        for bot in (OURS, *floors):
            print_details(level[bot])
    if any(not run.complete for level in levels for run in level.values()):
        print(
            "† cut by the time box (or by the bot's exit, then marked *): rates are over the box (ratios compare"
            " rates, not equal counts); p50/p99 include the updates still in flight at the cut, at their age then"
            " (lower bounds)"
        )
    if any(run.failed or run.errors for level in levels for run in level.values()):
        print("* something went wrong in that row: see the details")


def loop_share(run: Run) -> str:
    """The main thread's part of the bot's CPU, and how busy it was: near 100 %, the event loop is the limit."""
    if math.isnan(run.loop_cpu) or not run.seconds:
        return ""
    return f" (event loop {run.per_update(run.loop_cpu) * 1000:.2f} ms, busy {run.loop_cpu / run.seconds:.0%})"


def print_details(run: Run) -> None:
    line = (
        f"  {run.bot:>7} {run.citizens:>5}: ready {p50_p99(run.latencies)} │ last {p50_p99(run.lasts)} │"
        f" {run.seconds:5.1f} s │ CPU/update: bot {run.per_update(run.bot_cpu) * 1000:.2f} ms{loop_share(run)},"
        f" bench {run.per_update(run.bench_cpu) * 1000:.2f} ms │"
        f" calls/update {run.calls_per_update:.2f}: {by_method(run)}"
    )
    if not run.complete:
        line += f" │ cut: {run.updates} of {run.citizens * len(WALK)} done, {run.censored} in flight at the cut"
    if run.failed:
        line += f" │ {run.failed} citizens failed"
    print(line)
    print_problems(run)


def step_label(index: int) -> str:
    action, argument = WALK[index]
    return f"{index + 1:>2} {action} {argument if len(argument) <= 22 else argument[:21] + '…'}"


def print_paced(level: dict[str, Run], floors: list[str], box: float) -> None:
    ours = level[OURS]
    think = ours.think
    print(
        f"\npaced: {ours.citizens} citizens, each waiting 0.5-1.5 × {think:g} s before every step (offered ≈"
        f" {ours.citizens / think:.0f} updates/s), time-boxed at {box:.0f} s per bot; ms, hand-out -> ready"
    )
    head = f"  {'step':<29} │ {'n':>4} {'p50':>6} {'p99':>6} {'last p99':>8}"
    head += "".join(f" │ {f + ' p50':>11} {'p99':>6}" for f in floors)
    print(head)
    print("  " + "─" * (len(head) - 2))
    for index in range(len(WALK)):
        values = ours.by_step[index]
        line = f"  {step_label(index):<29} │ {len(values):>4} {percentile(values, 0.5):>6.1f}"
        line += f" {percentile(values, 0.99):>6.1f} {percentile(ours.lasts_by_step[index], 0.99):>8.1f}"
        for f in floors:
            theirs = level[f].by_step[index]
            line += f" │ {percentile(theirs, 0.5):>11.1f} {percentile(theirs, 0.99):>6.1f}"
        print(line)
    print(
        f"\n  {'bot':>7} {'updates':>7} {'upd/s':>6} │ {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6} │"
        f" {'last p50/p99':>13} │ {'calls/upd':>9} │ {'bot CPU ms/upd':>14} {'bench':>6}"
    )
    for bot in (OURS, *floors):
        run = level[bot]
        lat = run.latencies
        print(
            f"  {bot:>7} {run.updates:>7} {run.updates_per_second:>6.1f} │ {percentile(lat, 0.5):>6.1f}"
            f" {percentile(lat, 0.9):>6.1f} {percentile(lat, 0.99):>6.1f} {max(lat, default=math.nan) * 1000:>6.1f} │"
            f" {p50_p99(run.lasts):>13} │ {run.calls_per_update:>9.2f} │"
            f" {run.per_update(run.bot_cpu) * 1000:>14.2f} {run.per_update(run.bench_cpu) * 1000:>6.2f}{run.cut}"
            + (f"  ({run.failed} citizens failed)" if run.failed else "")
        )
    print("  calls per update by method:")
    for bot in (OURS, *floors):
        print(f"    {bot:>7}: {by_method(level[bot])}")
    for bot in (OURS, *floors):
        print_problems(level[bot])


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_goals(levels: list[dict[str, Run]], paced: list[dict[str, Run]]) -> None:
    print("\ngoals:")
    for level in paced:
        ours = level[OURS]
        overall, final = percentile(ours.latencies, 0.99), percentile(ours.by_step[-1], 0.99)
        print(
            f"  paced p99 ≤ {GOAL_P99_MS:.0f} ms at {ours.citizens} citizens (ours, every step including"
            f" {WALK[-1][1]!r}): {overall:.1f} ms{ours.cut} ({verdict(overall <= GOAL_P99_MS)});"
            f" the {WALK[-1][1]!r} step alone: p99 {final:.1f} ms ({verdict(final <= GOAL_P99_MS)})"
            + ("" if ours.citizens == GOAL_LEVEL else f" (the goal is stated at {GOAL_LEVEL} citizens)")
        )
    if not paced:
        print("  paced p99: not measured (--no-paced)")
    closed = [level for level in levels if level[OURS].citizens == GOAL_LEVEL]
    if closed and "aiohttp" in closed[0]:
        value = ratio(closed[0][OURS], closed[0]["aiohttp"])
        print(
            f"  ratio ours ÷ aiohttp floor ≥ {GOAL_RATIO} at {GOAL_LEVEL} citizens (closed loop):"
            f" {value:.2f} ({verdict(value >= GOAL_RATIO)})"
        )
    else:
        print(f"  ratio ours ÷ aiohttp floor at {GOAL_LEVEL} citizens: not measured (no such run)")


# ---- main ------------------------------------------------------------------------------------------


@dataclass
class Options:
    levels: list[int]
    deadline: float
    paced: list[int]
    think: float
    paced_seconds: float
    floors: list[str]
    bot_root: Path


def print_header(o: Options) -> None:
    print(f"bot under test: python main.py run in {o.bot_root} ({git_head(o.bot_root)}), a process of its own")
    floors = ", ".join(o.floors) or "none"
    print(
        f"floors: bench/floors.py {floors} from {ROOT}, each a process of its own"
        " (stock: PTB's httpx client; aiohttp: the project's client)"
    )
    print(
        "throttling off: offline API global/group/private limits = None;"
        f" bot OVERALL_MESSAGES_PER_SECOND={OVERALL_MESSAGES_PER_SECOND}"
    )
    print(
        f"{len(WALK)} updates per citizen (walk_english); latency = getUpdates hand-out -> ready"
        " (the call that lets the citizen take the next step)"
    )
    print(f"cores: {os.cpu_count()}, load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)


async def level(citizens: int, box: float, think: float, o: Options) -> dict[str, Run]:
    """Ours and each floor, one after the other, at one level."""
    runs: dict[str, Run] = {}
    for bot in (OURS, *o.floors):
        runs[bot] = await run_one(bot, citizens, box, think, o.bot_root)
        print(summary(runs[bot]), flush=True)
    return runs


async def main(o: Options) -> None:
    print_header(o)
    closed = [await level(citizens, o.deadline, 0.0, o) for citizens in o.levels]
    paced: list[dict[str, Run]] = []
    for citizens in o.paced:
        print(f"  paced: {citizens} citizens, think {o.think:g} s, up to {o.paced_seconds:.0f} s per bot …", flush=True)
        paced.append(await level(citizens, o.paced_seconds, o.think, o))
    if closed:
        print_closed(closed, o.floors)
    for runs in paced:
        print_paced(runs, o.floors, o.paced_seconds)
    print_goals(closed, paced)


def parse_levels(raw: str) -> list[int]:
    try:
        levels = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        levels = []
    if not levels or any(n < 1 for n in levels):
        raise argparse.ArgumentTypeError("takes positive whole numbers separated by commas")
    return levels


def parse_floors(raw: str) -> list[str]:
    floors = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [f for f in floors if f not in FLOORS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown floor {unknown[0]!r}: choose from {','.join(FLOORS)} (or '')")
    return list(dict.fromkeys(floors))


def positive(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=parse_levels, default=[10, 100, 500], help="closed-loop levels (10,100,500)")
    parser.add_argument("--deadline", type=positive, default=60.0, help="time box per closed-loop run (default 60 s)")
    parser.add_argument("--paced", type=parse_levels, default=[100], help="levels of the paced runs (default 100)")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced runs")
    parser.add_argument("--think", type=positive, default=5.0, help="paced: mean seconds before each step (default 5)")
    parser.add_argument(
        "--paced-seconds",
        type=positive,
        default=150.0,
        help="time box per paced run (default 150 s; a walk ≈ 16 × think)",
    )
    parser.add_argument(
        "--floors",
        type=parse_floors,
        default=list(FLOORS),
        help="floors to run, of stock,aiohttp (default both; '' none)",
    )
    parser.add_argument(
        "--bot-root",
        type=Path,
        default=ROOT,
        help="the tree whose main.py is measured, e.g. a worktree of an older commit (default: this checkout)",
    )
    parser.add_argument("--profile", type=Path, help="sample each run of ours with pyinstrument, into FILE.<N>.txt")
    args = parser.parse_args(argv)
    if args.profile is not None:
        if importlib.util.find_spec("pyinstrument") is None:
            parser.error("--profile needs pyinstrument: pip install pyinstrument")
        PROFILE.append(args.profile.resolve())
    root = args.bot_root.resolve()
    if not (root / "main.py").is_file():
        parser.error(f"--bot-root {root} has no main.py")
    options = Options(
        levels=args.citizens,
        deadline=args.deadline,
        paced=[] if args.no_paced else args.paced,
        think=args.think,
        paced_seconds=args.paced_seconds,
        floors=args.floors,
        bot_root=root,
    )
    asyncio.run(main(options))


if __name__ == "__main__":
    cli()
