"""Finding 8 of the security review: guessing ``/status REFERENCE PIN``.

Before: no limit per reference (many accounts could share the million PINs out), wrong PINs left no
trace, and a reference that exists took the PIN check (then scrypt) while an unknown one did not (30-51
ms against 11 ms), so the reply time told which references exist.

The end-to-end tests run the real application against the offline Bot API with a real SQLite file;
the last ones drive ``PinGuard`` directly with a clock the test moves. ``bot.store.sqlite.pins`` is
imported inside those, so that on a tree without it each test fails on its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.cases.flows import ensure_published
from bot.engine.session import COMPLETED, Session
from bot.store.records import NewReport
from bot.store.sqlite.store import SqliteStore
from testing.citizens import Citizen
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot

REFERENCE = "K7QM-9TDX"
PIN = "271828"
REPORTER = 2001  # the chat the report was sent from
UNKNOWN = "Q2WE-RTY3"  # no report has it
WRONG_PINS = ("918273", "645372", "509182", "736451", "382910", "447120")

NOT_FOUND = "No report matches this reference number and PIN. Please check both and try again."
PAUSED = "For safety, checking this reference number is paused for up to an hour"
CHAT_PAUSED = "For safety, this chat cannot check reports by reference number until tomorrow"
WAY_BACK = "just send /status on its own"
STATUS_LINE = f"{REFERENCE}: received, waiting for an officer (sent 20"


async def seed_report(db: Path) -> None:
    """One submitted report with a known PIN, sent from the chat ``REPORTER``."""
    store = SqliteStore(db)
    await store.open()
    try:
        live, _ = await ensure_published(store)
        report = NewReport(
            reference=REFERENCE,
            pin=PIN,
            flow_id="report",
            revision_id=live.id,
            chat_key=f"tg:{REPORTER}",
            language="en",
            category="blackmail",
            province="punjab",
            minor=False,
            answers={"category": "blackmail", "province": "punjab"},
        )
        session = Session(flow_id="report", revision=live.id, lang="en", status=COMPLETED, step=None, id="s")
        await store.commit_step(f"tg:{REPORTER}", session, report)
    finally:
        await store.close()


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    db = tmp_path / "bot.sqlite3"
    await seed_report(db)
    async with running_bot(api, db) as running:
        yield running


async def ask(api: FakeBotApi, user_id: int, text: str, lang: str = "en") -> str:
    """Send ``text`` from a fresh or known account and return the bot's reply to it."""
    c = Citizen(api, user_id, lang)
    before = c.count()
    await c.says(text)
    await api.wait_for(lambda: c.count() > before, within=10)
    return c.texts()[-1]


def audit_rows(db: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT actor, actor_name, action, report_id, allowed, detail FROM audit "
            "WHERE action LIKE 'status%' ORDER BY id"
        ).fetchall()


async def test_attack_8_reference_locked_after_failed_guesses_from_many_accounts(bot: Running) -> None:
    api = bot.api
    # Five accounts, one wrong guess each: the reference's check is paused for everyone, the right PIN too.
    replies = [await ask(api, 3000 + n, f"/status {REFERENCE} {WRONG_PINS[n]}") for n in range(5)]
    assert replies[:4] == [NOT_FOUND] * 4
    assert replies[4].startswith(PAUSED)
    assert (await ask(api, 3100, f"/status {REFERENCE} {PIN}")).startswith(PAUSED)
    assert (await ask(api, 3101, f"/status {REFERENCE.lower().replace('-', ' ')} {PIN}")).startswith(PAUSED)

    # A reference nobody has is counted the same way, with the same replies: nothing tells them apart.
    unknown = [await ask(api, 4000 + n, f"/status {UNKNOWN} {WRONG_PINS[n]}") for n in range(5)]
    unknown.append(await ask(api, 4100, f"/status {UNKNOWN} {PIN}"))
    assert unknown == [*replies, await ask(api, 3102, f"/status {REFERENCE} {PIN}")]

    # Other references are not affected.
    assert await ask(api, 3000, f"/status {UNKNOWN[:-1]}4 {PIN}") == NOT_FOUND


