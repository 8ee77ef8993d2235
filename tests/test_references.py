"""Report references (read aloud, copied by hand) and PINs (only a salted hash is stored)."""

from __future__ import annotations

import asyncio
import os
import re
import threading

import pytest

from bot.cases import references
from bot.cases.references import (
    ALPHABET,
    PIN_LENGTH,
    REFERENCE_LENGTH,
    hash_pin,
    new_pin,
    new_reference,
    normalise_reference,
    verify_pin,
)

DRAWS = 2_000
REFERENCE_SHAPE = re.compile(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def test_alphabet_has_32_symbols_and_none_that_look_alike() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("0O1I") & set(ALPHABET)
    assert REFERENCE_LENGTH == 8


def test_new_references_are_two_groups_of_four_from_the_alphabet_only() -> None:
    references = [new_reference() for _ in range(DRAWS)]

    for reference in references:
        assert REFERENCE_SHAPE.fullmatch(reference), reference
    drawn = set("".join(references).replace("-", ""))
    assert not drawn & set("0O1I")
    assert drawn <= set(ALPHABET)
    assert len(set(references)) == DRAWS  # 40 bits: a repeat in 2,000 draws would be astonishing


def test_a_new_reference_normalises_to_itself() -> None:
    for _ in range(100):
        reference = new_reference()
        assert normalise_reference(reference) == reference


@pytest.mark.parametrize(
    "typed",
    [
        "K7QM-9TDX",
        "k7qm-9tdx",
        "K7qM-9tDx",
        "k7qm 9tdx",
        " K7QM 9TDX ",
        "K 7 Q M 9 T D X",
        "K7QM9TDX",
        "k7qm9tdx",
        "#K7QM-9TDX",
        "#k7qm9tdx",
        "# K7QM-9TDX",
        "K7QM-9TDX\n",
    ],
)
def test_normalise_reference_accepts_case_spaces_missing_dash_and_a_leading_hash(typed: str) -> None:
    assert normalise_reference(typed) == "K7QM-9TDX"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "#",
        "K7QM-9TD",  # 7 characters
        "K7QM-9TDXY",  # 9 characters
        "K7QM",
        "K7QM-9TDX-K7QM",
        "K7QM-9TDO",  # letter O
        "K7QM-9TD0",  # digit zero
        "K7QM-9TDI",  # letter I
        "K7QM-9TD1",  # digit one
        "k7qm-9tdo",
        "OOOO-0000",
    ],
)
def test_normalise_reference_refuses_wrong_length_or_symbols_outside_the_alphabet(typed: str) -> None:
    assert normalise_reference(typed) is None


def test_new_pins_are_six_ascii_digits() -> None:
    assert PIN_LENGTH == 6
    for _ in range(DRAWS):
        pin = new_pin()
        assert len(pin) == 6
        assert pin.isascii() and pin.isdigit(), pin


@pytest.mark.parametrize("pin", ["123456", "000000", "987654", "424242"])
def test_hash_pin_never_contains_the_pin(pin: str) -> None:
    scheme, salt_hex, digest_hex = hash_pin(pin).split("$")

    # Only a scheme name, a random salt and a digest: no field holds or encodes the PIN.
    assert (scheme, len(salt_hex), len(digest_hex)) == ("scrypt", 32, 64)
    assert pin not in (salt_hex, digest_hex) and pin.encode().hex() not in (salt_hex, digest_hex)


def test_two_hashes_of_the_same_pin_differ_because_of_the_salt() -> None:
    first, second = hash_pin("123456"), hash_pin("123456")

    assert first != second
    assert verify_pin("123456", first)
    assert verify_pin("123456", second)


@pytest.mark.parametrize("typed", ["123456", " 123456", "123456 ", "  123456\n", "\t123456 "])
def test_verify_pin_accepts_the_right_pin_also_with_surrounding_spaces(typed: str) -> None:
    assert verify_pin(typed, hash_pin("123456"))


