"""Report reference numbers and PINs.

A reference is read aloud on the phone and copied by hand, so its alphabet has no 0/O or 1/I and it
is grouped in fours (``K7QM-9TDX``). The PIN proves that a status request comes from the reporter;
only a salted scrypt hash of it is stored. A few PINs are drawn and hashed ahead (``ReadyPins``), so
"Send report" does not wait ~20 ms for scrypt at a human pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 40 bits in 8 characters
REFERENCE_LENGTH = 8
PIN_LENGTH = 6
# scrypt cost: about 20 ms here (bench/engine.py, submit column). A 6-digit PIN cannot resist an
# offline search on its own; the cost slows it, and adapters rate-limit the online check.
_SCRYPT = {"n": 2**13, "r": 8, "p": 1}
# scrypt runs outside the GIL, so one thread per core keeps every core busy in a burst of reports; more
# threads would only hold more 8 MiB buffers at once (and, in glibc, more arenas) for the same throughput.
_HASHING = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="pin")


def new_reference() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_reference(typed: str) -> str | None:
    """``k7qm 9tdx``, ``K7QM9TDX`` and ``#K7QM-9TDX`` all mean ``K7QM-9TDX``; None if it cannot be one."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(raw) != REFERENCE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    if scheme != "scrypt" or not salt or not expected:
        return False
    digest = hashlib.scrypt(pin.strip().encode(), salt=salt, dklen=len(expected), **_SCRYPT)
    return hmac.compare_digest(digest, expected)


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


async def hashed_pin(pin: str) -> str:
    """``hash_pin`` in the hashing pool, off the event loop: other chats are not held up meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_pin, pin)


class ReadyPins:
    """A few PINs drawn and hashed ahead, in the hashing pool, while nobody is waiting.

    ``draw`` takes a ready PIN out of the reserve (or draws a fresh one when none is ready) and
    ``hash_of`` returns its hash, hashing only a PIN that was not ready. A ready PIN goes to one report
    only. Each stays in memory until a report takes it, as the plaintext stays while it is hashed
    (docs/security.md, "The PIN's hash").
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._ready: dict[str, str] = {}
        self._drawn: dict[str, str] = {}  # taken by ``draw``, not yet asked for by ``hash_of``
        self._filling: asyncio.Task[None] | None = None

    def draw(self) -> str:
        if not self._ready:
            return new_pin()
        pin, digest = self._ready.popitem()
        self._drawn[pin] = digest
        return pin

    async def hash_of(self, pin: str) -> str:
        """The PIN's hash: the one made ahead for a drawn PIN, else hashed now in the pool."""
        ready = self._drawn.pop(pin, None)
        self.fill()
        return ready if ready is not None else await hashed_pin(pin)

    def fill(self) -> None:
        """Start hashing PINs into the reserve in the background, unless it is full or being filled."""
        if len(self._ready) >= self.size or (self._filling is not None and not self._filling.done()):
            return
        self._filling = asyncio.get_running_loop().create_task(self._fill(), name="ready PINs")

    async def _fill(self) -> None:
        while len(self._ready) < self.size:
            pin = new_pin()
            # One at a time, so a burst of reports hashing their own PINs keeps most of the pool.
            digest = await hashed_pin(pin)
            if pin not in self._drawn:  # the same six digits drawn twice: keep each PIN for one report
                self._ready[pin] = digest

    async def filled(self) -> None:
        """Wait until the filling under way (if any) is over."""
        if self._filling is not None:
            await asyncio.shield(self._filling)

    async def close(self) -> None:
        """Stop filling (at shutdown); the ready PINs are forgotten with the process."""
        if self._filling is not None and not self._filling.done():
            self._filling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._filling
        self._ready.clear()

    @property
    def ready(self) -> int:
        return len(self._ready)


# The process's reserve: every conversation of this process draws from it.
READY_PINS = ReadyPins()


async def pin_matches(pin: str, pin_hash: str | None) -> bool:
    """``check_pin`` in the hashing pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, check_pin, pin, pin_hash)
