"""Per-step cost of the report flow: the pure engine, then the engine behind each store.

Walks complete reports of the default flow (``flows/report.yaml``) with one fixed, realistic script
(English, reporting for someone else, a minor, a ~300-character account, a category, two platforms
ticked then Done, a province, "March 2025", ongoing, one message with two links then Done, suspects,
contact through the bot, consent and submit on the review) and times every turn with
``perf_counter_ns``:

1. the pure engine (``runner.start``/``resume``/``submitted``, no store);
2. ``Conversations`` over ``MemoryStore`` (session JSON round trip, no disk);
3. ``Conversations`` over ``SqliteStore`` on a temporary file, one durable commit per step, with
   ``synchronous=FULL`` (the default: an fsync per step) and ``NORMAL``.

Why: to know what a citizen's step costs and how much of it is the engine rather than storage.
The submitting turn writes the report, its evidence and its deliveries (and, until PINs were sealed,
hashed the PIN with scrypt, ~10-20 ms), which would hide the per-step cost, so it is kept out of the
step figures and reported on its own. Every walked report is checked to have
ended with its answers in place, and the stores must hold exactly as many reports as were walked,
so a refused input cannot be silently measured as a cheap step.

Run from the repository root: ``python bench/engine.py [--reports N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cases.conversation import Conversations, Reply  # noqa: E402
from bot.cases.flows import DEFAULT_FLOW_PATH, FlowRegistry, ensure_published  # noqa: E402
from bot.engine import runner  # noqa: E402
from bot.engine.events import DONE, SUBMIT  # noqa: E402
from bot.engine.loader import load_flow  # noqa: E402
from bot.engine.model import Flow  # noqa: E402
from bot.engine.runner import Input  # noqa: E402
from bot.engine.session import COMPLETED, SUBMITTING, Session  # noqa: E402
from bot.store.base import Store  # noqa: E402
from bot.store.memory.store import MemoryStore  # noqa: E402
from bot.store.sqlite.store import SqliteStore  # noqa: E402

ACCOUNT = (
    "Since last spring a man I met once at a wedding keeps messaging me from new accounts every time I "
    "block him. He made a fake profile with my name and pictures from my cousin's page, and now says he "
    "will send edited photos to my family unless I meet him. He also calls from different numbers at night."
)
LINKS = "His profiles: https://www.facebook.com/ali.fake.9876 and https://www.instagram.com/ali_fake_9876/ please check"
SUSPECTS = "Calls himself Ali Raza, uses 0301-2345678 and the Instagram username ali_fake_9876"
ANSWERED = ["language", "reporter", "minor", "account", "category", "platforms", "province", "started"]
ANSWERED += ["ongoing", "evidence", "suspects", "contact", "review"]
Script = list[tuple[Input, str | None]]  # an input and the step waiting after it (None: report sent)


def script(rng: random.Random) -> Script:
    """The fixed shape; the seed only varies which category, platforms and province are picked."""
    category = rng.choice(["blackmail", "harassment", "impersonation", "stalking"])
    first, second = rng.sample(["facebook", "instagram", "tiktok", "whatsapp", "x"], 2)
    province = rng.choice(["punjab", "sindh", "kp", "balochistan", "islamabad"])
    return [
        (Input(press="en"), "reporter"),
        (Input(press="someone_else"), "minor"),
        (Input(press="yes"), "account"),
        (Input(text=ACCOUNT), "category"),
        (Input(press=category), "platforms"),
        (Input(press=first), "platforms"),
        (Input(press=second), "platforms"),
        (Input(press=DONE), "province"),
        (Input(press=province), "started"),
        (Input(text="March 2025"), "ongoing"),
        (Input(press="yes"), "evidence"),
        (Input(text=LINKS), "evidence"),
        (Input(press=DONE), "suspects"),
        (Input(text=SUSPECTS), "contact"),
        (Input(press="bot"), "review"),
        (Input(press=SUBMIT), None),
    ]


@dataclass
class Timings:
    name: str
    steps: list[int] = field(default_factory=list)  # ns per turn, submitting turns excluded
    submits: list[int] = field(default_factory=list)  # ns per submitting turn
    walked: int = 0
    stored: int = 0

    def pct(self, q: float) -> float:
        ordered = sorted(self.steps)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e3

    @property
    def mean_us(self) -> float:
        return sum(self.steps) / len(self.steps) / 1e3


def check(session: Session | None, expect: str | None, where: str) -> None:
    """Fail loudly on a refused or misrouted input; a finished report must keep every answer."""
    if session is None:
        raise AssertionError(f"{where}: no session")
    if expect is not None and (session.step != expect or session.status == COMPLETED):
        raise AssertionError(f"{where}: waiting at {session.step!r} ({session.status}), expected {expect!r}")
    if expect is None:
        missing = [k for k in ANSWERED if session.answers.get(k) is None]
        counts = (len(session.answers.get("platforms") or ()), len(session.answers.get("evidence") or ()))
        if session.status != COMPLETED or missing or counts != (2, 2):
            raise AssertionError(f"{where}: {session.status}, missing {missing}, platforms/links {counts}")


def walk_pure(flow: Flow, scripts: list[Script], today: date) -> Timings:
    t = Timings("pure engine")
    clock = time.perf_counter_ns
    for i, steps in enumerate(scripts):
        t0 = clock()
        session = runner.start(flow, 1, "en").session
        t.steps.append(clock() - t0)
        check(session, "language", f"report {i} start")
        for n, (given, expect) in enumerate(steps):
            t0 = clock()
            session = runner.resume(flow, session, given, today=today).session
            submitting = session.status == SUBMITTING
            if submitting:
                session = runner.submitted(flow, session, f"BNCH-{i:04d}", "123456").session
            (t.submits if submitting else t.steps).append(clock() - t0)
            check(session, expect, f"report {i} input {n}")
        t.walked += 1
        t.stored += session.status == COMPLETED  # no store: count finished sessions
    return t


async def walk_store(name: str, store: Store, scripts: list[Script]) -> Timings:
    t = Timings(name)
    clock = time.perf_counter_ns
    await store.open()
    try:
        await ensure_published(store)
        registry = FlowRegistry(store)
        await registry.live()  # load and cache the flow before timing
        conv = Conversations(store, registry)
        reply: Reply | None = None
        for i, steps in enumerate(scripts):
            key = f"bench-{i}"
            t0 = clock()
            reply = await conv.begin(key, "en")
            t.steps.append(clock() - t0)
            check(reply.session, "language", f"{name} report {i} start")
            for n, (given, expect) in enumerate(steps):
                t0 = clock()
                reply = await conv.answer(key, given)
                (t.submits if reply.reference is not None else t.steps).append(clock() - t0)
                check(reply.session, expect, f"{name} report {i} input {n}")
            t.walked += 1
            if await store.load_session(key) is not None:
                raise AssertionError(f"{name} report {i}: session still stored after the report was sent")
        if reply is None or reply.session is None or not reply.session.finished:
            raise AssertionError(f"{name}: the run's final session is not finished")
        t.stored = await store.count_reports()
    finally:
        await store.close()
    return t


def fs_type(path: Path) -> str:
    """The filesystem under ``path``: on tmpfs an fsync costs nothing and FULL would mean little."""
    mounts = [line.split()[1:3] for line in Path("/proc/mounts").read_text().splitlines()]
    return max((m for m in mounts if str(path).startswith(m[0])), key=lambda m: len(m[0]), default=["", "?"])[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000, help="reports for the pure engine and MemoryStore")
    parser.add_argument("--sqlite-reports", type=int, help="reports per SQLite setting (default: 300 or fewer)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the SQLite file goes")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    flow = load_flow(DEFAULT_FLOW_PATH.read_text(encoding="utf-8"))
    n = args.reports
    ns = args.sqlite_reports if args.sqlite_reports is not None else min(n, 300)
    scripts = [script(rng) for _ in range(max(n, ns))]

    results = [walk_pure(flow, scripts[:n], date.today())]
    with tempfile.TemporaryDirectory(prefix="bench-engine-", dir=args.tmpdir) as tmp:
        where = Path(tmp)
        results.append(asyncio.run(walk_store("engine+memory", MemoryStore(), scripts[:n])))
        for sync in ("FULL", "NORMAL"):
            store = SqliteStore(where / f"{sync}.db", synchronous=sync)
            results.append(asyncio.run(walk_store(f"engine+sqlite {sync}", store, scripts[:ns])))

    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; seed {args.seed}")
    print(
        f"SQLite {sqlite3.sqlite_version}, file on {fs_type(where)}. One run on a shared, noisy machine: trust ratios."
    )
    print(f"A report is {len(scripts[0]) + 1} turns. Steps: all turns but the submitting one; s: their summed time.")
    print("Submit: the submitting turn on its own (in the store runs: the report's transaction).\n")
    head = "".join(f"{h:>10}" for h in ("reports", "steps", "s", "steps/s", "mean µs", "p50 µs", "p99 µs"))
    print(f"{'':20}{head}{'submit µs':>11}")
    for t in results:
        secs, submit = sum(t.steps) / 1e9, sum(t.submits) / len(t.submits) / 1e3
        print(
            f"{t.name:20}{t.walked:>10}{len(t.steps):>10}{secs:>10.3f}{len(t.steps) / secs:>10.0f}"
            f"{t.mean_us:>10.1f}{t.pct(0.50):>10.1f}{t.pct(0.99):>10.1f}{submit:>11.0f}"
        )
    by = {t.name: t for t in results}
    print("\nRatios of mean µs per step (same run):")
    pure, mem, full, normal = "pure engine", "engine+memory", "engine+sqlite FULL", "engine+sqlite NORMAL"
    for a, b in [(mem, pure), (normal, pure), (full, pure), (full, normal), (normal, mem)]:
        print(f"  {a:20} ÷ {b:20} {by[a].mean_us / by[b].mean_us:7.1f}×")
    print("\nReports walked vs stored (pure engine: sessions completed):")
    for t in results:
        print(f"  {t.name:20} walked {t.walked}, stored {t.stored}")
    if any(t.stored != t.walked for t in results):
        sys.exit("FAILED: stored reports differ from reports walked")
    print("  all equal; every report ended completed and each run's final session is finished")


if __name__ == "__main__":
    main()
