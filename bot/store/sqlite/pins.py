"""Guessing status PINs: wrong PINs counted per reference and per chat, and the pauses they cause.

A 6-digit PIN has a million values; what keeps it from being guessed through ``/status REFERENCE PIN``
is how few guesses anyone gets. Two counts, both kept in the database so a restart resets nothing:

- per reference, across every chat (an attacker spreads guesses over many accounts): ``lock_after``
  wrong PINs within ``window`` seconds pause that reference's check for ``lock_seconds``;
- per chat, whatever the references: ``chat_limit`` wrong PINs within ``chat_window`` seconds pause
  that chat's checks until the oldest of them is ``chat_window`` old.

A reference that does not exist is counted exactly like one that does (by its normalised string),
and ``check_pin`` does the same scrypt work for both, so neither the reply nor its timing tells
whether a reference exists. While paused, a right PIN is refused too: a pause that the right guess
could end would tell the guesser which guess was right. The citizen's way back is ``/status`` on its
own from the chat that sent the report, which needs no PIN.

Each attempt is counted *before* its PIN is checked (the row is deleted again when the PIN was
right), so a burst of guesses sent from many chats at once cannot all pass the count while the first
ones are still being hashed; an attempt whose check crashed stays counted as wrong. Every wrong PIN
and every pause gets an audit entry with the reference, never the PIN, and no chat (the audit says
that it happened, as for /forget); the chat is kept in ``pin_failures`` for the per-chat count only,
and rows go once older than both windows.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.cases.references import PIN_LENGTH, hash_pin, verify_pin
from bot.store.base import Store
from bot.store.records import AuditEntry
from bot.store.sqlite.cases import audit_row
from bot.store.sqlite.database import SqliteStore, now_iso

Verdict = Literal["passed", "wrong", "locked", "limited"]
PASSED: Verdict = "passed"
WRONG: Verdict = "wrong"
LOCKED: Verdict = "locked"  # this reference's check is paused (for every chat)
LIMITED: Verdict = "limited"  # this chat's checks are paused (for every reference)


@dataclass(frozen=True, slots=True)
class PinPolicy:
    lock_after: int = 5  # wrong PINs for one reference, from any chats, within ...
    window: float = 3600.0  # ... this many seconds pause its check for ...
    lock_seconds: float = 3600.0  # ... this long
    chat_limit: int = 10  # wrong PINs one chat may send within ...
    chat_window: float = 86400.0  # ... this many seconds


@functools.cache
def _dummy_hash() -> str:
    # Hashed once, on the first unknown reference, with the same scrypt cost as a report's PIN.
    return hash_pin("".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH)))


def check_pin(pin: str, pin_hash: str | None) -> bool:
    """``verify_pin`` against the report's hash, or, with no report (None), against a dummy hash that
    nothing matches: the same scrypt work either way, so the reply time does not tell existence."""
    if pin_hash is None:
        verify_pin(pin, _dummy_hash())
        return False
    return verify_pin(pin, pin_hash)


class PinGuard:
    def __init__(
        self, store: SqliteStore, policy: PinPolicy | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.policy = policy or PinPolicy()
        self.clock = clock

    async def check(
        self, reference: str, chat_key: str, report_id: int | None, verify: Callable[[], Awaitable[bool]]
    ) -> Verdict:
        """Run ``verify`` (the PIN check) unless the reference or the chat is paused.

        ``reference`` is normalised; ``report_id`` is None when no report has it. Returns PASSED,
        WRONG, or LOCKED / LIMITED: paused before the check (``verify`` is not run, a right PIN is
        refused as well) or by this very wrong PIN.
        """
        async with self.store.transaction() as db:
            now = self.clock()
            keep = max(self.policy.window, self.policy.chat_window)
            await db.execute("DELETE FROM pin_failures WHERE at <= ?", (now - keep,))
            await db.execute("DELETE FROM pin_locks WHERE until <= ?", (now - self.policy.window,))
            paused = await self._paused(db, reference, chat_key, now)
            if paused is not None:
                return paused
            cur = await db.execute(
                "INSERT INTO pin_failures (reference, chat_key, at) VALUES (?, ?, ?)", (reference, chat_key, now)
            )
            attempt = cur.lastrowid
        if await verify():
            async with self.store.transaction() as db:
                await db.execute("DELETE FROM pin_failures WHERE id = ?", (attempt,))
            return PASSED
        return await self._wrong(reference, chat_key, report_id)

    async def _paused(self, db: aiosqlite.Connection, reference: str, chat_key: str, now: float) -> Verdict | None:
        until = await self._lock_until(db, reference)
        if until > now or await self._reference_failures(db, reference, now, until) >= self.policy.lock_after:
            return LOCKED  # the second case: guesses still being hashed already reach the limit
        if await self._chat_failures(db, chat_key, now) >= self.policy.chat_limit:
            return LIMITED
        return None

    async def _wrong(self, reference: str, chat_key: str, report_id: int | None) -> Verdict:
        policy = self.policy
        verdict = WRONG
        async with self.store.transaction() as db:
            now = self.clock()
            await _audit(db, "citizen", "status_pin_wrong", report_id, False, f"reference {reference}")
            until = await self._lock_until(db, reference)
            failures = await self._reference_failures(db, reference, now, until)
            if until <= now and failures >= policy.lock_after:
                await db.execute(
                    "INSERT INTO pin_locks (reference, until) VALUES (?, ?) "
                    "ON CONFLICT (reference) DO UPDATE SET until = excluded.until",
                    (reference, now + policy.lock_seconds),
                )
                detail = (
                    f"reference {reference}: {failures} wrong PINs within {_span(policy.window)}, "
                    f"checks paused for {_span(policy.lock_seconds)}"
                )
                await _audit(db, "system", "status_pin_lock", report_id, True, detail)
                verdict = LOCKED
            failures = await self._chat_failures(db, chat_key, now)
            if failures == policy.chat_limit:  # just reached: a chat at the limit is refused before checking
                detail = f"{failures} wrong PINs from one chat within {_span(policy.chat_window)}, its checks paused"
                await _audit(db, "system", "status_pin_limit", None, True, detail)
                verdict = LIMITED  # the wider pause: this chat cannot check any reference
        return verdict

    @staticmethod
    async def _lock_until(db: aiosqlite.Connection, reference: str) -> float:
        async with db.execute("SELECT until FROM pin_locks WHERE reference = ?", (reference,)) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row else 0.0

    async def _reference_failures(self, db: aiosqlite.Connection, reference: str, now: float, until: float) -> int:
        # Failures from before the end of the last pause were paid for by that pause.
        async with db.execute(
            "SELECT count(*) FROM pin_failures WHERE reference = ? AND at > ? AND at >= ?",
            (reference, now - self.policy.window, until),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _chat_failures(self, db: aiosqlite.Connection, chat_key: str, now: float) -> int:
        async with db.execute(
            "SELECT count(*) FROM pin_failures WHERE chat_key = ? AND at > ?", (chat_key, now - self.policy.chat_window)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


def pin_guard(store: Store) -> PinGuard:
    """The guard over ``store``'s tables. A backend without them cannot check PINs: it fails, never
    lets a guess through uncounted."""
    if isinstance(store, SqliteStore):
        return PinGuard(store)
    raise TypeError(f"no PIN guard for {type(store).__name__}: PIN checks need a store that counts wrong PINs")


async def _audit(
    db: aiosqlite.Connection, who: str, action: str, report_id: int | None, allowed: bool, detail: str
) -> None:
    # No actor: the audit says that it happened, not from which chat (a reporter may be anonymous).
    await audit_row(db, AuditEntry(now_iso(), None, who, action, report_id, None, allowed, detail))


def _span(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
