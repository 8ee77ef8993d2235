"""Report references (read aloud, copied by hand) and PINs (sealed by the store; legacy scrypt hashes still checked)."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading

import pytest

from bot.cases import references
from bot.cases.references import (
    ALPHABET,
    PIN_LENGTH,
    REFERENCE_LENGTH,
    new_pin,
    new_reference,
    normalise_reference,
    pin_matches,
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


@pytest.mark.parametrize("typed", ["123456", " 123456", "123456 ", "  123456\n", "\t123456 "])
async def test_the_right_pin_matches_also_with_surrounding_spaces(typed: str) -> None:
    assert await pin_matches(typed, "123456")


@pytest.mark.parametrize("typed", ["123457", "654321", "12345", "1234567", "", "12 3456", "۱۲۳۴۵۶", "-" * 6])
async def test_a_wrong_pin_does_not_match(typed: str) -> None:
    assert not await pin_matches(typed, "123456")


@pytest.mark.parametrize("typed", ["123456", "000000", "------", ""])
async def test_with_no_report_nothing_matches(typed: str) -> None:
    assert not await pin_matches(typed, None)


def legacy_hash(pin: str) -> str:
    """A PIN hashed as reports stored before PINs were sealed hold it (scrypt n=2^13, r=8, salted)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**13, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


async def test_a_legacy_scrypt_hash_is_still_checked_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    original = references._scrypt_matches

    def noting(pin: str, stored: str) -> bool:
        threads.append(threading.current_thread().name)
        return original(pin, stored)

    monkeypatch.setattr(references, "_scrypt_matches", noting)
    stored = legacy_hash("123456")

    assert await pin_matches(" 123456 ", stored)
    assert not await pin_matches("123457", stored)
    assert not await pin_matches(stored, stored)  # the stored value itself is no PIN
    assert threads and threading.main_thread().name not in threads


def _flip(hex_text: str) -> str:
    """The same hex text with its first digit changed."""
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


def _malformed() -> list[object]:
    good = legacy_hash("123456")
    _, salt_hex, digest_hex = good.split("$")
    return [
        pytest.param("scrypt$", id="scheme-only"),
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
async def test_a_malformed_or_altered_legacy_hash_matches_nothing(stored: str) -> None:
    assert await pin_matches("123456", stored) is False
