"""Report reference numbers and PINs.

A reference is read aloud on the phone and copied by hand, so its alphabet has no 0/O or 1/I and it
is grouped in fours (``K7QM-9TDX``). The PIN proves that a status request comes from the reporter. The
store seals it with the data key like the report's answers (``reports.pin``), and ``pin_matches``
compares in constant time; docs/security.md ("The PIN") says why a seal and not a password hash.
Reports stored before that hold a salted scrypt hash instead, which ``pin_matches`` still checks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 40 bits in 8 characters
REFERENCE_LENGTH = 8
PIN_LENGTH = 6
# The scrypt cost of a legacy hash (a report stored before PINs were sealed): read, never written.
_SCRYPT = {"n": 2**13, "r": 8, "p": 1}
_LEGACY = "scrypt$"
# What a PIN is compared with when no report has the reference: the same comparison, nothing matches it
# (a typed PIN is digits only).
_NOBODY = "-" * PIN_LENGTH


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


async def pin_matches(typed: str, stored: str | None) -> bool:
    """Whether ``typed`` is the report's PIN: ``stored`` as the store opened it, None when no report has
    the reference (then the same comparison runs against a value nothing matches, so the reply time does
    not tell whether the reference exists). A legacy scrypt hash is checked off the event loop."""
    typed = typed.strip()
    if stored is not None and stored.startswith(_LEGACY):
        return await asyncio.to_thread(_scrypt_matches, typed, stored)
    expected = _NOBODY if stored is None else stored
    same = hmac.compare_digest(typed.encode(), expected.encode())
    return same and stored is not None


def _scrypt_matches(pin: str, stored: str) -> bool:
    try:
        _, salt_hex, digest_hex = stored.split("$")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    if not salt or not expected:
        return False
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=len(expected), **_SCRYPT)
    return hmac.compare_digest(digest, expected)
