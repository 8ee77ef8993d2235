"""The status PIN contract: wrong PINs counted per reference and per chat, the pauses, and their audit.

Most tests go through ``books.pins`` with the default policy (5 wrong PINs for a reference within an
hour lock it; 10 from one chat limit that chat). Those about time build each backend's book with the
same small policy and a clock the test moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.store.base import Store
from bot.store.memory.pins import MemoryPins
from bot.store.memory.store import MemoryStore
from bot.store.ports import Books, Pins
from bot.store.postgres.pins import PinGuard as PostgresPins
from bot.store.postgres.store import PostgresStore
from bot.store.records import LIMITED, LOCKED, PASSED, WRONG, AuditEntry, PinPolicy
from bot.store.sqlite.pins import PinGuard as SqlitePins
from bot.store.sqlite.store import SqliteStore

REFERENCE = "ABCD-2345"
REPORT_ID = 7


class Pin:
    """A PIN check that answers ``right`` and counts how often it ran."""

    def __init__(self, right: bool) -> None:
        self.right = right
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.right


def right() -> Pin:
    return Pin(True)


def wrong() -> Pin:
    return Pin(False)


async def guess(
    pins: Pins, verify: Callable[[], Awaitable[bool]], chat: str = "tg:1", reference: str = REFERENCE
) -> str:
    return await pins.check(reference, chat, REPORT_ID, verify)


def pin_entries(trail: list[AuditEntry]) -> list[tuple[str, str, int | None, bool, str]]:
    """The PIN entries, without their time; none names a chat (``actor`` and ``queue`` are checked empty)."""
    found = [e for e in trail if e.action.startswith("status_pin")]
    assert all(e.actor is None and e.queue is None for e in found)
    return [(e.actor_name, e.action, e.report_id, e.allowed, e.detail) for e in found]


WRONG_ENTRY = ("citizen", "status_pin_wrong", REPORT_ID, False, f"reference {REFERENCE}")
LOCK_ENTRY = (
    "system",
    "status_pin_lock",
    REPORT_ID,
    True,
    f"reference {REFERENCE}: 5 wrong PINs within 1 h, checks paused for 1 h",
)
LIMIT_ENTRY = ("system", "status_pin_limit", None, True, "10 wrong PINs from one chat within 24 h, its checks paused")


async def test_a_right_pin_passes_and_leaves_no_trace(books: Books) -> None:
    pin = right()
    assert await guess(books.pins, pin) == PASSED
    assert pin.calls == 1
    assert pin_entries(await books.audit.trail()) == []


async def test_a_wrong_pin_is_audited_with_the_reference_only(books: Books) -> None:
    pin = wrong()
    assert await guess(books.pins, pin) == WRONG
    assert pin.calls == 1
    assert pin_entries(await books.audit.trail()) == [WRONG_ENTRY]


async def test_five_wrong_pins_from_any_chats_lock_the_reference(books: Books) -> None:
    verdicts = [await guess(books.pins, wrong(), chat=f"tg:{n}") for n in range(5)]

    assert verdicts == [WRONG, WRONG, WRONG, WRONG, LOCKED]
    assert pin_entries(await books.audit.trail()) == [WRONG_ENTRY] * 5 + [LOCK_ENTRY]


async def test_a_right_pin_during_a_lock_is_refused_without_checking(books: Books) -> None:
    for n in range(5):
        await guess(books.pins, wrong(), chat=f"tg:{n}")
    trail = await books.audit.trail()

    pin = right()
    assert await guess(books.pins, pin, chat="tg:99") == LOCKED
    assert await guess(books.pins, pin, chat="tg:0") == LOCKED
    assert pin.calls == 0
    assert await books.audit.trail() == trail  # a refusal before the check is not a wrong PIN

    other = right()
    assert await guess(books.pins, other, chat="tg:0", reference="WXYZ-6789") == PASSED  # one reference only
    assert other.calls == 1


async def test_an_unknown_reference_is_counted_like_a_known_one(books: Books) -> None:
    verdicts = [await books.pins.check("NONE-0000", f"tg:{n}", None, wrong()) for n in range(5)]

    assert verdicts == [WRONG, WRONG, WRONG, WRONG, LOCKED]
    assert pin_entries(await books.audit.trail()) == [
        ("citizen", "status_pin_wrong", None, False, "reference NONE-0000")
    ] * 5 + [
        ("system", "status_pin_lock", None, True, "reference NONE-0000: 5 wrong PINs within 1 h, checks paused for 1 h")
    ]
    assert await guess(books.pins, right(), reference="NONE-0000") == LOCKED


async def test_a_right_pin_is_not_counted_as_an_attempt(books: Books) -> None:
    for n in range(4):
        assert await guess(books.pins, wrong(), chat=f"tg:{n}") == WRONG

    assert await guess(books.pins, right()) == PASSED
    assert await guess(books.pins, right()) == PASSED  # would be LOCKED had the first right PIN stayed counted
    assert await guess(books.pins, wrong()) == LOCKED


async def test_ten_wrong_pins_from_one_chat_limit_it_for_every_reference(books: Books) -> None:
    chat = "tg:66"
    verdicts = [
        await guess(books.pins, wrong(), chat=chat, reference=reference)
        for reference in ("AAAA-1111",) * 4 + ("BBBB-2222",) * 4 + ("CCCC-3333",) * 2
    ]

    assert verdicts == [WRONG] * 9 + [LIMITED]
    trail = await books.audit.trail()
    assert pin_entries(trail)[-1] == LIMIT_ENTRY
    assert [e[1] for e in pin_entries(trail)].count("status_pin_lock") == 0

    pin = right()
    assert await guess(books.pins, pin, chat=chat, reference="DDDD-4444") == LIMITED
    assert await guess(books.pins, pin, chat=chat, reference="AAAA-1111") == LIMITED
    assert pin.calls == 0
    assert await books.audit.trail() == trail  # the limit is audited once, when reached

    other = right()
    assert await guess(books.pins, other, chat="tg:67", reference="AAAA-1111") == PASSED  # one chat only
    assert other.calls == 1


async def test_right_pins_do_not_count_towards_the_chat_limit(books: Books) -> None:
    for n in range(9):
        assert await guess(books.pins, wrong(), reference=f"REF-{n}") == WRONG
    for _ in range(3):
        assert await guess(books.pins, right(), reference="MINE-0001") == PASSED
    assert await guess(books.pins, wrong(), reference="REF-9") == LIMITED


async def test_the_wrong_pin_that_locks_and_limits_at_once_answers_limited(books: Books) -> None:
    chat = "tg:66"
    for reference in ("BBBB-2222",) * 4 + ("CCCC-3333",) * 4 + (REFERENCE,):
        assert await guess(books.pins, wrong(), chat=chat, reference=reference) == WRONG
    for n in range(3):
        assert await guess(books.pins, wrong(), chat=f"tg:{n}") == WRONG

    assert await guess(books.pins, wrong(), chat=chat) == LIMITED  # the wider pause is the one to tell
    assert pin_entries(await books.audit.trail())[-3:] == [WRONG_ENTRY, LOCK_ENTRY, LIMIT_ENTRY]
    assert await guess(books.pins, right(), chat="tg:99") == LOCKED


async def test_an_attempt_counts_while_its_pin_is_still_being_checked(books: Books) -> None:
    for n in range(4):
        await guess(books.pins, wrong(), chat=f"tg:{n}")
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_wrong() -> bool:
        started.set()
        await release.wait()
        return False

    pending = asyncio.create_task(guess(books.pins, slow_wrong, chat="tg:50"))
    await started.wait()
    pin = right()
    assert await guess(books.pins, pin, chat="tg:51") == LOCKED  # the fifth guess is already counted
    assert pin.calls == 0
    release.set()
    assert await pending == LOCKED
    assert pin_entries(await books.audit.trail())[-2:] == [WRONG_ENTRY, LOCK_ENTRY]


async def test_a_check_that_crashed_stays_counted_as_wrong(books: Books) -> None:
    for n in range(4):
        await guess(books.pins, wrong(), chat=f"tg:{n}")

    async def crash() -> bool:
        raise RuntimeError("scrypt failed")

    with pytest.raises(RuntimeError):
        await guess(books.pins, crash)
    pin = right()
    assert await guess(books.pins, pin) == LOCKED
    assert pin.calls == 0


# ---- pauses over time ---------------------------------------------------------------------------------

SMALL = PinPolicy(lock_after=3, window=100.0, lock_seconds=50.0, chat_limit=5, chat_window=1000.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def guard(store: Store, clock: Clock) -> Pins:
    """Each backend's own book, with the same policy and clock."""
    if isinstance(store, MemoryStore):
        return MemoryPins(store, SMALL, clock)
    if isinstance(store, PostgresStore):
        return PostgresPins(store, SMALL, clock)
    assert isinstance(store, SqliteStore)
    return SqlitePins(store, SMALL, clock)


