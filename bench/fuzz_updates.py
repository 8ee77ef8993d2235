"""Hostile Telegram updates, a large count of them, through the real application: does anything break?

The generator is the one ``tests/test_hostile_input.py`` drives with Hypothesis (``testing/hostile.py``),
here drawn from ``random.Random(seed)``: citizens typing hostile Unicode, 100 kB texts and hostile links,
commands with junk arguments, valid, stale, forged and repeated button presses (bursts delivered
concurrently, as PTB's ``concurrent_updates`` runs them), edited messages, photos, documents, stickers,
contacts, locations, venues, dice, redelivered updates, presses on inaccessible or inline messages, channel
posts; an officer and an admin working the queue group and the admin commands with junk.

How the updates travel: each one is built as Telegram's JSON, turned into an ``Update`` with
``Update.de_json`` and handed to ``Application.process_update`` of the application
``bot.telegram.app.build_application`` builds, with every handler it registers and a real SQLite file
(``synchronous=FULL``, in the system's temporary directory unless ``--tmpdir``). ``--lanes`` streams of
chats (default 4) run concurrently, as PTB's ``concurrent_updates`` runs different chats; each chat's
updates stay in order, and a burst of presses in one chat is delivered concurrently.

The bot's outgoing calls go, by default (``--transport inprocess``), through ``InProcessRequest``: a PTB
request class that hands each call to the offline Bot API's own method (``testing/fakeapi/server.py``:
the same validation, chats and messages as over HTTP) without a socket, and records it for the checks.
``--transport http`` sends them to the offline Bot API over HTTP instead, with the same checks. Measured
on this machine (2 cores), seed 1, 10,000 updates: over HTTP, one lane, 40 updates/s (100,000 would take
about 42 minutes); in process, one lane, 87 updates/s (19 minutes); in process, four lanes, 136 to 176
updates/s (10 to 12 minutes), the default. Telegram's sending limits are lifted (they are not under
test; see ``testing/hostile.py``); flood control keeps the bot's default (30 a minute per user).

After every batch of updates it checks: no exception reached PTB's error handlers and nothing was
logged at ERROR; every outgoing call is valid for Telegram (HTML with only the tags the bot writes
itself, balanced, at most 4096 characters once parsed; callback data of 1 to 64 bytes; keyboards within
Telegram's limits; callback answers of at most 200 characters); and the chat's session, read back
through a second connection to the SQLite file, loads and waits on a step of its flow.

    python bench/fuzz_updates.py --updates 100000 --seed 1

prints a line every 10,000 updates, then the updates processed, the unhandled exceptions (count and the
first tracebacks), the invariant violations, the time taken and the seed. Known defects are counted
like any other; the summary groups every failure by where it happened. Exit status 1 when anything
failed. Lanes interleave by timing, and flood control and the courier run on the wall clock, so two runs
with one seed draw the same kinds of input but can differ in detail (which chat was slowed down, which
keyboard a press found).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing.hostile import (  # noqa: E402
    Batch,
    BotUnderFire,
    HostileUsers,
    Problem,
    RandomSource,
    Updates,
    known_defect,
)

FIRST_CITIZEN = 100_000
SHOW_TRACEBACKS = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=10_000, help="updates to process (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--transport", choices=("inprocess", "http"), default="inprocess")
    parser.add_argument("--citizens", type=int, default=2_000, help="distinct citizens at most (default 2000)")
    parser.add_argument(
        "--tmpdir",
        type=Path,
        default=None,
        help="where the SQLite file goes (default: the system's temporary directory)",
    )
    parser.add_argument("--progress", type=int, default=10_000, help="a progress line every N updates")
    parser.add_argument("--lanes", type=int, default=4, help="chats processed concurrently (default 4)")
    return parser


async def fuzz(args: argparse.Namespace, db: Path) -> int:
    fire = BotUnderFire(db, transport=args.transport)
    await fire.start()
    updates = Updates(fire.api)
    citizens: list[int] = []  # every citizen of every lane, in order of appearance
    started = time.perf_counter()
    next_report = [args.progress]

    async def lane(index: int) -> None:
        """One stream of chats, processed in order; lanes run concurrently, as PTB's concurrent_updates runs
        different chats. Lane 0 also plays the officer and the admin."""
        rnd = random.Random(f"{args.seed}:{index}")
        users = HostileUsers(fire, updates, RandomSource(rnd))
        mine: list[int] = []
        current = 0
        while fire.stats.updates < args.updates:
            if not mine or rnd.random() < 0.12:  # a conversation pauses; someone else writes
                if len(citizens) < args.citizens and (not mine or rnd.random() < 0.5):
                    current = FIRST_CITIZEN + len(citizens)
                    citizens.append(current)
                    mine.append(current)
                    users.user(current, rnd.choice(("en", "ur", None, "ar", "hi", "x-klingon")))
                else:
                    current = rnd.choice(mine)
            who = rnd.random()
            batch: Batch
            if index == 0 and who < 0.04 * args.lanes:
                batch = users.officer()
            elif index == 0 and who < 0.07 * args.lanes:
                batch = users.admin()
            else:
                batch = users.citizen(current, determined=current % 3 != 0)
            await fire.feed(batch.updates[: max(1, args.updates - fire.stats.updates)], concurrent=batch.concurrent)
            if len(fire.api.calls) > 20_000:
                fire.forget_checked_calls()
                fire.api.answered_callbacks.clear()
            while fire.stats.updates >= next_report[0]:
                elapsed = time.perf_counter() - started
                print(
                    f"{next_report[0]:>7} updates  {elapsed:7.1f} s  {next_report[0] / elapsed:6.0f} updates/s  "
                    f"{fire.stats.calls} calls checked  {len(fire.problems)} failures",
                    flush=True,
                )
                next_report[0] += args.progress

    try:
        await asyncio.gather(*(lane(i) for i in range(args.lanes)))
        await asyncio.sleep(0.5)  # a last courier round
        fire.check_calls()
        reports = await fire.reports()
    finally:
        await fire.stop()
    elapsed = time.perf_counter() - started
    return report(fire, args, elapsed, len(citizens), reports)


def report(fire: BotUnderFire, args: argparse.Namespace, elapsed: float, citizens: int, reports: int) -> int:
    problems = fire.problems
    exceptions = [p for p in problems if p.kind in ("exception", "error-log")]
    violations = [p for p in problems if p.kind == "invariant"]
    print()
    print(f"updates processed:      {fire.stats.updates}")
    print(f"citizens:               {citizens} (+ one officer, one admin)")
    print(f"outgoing calls checked: {fire.stats.calls}")
    print(f"sessions checked:       {fire.stats.sessions_checked}")
    steps = ", ".join(f"{step} {count}" for step, count in fire.stats.steps.most_common())
    print(f"  waiting on:           {steps}")
    print(f"reports submitted:      {reports}")
    methods = ", ".join(f"{method} {count}" for method, count in fire.stats.methods.most_common())
    print(f"  calls by method:      {methods}")
    print(f"unhandled exceptions:   {len(exceptions)} ({sum(p.kind == 'error-log' for p in exceptions)} as ERROR logs)")
    _groups(exceptions)
    for problem in _first_of_each(exceptions)[:SHOW_TRACEBACKS]:
        print(f"\n--- {problem.signature()}\nupdate: {problem.update[:600]}\n{problem.detail.rstrip()}")
    print(f"\ninvariant violations:   {len(violations)}")
    _groups(violations)
    for problem in _first_of_each(violations)[:SHOW_TRACEBACKS]:
        print(f"\n--- {problem.detail[:800]}\nupdate: {problem.update[:600]}")
    print(f"\nelapsed:                {elapsed:.1f} s ({fire.stats.updates / elapsed:.0f} updates/s)")
    print(f"seed:                   {args.seed}")
    print(f"transport:              {args.transport}, {args.lanes} lanes")
    return 1 if problems else 0


def _groups(problems: list[Problem]) -> None:
    known = {p.signature(): known_defect(p) for p in problems}
    for signature, count in Counter(p.signature() for p in problems).most_common():
        print(f"  {count:>6} × {signature}" + (f"  [known: {known[signature]}]" if known[signature] else "  [NEW]"))


def _first_of_each(problems: list[Problem]) -> list[Problem]:
    first: dict[str, Problem] = {}
    for problem in problems:
        first.setdefault(problem.signature(), problem)
    return list(first.values())


def main() -> int:
    args = _parser().parse_args()
    base = args.tmpdir or Path(tempfile.gettempdir())
    with tempfile.TemporaryDirectory(dir=base, prefix="fuzz-") as tmp:
        os.environ.pop("DATA_KEY", None)  # the key file beside this temporary database, not a configured key
        return asyncio.run(fuzz(args, Path(tmp) / "bot.sqlite3"))


if __name__ == "__main__":
    raise SystemExit(main())
