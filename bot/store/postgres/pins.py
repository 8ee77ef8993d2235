"""Guessing status PINs (PostgreSQL): wrong PINs counted per reference and per chat, and the pauses they cause.

The policy, its reasons and its audit are SQLite's (see sqlite/pins.py): each attempt is counted
before its PIN is checked, so a burst of guesses cannot all pass the count while the first ones are
still being hashed. SQLite's single writer makes each count-and-decide atomic; here two transaction-
scoped advisory locks do, one for the reference and one for the chat, always taken in that order (no
deadlock), so guesses sent at once through several instances are counted one after another.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from bot.clock import now_iso
from bot.store.records import LIMITED, LOCKED, PASSED, WRONG, AuditEntry, PinPolicy, Verdict

from .audit import audit_row
from .database import Connection
from .store import PostgresStore

# Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)); the second is the text's hash.
_REFERENCE_LOCK, _CHAT_LOCK = 0x50494E31, 0x50494E32


class PinGuard:
    def __init__(
        self, store: PostgresStore, policy: PinPolicy | None = None, clock: Callable[[], float] = time.time
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

        async def count(conn: Connection) -> Verdict | int:
            await _lock(conn, reference, chat_key)
            keep = max(self.policy.window, self.policy.chat_window)
            await conn.execute("DELETE FROM pin_failures WHERE at <= $1", now - keep)
            await conn.execute("DELETE FROM pin_locks WHERE until <= $1", now - self.policy.window)
            paused = await self._paused(conn, reference, chat_key, now)
            if paused is not None:
                return paused
            attempt = await conn.fetchval(
                "INSERT INTO pin_failures (reference, chat_key, at) VALUES ($1, $2, $3) RETURNING id",
                reference,
                chat_key,
                now,
            )
            return int(attempt)

        attempt = await self.database.write(count)
        if isinstance(attempt, str):
            return attempt
        if await verify():

            async def passed(conn: Connection) -> None:
                await conn.execute("DELETE FROM pin_failures WHERE id = $1", attempt)

            await self.database.write(passed)
            return PASSED

        async def wrong(conn: Connection) -> Verdict:
            await _lock(conn, reference, chat_key)
            return await self._wrong(conn, reference, chat_key, report_id)

        return await self.database.write(wrong)

    async def _paused(self, conn: Connection, reference: str, chat_key: str, now: float) -> Verdict | None:
        until = await _lock_until(conn, reference)
        if until > now or await self._reference_failures(conn, reference, now, until) >= self.policy.lock_after:
            return LOCKED  # the second case: guesses still being hashed already reach the limit
        if await self._chat_failures(conn, chat_key, now) >= self.policy.chat_limit:
            return LIMITED
        return None

    async def _wrong(self, conn: Connection, reference: str, chat_key: str, report_id: int | None) -> Verdict:
        policy = self.policy
        verdict = WRONG
        now = self.clock()
        await _audit(conn, "citizen", "status_pin_wrong", report_id, False, f"reference {reference}")
        until = await _lock_until(conn, reference)
        failures = await self._reference_failures(conn, reference, now, until)
        if until <= now and failures >= policy.lock_after:
            await conn.execute(
                "INSERT INTO pin_locks (reference, until) VALUES ($1, $2) "
                "ON CONFLICT (reference) DO UPDATE SET until = excluded.until",
                reference,
                now + policy.lock_seconds,
            )
            detail = (
                f"reference {reference}: {failures} wrong PINs within {span(policy.window)}, "
                f"checks paused for {span(policy.lock_seconds)}"
            )
            await _audit(conn, "system", "status_pin_lock", report_id, True, detail)
            verdict = LOCKED
        failures = await self._chat_failures(conn, chat_key, now)
        if failures == policy.chat_limit:  # just reached: a chat at the limit is refused before checking
            detail = f"{failures} wrong PINs from one chat within {span(policy.chat_window)}, its checks paused"
            await _audit(conn, "system", "status_pin_limit", None, True, detail)
            verdict = LIMITED  # the wider pause: this chat cannot check any reference
        return verdict

    async def _reference_failures(self, conn: Connection, reference: str, now: float, until: float) -> int:
        # Failures from before the end of the last pause were paid for by that pause.
        found = await conn.fetchval(
            "SELECT count(*) FROM pin_failures WHERE reference = $1 AND at > $2 AND at >= $3",
            reference,
            now - self.policy.window,
            until,
        )
        return int(found)

    async def _chat_failures(self, conn: Connection, chat_key: str, now: float) -> int:
        found = await conn.fetchval(
            "SELECT count(*) FROM pin_failures WHERE chat_key = $1 AND at > $2", chat_key, now - self.policy.chat_window
        )
        return int(found)


async def _lock(conn: Connection, reference: str, chat_key: str) -> None:
    """Serialise the counts of this reference and of this chat until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _REFERENCE_LOCK, reference)
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _CHAT_LOCK, chat_key)


async def _lock_until(conn: Connection, reference: str) -> float:
    until = await conn.fetchval("SELECT until FROM pin_locks WHERE reference = $1", reference)
    return float(until) if until is not None else 0.0


async def _audit(conn: Connection, who: str, action: str, report_id: int | None, allowed: bool, detail: str) -> None:
    # No actor: the audit says that it happened, not from which chat (a reporter may be anonymous).
    await audit_row(conn, AuditEntry(now_iso(), None, who, action, report_id, None, allowed, detail))


def span(seconds: float) -> str:
    """A pause's length as the audit says it: "1 h", "30 min"."""
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