async def test_a_lock_lasts_lock_seconds_and_the_guesses_before_it_are_paid_for(store: Store, books: Books) -> None:
    clock = Clock()
    pins = guard(store, clock)
    start = clock.now
    for n in range(3):
        clock.now = start + n
        assert await guess(pins, wrong(), chat=f"tg:{n}") == (LOCKED if n == 2 else WRONG)
    assert pin_entries(await books.audit.trail())[-1] == (
        "system",
        "status_pin_lock",
        REPORT_ID,
        True,
        f"reference {REFERENCE}: 3 wrong PINs within 1.66667 min, checks paused for 0.833333 min",
    )

    clock.now = start + 2 + 49.5
    assert await guess(pins, right()) == LOCKED
    clock.now = start + 2 + 50
    assert await guess(pins, right()) == PASSED  # the lock is over, though the 3 guesses are within the window
    assert await guess(pins, wrong()) == WRONG
    assert await guess(pins, wrong()) == WRONG
    assert await guess(pins, wrong()) == LOCKED


async def test_wrong_pins_older_than_the_window_do_not_count(store: Store) -> None:
    clock = Clock()
    pins = guard(store, clock)
    start = clock.now
    for n in range(2):
        assert await guess(pins, wrong(), chat=f"tg:{n}") == WRONG
    clock.now = start + 100  # the first two are exactly a window old
    assert await guess(pins, wrong(), chat="tg:2") == WRONG
    assert await guess(pins, wrong(), chat="tg:3") == WRONG
    assert await guess(pins, wrong(), chat="tg:4") == LOCKED


async def test_the_chat_limit_lifts_once_its_oldest_wrong_pin_is_a_chat_window_old(store: Store) -> None:
    clock = Clock()
    pins = guard(store, clock)
    start = clock.now
    for n in range(5):
        clock.now = start + 10 * n
        assert await guess(pins, wrong(), reference=f"REF-{n}") == (LIMITED if n == 4 else WRONG)

    clock.now = start + 999
    pin = right()
    assert await guess(pins, pin, reference="MINE-0001") == LIMITED
    assert pin.calls == 0
    clock.now = start + 1000
    assert await guess(pins, pin, reference="MINE-0001") == PASSED
    assert await guess(pins, wrong(), reference="REF-5") == LIMITED  # five within the window again
