"""Guessing status PINs: wrong PINs counted per reference and per chat, and the pauses they cause.

A 6-digit PIN has a million values; what keeps it from being guessed through ``/status REFERENCE PIN``
is how few guesses anyone gets. Two counts, both kept in the database so a restart resets nothing:

- per reference, across every chat (an attacker spreads guesses over many accounts): ``lock_after``
  wrong PINs within ``window`` seconds pause that reference's check for ``lock_seconds``;
- per chat, whatever the references: ``chat_limit`` wrong PINs within ``chat_window`` seconds pause
  that chat's checks until the oldest of them is ``chat_window`` old.

A reference that does not exist is counted exactly like one that does (by its normalised string),
and ``pin_matches`` does the same comparison for both, so neither the reply nor its timing tells
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

import sqlite3
import time
from collections.abc import Awaitable, Callable

from bot.clock import now_iso
from bot.store.records import LIMITED, LOCKED, PASSED, WRONG, AuditEntry, PinPolicy, Verdict

from .audit import audit_row
from .store import SqliteStore


class PinGuard:
    def __init__(
        self, store: SqliteStore, policy: PinPolicy | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.database = store.database
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
        now = self.clock()

        def count(conn: sqlite3.Connection) -> Verdict | int:
            keep = max(self.policy.window, self.policy.chat_window)
            conn.execute("DELETE FROM pin_failures WHERE at <= ?", (now - keep,))
            conn.execute("DELETE FROM pin_locks WHERE until <= ?", (now - self.policy.window,))
            paused = self._paused(conn, reference, chat_key, now)
            if paused is not None:
                return paused
            cur = conn.execute(
                "INSERT INTO pin_failures (reference, chat_key, at) VALUES (?, ?, ?)", (reference, chat_key, now)
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        attempt = await self.database.write(count)
        if isinstance(attempt, str):
            return attempt
        if await verify():
            await self.database.write(lambda conn: conn.execute("DELETE FROM pin_failures WHERE id = ?", (attempt,)))
            return PASSED
        return await self.database.write(lambda conn: self._wrong(conn, reference, chat_key, report_id))

    def _paused(self, conn: sqlite3.Connection, reference: str, chat_key: str, now: float) -> Verdict | None:
        until = _lock_until(conn, reference)
        if until > now or self._reference_failures(conn, reference, now, until) >= self.policy.lock_after:
            return LOCKED  # the second case: guesses still being hashed already reach the limit
        if self._chat_failures(conn, chat_key, now) >= self.policy.chat_limit:
            return LIMITED
        return None

    def _wrong(self, conn: sqlite3.Connection, reference: str, chat_key: str, report_id: int | None) -> Verdict:
        policy = self.policy
        verdict = WRONG
        now = self.clock()
        _audit(conn, "citizen", "status_pin_wrong", report_id, False, f"reference {reference}")
        until = _lock_until(conn, reference)
        failures = self._reference_failures(conn, reference, now, until)
        if until <= now and failures >= policy.lock_after:
            conn.execute(
                "INSERT INTO pin_locks (reference, until) VALUES (?, ?) "
                "ON CONFLICT (reference) DO UPDATE SET until = excluded.until",
                (reference, now + policy.lock_seconds),
            )
            detail = (
                f"reference {reference}: {failures} wrong PINs within {span(policy.window)}, "
                f"checks paused for {span(policy.lock_seconds)}"
            )
            _audit(conn, "system", "status_pin_lock", report_id, True, detail)
            verdict = LOCKED
        failures = self._chat_failures(conn, chat_key, now)
        if failures == policy.chat_limit:  # just reached: a chat at the limit is refused before checking
            detail = f"{failures} wrong PINs from one chat within {span(policy.chat_window)}, its checks paused"
            _audit(conn, "system", "status_pin_limit", None, True, detail)
            verdict = LIMITED  # the wider pause: this chat cannot check any reference
        return verdict

    def _reference_failures(self, conn: sqlite3.Connection, reference: str, now: float, until: float) -> int:
        # Failures from before the end of the last pause were paid for by that pause.
        row = conn.execute(
            "SELECT count(*) FROM pin_failures WHERE reference = ? AND at > ? AND at >= ?",
            (reference, now - self.policy.window, until),
        ).fetchone()
        return int(row[0]) if row else 0

    def _chat_failures(self, conn: sqlite3.Connection, chat_key: str, now: float) -> int:
        row = conn.execute(
            "SELECT count(*) FROM pin_failures WHERE chat_key = ? AND at > ?", (chat_key, now - self.policy.chat_window)
        ).fetchone()
        return int(row[0]) if row else 0


def _lock_until(conn: sqlite3.Connection, reference: str) -> float:
    row = conn.execute("SELECT until FROM pin_locks WHERE reference = ?", (reference,)).fetchone()
    return float(row[0]) if row else 0.0


def _audit(conn: sqlite3.Connection, who: str, action: str, report_id: int | None, allowed: bool, detail: str) -> None:
    # No actor: the audit says that it happened, not from which chat (a reporter may be anonymous).
    audit_row(conn, AuditEntry(now_iso(), None, who, action, report_id, None, allowed, detail))


def span(seconds: float) -> str:
    """A pause's length as the audit says it: "1 h", "30 min"."""
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
