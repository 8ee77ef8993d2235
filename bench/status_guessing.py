"""Guessing ``/status REFERENCE PIN``: what 100 accounts get against one reference, before and after the guard.

    python bench/status_guessing.py [--accounts 100] [--samples 41] [--seconds 5] [--hours 24] [--tmpdir DIR]

Two checks are compared: the old unguarded one (look the reference up; compare the PIN only when it
exists) and the current one (``bot/store/sqlite/pins.py``: the attempt counted before the check, the
PIN compared with the report's or, for an unknown reference, with a value nothing matches, the wrong
PIN audited). Until PINs were sealed the comparison was a scrypt hash (~20 ms), which made the old
check's reply time tell which references exist; docs/security.md, finding 8, has those figures.

Guesses per hour. Old: every account is held only by the flood limit (``FLOOD_MESSAGES_PER_MINUTE``,
30 a minute each), and by how fast the machine checks; measured by running ``--accounts`` checks at once for
``--seconds`` against a real SQLite file, the rate is the smaller of the two. Now: ``--hours`` of
attack are simulated with a clock the script moves, every account sending a wrong PIN in turn every
``--step`` simulated seconds (a refused attempt changes nothing, so sending faster only shortens
the wait after a pause ends by less than a step); counted are the guesses actually checked.

Reply time. The median of ``--samples`` checks of a wrong PIN for a reference that exists and for one
that does not, old and new alternated, with the store the bot runs (SQLite file, WAL,
``synchronous=FULL``); the guard's limits are lifted for this part, so every sample does the full
work instead of being refused. This is the handler's check, not the Telegram round trip around it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cases.flows import ensure_published  # noqa: E402
from bot.cases.references import pin_matches  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.engine.session import COMPLETED, Session  # noqa: E402
from bot.store.keyring import Keyring, new_key, parse_keys  # noqa: E402
from bot.store.records import PASSED, NewReport, PinPolicy  # noqa: E402
from bot.store.sqlite.pins import PinGuard  # noqa: E402
from bot.store.sqlite.store import SqliteStore  # noqa: E402

REFERENCE, UNKNOWN, PIN, WRONG = "K7QM-9TDX", "Q2WE-RTY3", "271828", "000000"
PINS = 10**6


async def seed(store: SqliteStore) -> None:
    live, _ = await ensure_published(store)
    report = NewReport(REFERENCE, PIN, "report", live.id, "tg:1", "en", "blackmail", "punjab", False, {})
    session = Session(flow_id="report", revision=live.id, lang="en", status=COMPLETED, step=None, id="s")
    await store.commit_step("tg:1", session, report)


async def old_check(store: SqliteStore, reference: str, pin: str, chat: str) -> bool:
    """The check before the guard (cdab981): the PIN compared only when the reference exists."""
    report = await store.report_by_reference(reference)
    return report is not None and await pin_matches(pin, report.pin)


def new_check(guard: PinGuard) -> Callable[[SqliteStore, str, str, str], Awaitable[bool]]:
    async def check(store: SqliteStore, reference: str, pin: str, chat: str) -> bool:
        report = await store.report_by_reference(reference)
        stored = report.pin if report is not None else None
        verdict = await guard.check(reference, chat, report.id if report else None, lambda: pin_matches(pin, stored))
        return verdict == PASSED

    return check


async def old_rate(store: SqliteStore, accounts: int, seconds: float) -> float:
    """Wrong guesses an hour that the machine checks with ``accounts`` guesses always in flight."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def account(n: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await old_check(store, REFERENCE, WRONG, f"tg:{n}")
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(account(n) for n in range(accounts)))
    return done / (time.perf_counter() - start) * 3600


async def new_rate(accounts: int, hours: float, step: float) -> tuple[float, int]:
    """Guesses checked an hour in a simulated attack, and how many of the attempts were refused."""

    class Clock:
        now = 1_800_000_000.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    store = SqliteStore(":memory:")
    await store.open()
    try:
        guard = PinGuard(store, clock=clock)
        checked = 0

        async def verify() -> bool:
            nonlocal checked
            checked += 1
            return False

        end = clock.now + hours * 3600
        n = 0
        while clock.now < end:
            await guard.check(REFERENCE, f"tg:{n % accounts}", 1, verify)
            n += 1
            clock.now += step
        return checked / hours, n - checked
    finally:
        await store.close()


async def reply_times(store: SqliteStore, samples: int) -> dict[tuple[str, str], float]:
    lifted = PinPolicy(lock_after=10**9, chat_limit=10**9)
    checks = {"old": old_check, "new": new_check(PinGuard(store, lifted))}
    times: dict[tuple[str, str], list[float]] = {(c, r): [] for c in checks for r in ("exists", "unknown")}
    for i in range(samples):
        for name, check in checks.items():
            for kind, reference in (("exists", REFERENCE), ("unknown", UNKNOWN)):
                start = time.perf_counter()
                await check(store, reference, WRONG, f"tg:{i}")
                times[(name, kind)].append(time.perf_counter() - start)
    return {key: statistics.median(values) * 1000 for key, values in times.items()}


def half_the_pins(per_hour: float) -> str:
    hours = PINS / 2 / per_hour
    if hours < 48:
        return f"{hours:,.1f} hours"
    return f"{hours / 24:,.0f} days" if hours < 2 * 8766 else f"{hours / 8766:,.1f} years"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--samples", type=int, default=41)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step", type=float, default=10.0)
    parser.add_argument("--tmpdir", default=None)
    args = parser.parse_args()
    flood = Settings.__dataclass_fields__["flood_messages_per_minute"].default
    assert isinstance(flood, int)

    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        keyring = Keyring(parse_keys(new_key(), "bench"), "bench")  # no key file to warn about
        store = SqliteStore(Path(tmp) / "bench.sqlite3", keyring=keyring)  # synchronous=FULL, as the bot runs
        await store.open()
        try:
            await seed(store)
            times = await reply_times(store, args.samples)
            machine = await old_rate(store, args.accounts, args.seconds)
        finally:
            await store.close()
    allowed = args.accounts * flood * 60
    old = min(machine, allowed)
    new, refused = await new_rate(args.accounts, args.hours, args.step)
    policy = PinPolicy()

    print(f"Guessing one reference's 6-digit PIN with {args.accounts} accounts (half the PINs: {PINS // 2:,} guesses)")
    print(f"  old: {old:>11,.1f} guesses/hour, half the PINs in {half_the_pins(old)}")
    print(f"       (the flood limit allows {allowed:,}/h; this machine checks {machine:,.0f}/h)")
    print(f"  now: {new:>11,.1f} guesses/hour, half the PINs in {half_the_pins(new)}")
    print(f"       ({args.hours:g} h simulated, one attempt every {args.step:g} s: {refused:,} refused unchecked)")
    print(
        f"       policy: {policy.lock_after} wrong PINs per reference within {policy.window / 60:g} min pause it for "
        f"{policy.lock_seconds / 60:g} min; {policy.chat_limit} per account within {policy.chat_window / 3600:g} h"
    )
    print()
    print(f"Reply time of the check, wrong PIN, median of {args.samples} (ms)")
    print(f"  {'':5} {'exists':>8} {'unknown':>8} {'difference':>11}")
    for name in ("old", "new"):
        exists, unknown = times[(name, "exists")], times[(name, "unknown")]
        print(f"  {name:5} {exists:8.2f} {unknown:8.2f} {exists - unknown:+11.2f}")


if __name__ == "__main__":
    asyncio.run(main())