async def test_attack_8_one_account_is_limited_across_references(bot: Running) -> None:
    api = bot.api
    guesses = [f"Q2WE-RT{a}{b}" for a in "ABC" for b in "DEFG"][:10]
    replies = [await ask(api, 5000, f"/status {ref} {WRONG_PINS[0]}") for ref in guesses]
    assert replies[:9] == [NOT_FOUND] * 9
    assert replies[9].startswith(CHAT_PAUSED)
    # Even the right PIN of a reference nobody guessed at, from this account.
    assert (await ask(api, 5000, f"/status {REFERENCE} {PIN}")).startswith(CHAT_PAUSED)
    # Another account is not affected.
    assert (await ask(api, 5001, f"/status {REFERENCE} {PIN}")).startswith(STATUS_LINE)


async def test_attack_8_failed_guesses_are_audited(bot: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    api = bot.api
    for n in range(5):
        await ask(api, 3000 + n, f"/status {REFERENCE} {WRONG_PINS[n]}")
    await ask(api, 3100, f"/status {REFERENCE} {PIN}")  # refused while paused: not a guess
    await ask(api, 3101, f"/status {UNKNOWN} {WRONG_PINS[5]}")

    rows = audit_rows(bot.db)
    wrong = [r for r in rows if r[2] == "status_pin_wrong"]
    assert wrong == [(None, "citizen", "status_pin_wrong", 1, 0, f"reference {REFERENCE}")] * 5 + [
        (None, "citizen", "status_pin_wrong", None, 0, f"reference {UNKNOWN}")
    ]
    locks = [r for r in rows if r[2] == "status_pin_lock"]
    assert len(locks) == 1
    assert locks[0][:5] == (None, "system", "status_pin_lock", 1, 1)
    assert locks[0][5].startswith(f"reference {REFERENCE}: 5 wrong PINs within 1 h")

    # No PIN, wrong or right, in the audit, a log line or the database file; no account in the audit.
    raw = b"".join(p.read_bytes() for p in bot.db.parent.glob("bot.sqlite3*"))
    lines = [f"{r.getMessage()} {r.__dict__}" for r in caplog.records]
    for pin in (PIN, *WRONG_PINS):
        assert not any(pin in str(row) for row in rows)
        assert not any(pin in line for line in lines), pin
        assert pin.encode() not in raw
    assert not any(str(3000 + n) in str(row) for row in rows for n in range(5))


async def test_attack_8_locked_reference_tells_the_citizen_the_way_back(bot: Running) -> None:
    api = bot.api
    for n in range(5):
        await ask(api, 3000 + n, f"/status {REFERENCE} {WRONG_PINS[n]}")

    # The reporter, with the right PIN, in English and in Urdu: paused, with the way back.
    english = await ask(api, REPORTER, f"/status {REFERENCE} {PIN}")
    assert english.startswith(PAUSED) and WAY_BACK in english and "try again after an hour" in english
    urdu = await ask(api, 3200, f"/status {REFERENCE} {PIN}", lang="ur")
    assert urdu.startswith("حفاظت کے لیے اس حوالہ نمبر سے رپورٹ دیکھنا")
    sent = api.bot_messages(3200)[-1].text or ""
    assert "صرف \u2066/status\u2069 بھیجیں" in sent  # the command in an isolate keeps its order
    assert sent.count("\u2066") == sent.count("\u2069") == 1

    # The way back works: /status alone, from the chat the report was sent from, needs no PIN.
    assert (await ask(api, REPORTER, "/status")).startswith(STATUS_LINE)


async def test_attack_8_unknown_reference_costs_the_same_work(bot: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    api = bot.api
    compared: list[tuple[int, int]] = []
    compare: Callable[[bytes, bytes], bool] = hmac.compare_digest

    def counted(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return compare(a, b)

    def no_scrypt(*_: Any, **__: Any) -> bytes:
        raise AssertionError("a sealed PIN needs no scrypt")

    monkeypatch.setattr(hmac, "compare_digest", counted)
    monkeypatch.setattr(hashlib, "scrypt", no_scrypt)

    assert await ask(api, 6001, f"/status {REFERENCE} {WRONG_PINS[1]}") == NOT_FOUND
    existing = list(compared)
    compared.clear()
    assert await ask(api, 6002, f"/status {UNKNOWN} {WRONG_PINS[1]}") == NOT_FOUND
    unknown = list(compared)
    assert existing == [(6, 6)]
    assert unknown == existing  # one constant-time comparison of the same lengths for both


async def test_attack_8_lock_survives_restart(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await seed_report(db)
    async with running_bot(api, db):
        for n in range(5):
            await ask(api, 3000 + n, f"/status {REFERENCE} {WRONG_PINS[n]}")
    async with running_bot(api, db):
        assert (await ask(api, 3100, f"/status {REFERENCE} {PIN}")).startswith(PAUSED)
        assert (await ask(api, REPORTER, "/status")).startswith(STATUS_LINE)


# ---- the guard itself, with a clock the test moves --------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def open_store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "guard.sqlite3")
    await store.open()
    return store


def verifier(result: bool, calls: list[int]) -> Callable[[], Any]:
    async def verify() -> bool:
        calls.append(1)
        await asyncio.sleep(0.01)  # while this guess is being hashed, others arrive
        return result

    return verify


async def test_attack_8_lock_lifts_after_an_hour_and_counts_afresh(tmp_path: Path) -> None:
    from bot.store.records import LOCKED, PASSED, WRONG
    from bot.store.sqlite.pins import PinGuard

    store, clock = await open_store(tmp_path), Clock()
    try:
        guard = PinGuard(store, clock=clock)
        calls: list[int] = []
        verdicts = []
        for n in range(5):
            clock.now += 60
            verdicts.append(await guard.check(REFERENCE, f"tg:{n}", 1, verifier(False, calls)))
        assert verdicts == [WRONG] * 4 + [LOCKED]
        clock.now += 3599
        assert await guard.check(REFERENCE, "tg:9", 1, verifier(True, calls)) == LOCKED
        assert len(calls) == 5  # the right PIN was not even checked
        clock.now += 1  # the pause has just ended
        assert await guard.check(REFERENCE, "tg:9", 1, verifier(True, calls)) == PASSED
        # The guesses that caused the pause were paid for by it: five more are needed for the next.
        verdicts = [await guard.check(REFERENCE, f"tg:{10 + n}", 1, verifier(False, calls)) for n in range(5)]
        assert verdicts == [WRONG] * 4 + [LOCKED]
    finally:
        await store.close()


async def test_attack_8_guesses_sent_at_once_cannot_outrun_the_count(tmp_path: Path) -> None:
    from bot.store.records import LOCKED, WRONG
    from bot.store.sqlite.pins import PinGuard

    store = await open_store(tmp_path)
    try:
        guard = PinGuard(store)
        calls: list[int] = []
        verdicts = await asyncio.gather(
            *(guard.check(REFERENCE, f"tg:{n}", 1, verifier(False, calls)) for n in range(40))
        )
        assert len(calls) == 5  # each guess is counted before it is checked, not after
        assert verdicts.count(LOCKED) == 36 and verdicts.count(WRONG) == 4
    finally:
        await store.close()


async def test_attack_8_old_failures_are_pruned(tmp_path: Path) -> None:
    from bot.store.sqlite.pins import PinGuard

    store, clock = await open_store(tmp_path), Clock()
    try:
        guard = PinGuard(store, clock=clock)
        for n in range(5):
            await guard.check(REFERENCE, f"tg:{100 + n}", 1, verifier(False, []))
        for n in range(12):
            await guard.check(f"Q2WE-RTY{'ABCDEFGHJKLM'[n]}", "tg:1", None, verifier(False, []))
        row = await store.database.fetchone("SELECT count(*) FROM pin_failures")
        assert row == (15,)  # tg:1 at its limit: its last two were refused unchecked
        rows = await store.database.fetchall("SELECT reference FROM pin_locks")
        assert rows == [(REFERENCE,)]
        clock.now += 86401
        await guard.check(UNKNOWN, "tg:2", None, verifier(False, []))
        rows = await store.database.fetchall("SELECT reference, chat_key FROM pin_failures")
        assert rows == [(UNKNOWN, "tg:2")]
        row = await store.database.fetchone("SELECT count(*) FROM pin_locks")
        assert row == (0,)
    finally:
        await store.close()