@pytest.mark.parametrize("typed", ["123457", "654321", "12345", "1234567", "", "12 3456", "۱۲۳۴۵۶"])
def test_verify_pin_refuses_a_wrong_pin(typed: str) -> None:
    assert not verify_pin(typed, hash_pin("123456"))


def _flip(hex_text: str) -> str:
    """The same hex text with its first digit changed."""
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


def _malformed() -> list[object]:
    good = hash_pin("123456")
    _, salt_hex, digest_hex = good.split("$")
    return [
        pytest.param("", id="empty"),
        pytest.param("123456", id="the-pin-itself"),
        pytest.param("scrypt", id="scheme-only"),
        pytest.param(f"scrypt${salt_hex}", id="two-parts"),
        pytest.param(f"{good}$extra", id="four-parts"),
        pytest.param(f"bcrypt${salt_hex}${digest_hex}", id="other-scheme"),
        pytest.param(f"SCRYPT${salt_hex}${digest_hex}", id="scheme-upper-case"),
        pytest.param(f"scrypt$zz{salt_hex[2:]}${digest_hex}", id="salt-not-hex"),
        pytest.param(f"scrypt${salt_hex}${digest_hex[:-1]}", id="digest-odd-length"),
        pytest.param(f"scrypt${salt_hex}${_flip(digest_hex)}", id="digest-altered"),
        pytest.param(f"scrypt${_flip(salt_hex)}${digest_hex}", id="salt-altered"),
        pytest.param("scrypt$$", id="salt-and-digest-empty"),
        pytest.param(f"scrypt${salt_hex}$", id="digest-empty"),
    ]


@pytest.mark.parametrize("stored", _malformed())
def test_verify_pin_refuses_a_malformed_or_altered_stored_value(stored: str) -> None:
    assert verify_pin("123456", stored) is False


async def test_pins_are_hashed_and_checked_in_a_pool_of_one_thread_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    original = references.hash_pin

    def noting(pin: str) -> str:
        seen.add(threading.current_thread().name)
        return original(pin)

    monkeypatch.setattr(references, "hash_pin", noting)
    hashes = await asyncio.gather(*(references.hashed_pin(f"{n:06d}") for n in range(4 * (os.cpu_count() or 1))))
    assert 1 <= len(seen) <= (os.cpu_count() or 1) and all(name.startswith("pin") for name in seen)
    assert await references.pin_matches("000000", hashes[0])
    assert not await references.pin_matches("000001", hashes[0])
    assert not await references.pin_matches("000000", None)


async def test_ready_pins_are_hashed_ahead_and_each_goes_to_one_report(monkeypatch: pytest.MonkeyPatch) -> None:
    pins = references.ReadyPins(size=3)
    pins.fill()
    await pins.filled()
    assert pins.ready == 3
    hashed: list[str] = []
    original = references.hash_pin

    def noting(pin: str) -> str:
        hashed.append(pin)
        return original(pin)

    monkeypatch.setattr(references, "hash_pin", noting)
    drawn = [pins.draw() for _ in range(3)]
    assert len(set(drawn)) == 3 and pins.ready == 0
    digests = [await pins.hash_of(pin) for pin in drawn]
    assert not set(drawn) & set(hashed)  # none of the three waited for scrypt
    assert all(verify_pin(pin, digest) for pin, digest in zip(drawn, digests, strict=True))
    await pins.close()


async def test_with_no_pin_ready_the_pin_is_hashed_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    pins = references.ReadyPins(size=2)
    pin = pins.draw()  # nothing was filled: a fresh PIN
    assert len(pin) == PIN_LENGTH and pin.isdigit()
    digest = await pins.hash_of(pin)
    assert verify_pin(pin, digest) and not verify_pin(f"{(int(pin) + 1) % 10**PIN_LENGTH:06d}", digest)
    await pins.filled()
    assert pins.ready == 2  # asking for a hash started the reserve filling
    assert verify_pin("123456", await pins.hash_of("123456"))  # a PIN it did not draw is hashed, not looked up
    await pins.close()
    assert pins.ready == 0
