"""Wrong status PINs counted in memory, by the rules of ``bot/store/sqlite/pins.py`` (read its docstring).

Per reference, across chats, ``lock_after`` wrong PINs within ``window`` pause the reference's check
for ``lock_seconds``; per chat, ``chat_limit`` wrong PINs within ``chat_window`` pause that chat's
checks. Each attempt is counted before ``verify`` runs and uncounted when the PIN was right, so
guesses still being hashed already count; the only awaits are ``verify`` itself, between two changes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from bot.clock import now_iso
from bot.store.records import LIMITED, LOCKED, PASSED, WRONG, AuditEntry, PinPolicy, Verdict

from .store import MemoryStore


class MemoryPins:
    def __init__(
        self, store: MemoryStore, policy: PinPolicy | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.policy = policy or PinPolicy()
        self.clock = clock

    async def check(
        self, reference: str, chat_key: str, report_id: int | None, verify: Callable[[], Awaitable[bool]]
    ) -> Verdict:
        """Run ``verify`` (the PIN check) unless the reference or the chat is paused.

        Returns PASSED, WRONG, or LOCKED / LIMITED: paused before the check (``verify`` is not run,
        a right PIN is refused as well) or by this very wrong PIN.
        """
        t = self.store.tables
        now = self.clock()
        keep = max(self.policy.window, self.policy.chat_window)
        for row_id in [i for i, (_, _, at) in t.pin_failures.items() if at <= now - keep]:
            del t.pin_failures[row_id]
        for ref in [r for r, until in t.pin_locks.items() if until <= now - self.policy.window]:
            del t.pin_locks[ref]
        paused = self._paused(reference, chat_key, now)
        if paused is not None:
            return paused
        attempt = t.next_id("pin_failures")
        t.pin_failures[attempt] = (reference, chat_key, now)
        if await verify():
            t.pin_failures.pop(attempt, None)
            return PASSED
        return self._wrong(reference, chat_key, report_id)

    def _paused(self, reference: str, chat_key: str, now: float) -> Verdict | None:
        until = self.store.tables.pin_locks.get(reference, 0.0)
        if until > now or self._reference_failures(reference, now, until) >= self.policy.lock_after:
            return LOCKED  # the second case: guesses still being hashed already reach the limit
        if self._chat_failures(chat_key, now) >= self.policy.chat_limit:
            return LIMITED
        return None

    def _wrong(self, reference: str, chat_key: str, report_id: int | None) -> Verdict:
        t = self.store.tables
        policy = self.policy
        verdict = WRONG
        now = self.clock()
        _audit(self.store, "citizen", "status_pin_wrong", report_id, False, f"reference {reference}")
        until = t.pin_locks.get(reference, 0.0)
        failures = self._reference_failures(reference, now, until)
        if until <= now and failures >= policy.lock_after:
            t.pin_locks[reference] = now + policy.lock_seconds
            detail = (
                f"reference {reference}: {failures} wrong PINs within {_span(policy.window)}, "
                f"checks paused for {_span(policy.lock_seconds)}"
            )
            _audit(self.store, "system", "status_pin_lock", report_id, True, detail)
            verdict = LOCKED
        failures = self._chat_failures(chat_key, now)
        if failures == policy.chat_limit:  # just reached: a chat at the limit is refused before checking
            detail = f"{failures} wrong PINs from one chat within {_span(policy.chat_window)}, its checks paused"
            _audit(self.store, "system", "status_pin_limit", None, True, detail)
            verdict = LIMITED  # the wider pause: this chat cannot check any reference
        return verdict

    def _reference_failures(self, reference: str, now: float, until: float) -> int:
        # Failures from before the end of the last pause were paid for by that pause.
        since = now - self.policy.window
        return sum(
            1
            for ref, _, at in self.store.tables.pin_failures.values()
            if ref == reference and since < at and at >= until
        )

    def _chat_failures(self, chat_key: str, now: float) -> int:
        since = now - self.policy.chat_window
        return sum(1 for _, chat, at in self.store.tables.pin_failures.values() if chat == chat_key and at > since)


def _audit(store: MemoryStore, who: str, action: str, report_id: int | None, allowed: bool, detail: str) -> None:
    # No actor: the audit says that it happened, not from which chat (a reporter may be anonymous).
    store.tables.audit.append(AuditEntry(now_iso(), None, who, action, report_id, None, allowed, detail))


def _span(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
