"""Encryption at rest of what a citizen tells us: AES-256-GCM from ``cryptography``.

A sealed value is ``enc1:<key id>:<base64 of nonce + ciphertext>``. The associated data names the
column (``reports.answers``), so a value copied into another column does not open. The first key of
the ring seals; every key opens, which is what lets ``keys rotate`` re-seal a database while both the
old and the new key are configured.

Keys come from ``DATA_KEY`` (comma-separated, newest first) or from a key file beside the database,
created on first use with owner-only permissions. The database file alone reveals nothing sealed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.problems import ConfigError

log = logging.getLogger(__name__)

PREFIX = "enc1:"
NONCE_BYTES = 12


class KeyProblem(ConfigError):
    """A key that cannot be used: malformed, missing, or not the one the database was sealed with."""


def key_id(key: bytes) -> str:
    # A short fingerprint, not the key: it only says which key sealed a value.
    return hashlib.sha256(b"nccia-report-bot key id" + key).hexdigest()[:8]


def new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def parse_keys(raw: str, source: str) -> list[bytes]:
    keys: list[bytes] = []
    for number, part in enumerate((p.strip() for p in raw.replace("\n", ",").split(",")), start=1):
        if not part:
            continue
        try:
            key = base64.urlsafe_b64decode(part.encode())
        except (binascii.Error, ValueError):
            raise KeyProblem(f"{source}: key {number} is not base64") from None
        if len(key) != 32:
            raise KeyProblem(f"{source}: key {number} is {len(key)} bytes, not 32 (make one with 'main.py keys new')")
        keys.append(key)
    if not keys:
        raise KeyProblem(f"{source}: no key")
    return keys


class Keyring:
    def __init__(self, keys: Sequence[bytes], source: str = "") -> None:
        if not keys:
            raise KeyProblem("a keyring needs at least one key")
        self.source = source
        self._ciphers = {key_id(k): AESGCM(k) for k in keys}
        self.current = key_id(keys[0])
        self._seal_with = self._ciphers[self.current]

    @property
    def ids(self) -> list[str]:
        return list(self._ciphers)

    def seal(self, plain: str, column: str) -> str:
        return self.seal_bytes(plain.encode(), column)

    def open(self, value: str, column: str) -> str:
        """The plain text of a sealed value. A value without the prefix was written before sealing
        existed (``keys rotate`` and the upgrade to schema 5 seal those) and is returned as it is."""
        if not value.startswith(PREFIX):
            return value
        return self.open_bytes(value, column).decode()

    def seal_bytes(self, plain: bytes, column: str) -> str:
        """Bytes sealed as text (a file's content): the same format as ``seal``, without a text's encoding."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._seal_with.encrypt(nonce, plain, column.encode())
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open_bytes(self, value: str, column: str) -> bytes:
        if not value.startswith(PREFIX):
            return value.encode()
        kid, _, body = value[len(PREFIX) :].partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyProblem(f"{column} was sealed with key {kid}, which is not configured ({self.source})")
        raw = base64.b64decode(body)
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode())
        except InvalidTag:
            raise KeyProblem(f"{column}: a sealed value does not open with key {kid} (altered?)") from None

    def reseal(self, value: str, column: str) -> str:
        """``value`` sealed with the current key, whether text or bytes: the bytes are never decoded."""
        return self.seal_bytes(self.open_bytes(value, column), column)


def key_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".key")


def load_keyring(database: Path, environ: Mapping[str, str], *, create: bool = True) -> Keyring:
    """``DATA_KEY`` if set in ``environ``, else ``DATA_KEY_FILE``, else ``<database>.key`` (created when
    missing). Callers pass ``config.key_environment()``: the .env file, then the process environment."""
    env = environ
    if env.get("DATA_KEY", "").strip():
        return Keyring(parse_keys(env["DATA_KEY"], "DATA_KEY"), "DATA_KEY")
    path = Path(env["DATA_KEY_FILE"]) if env.get("DATA_KEY_FILE") else key_file_for(database)
    if not path.exists():
        if not create:
            raise KeyProblem(f"{path}: no key file and DATA_KEY is not set")
        if _holds_data(database):
            # A new key cannot open what the old one sealed: say so now, rather than create a key that
            # only fails later, leaving two keys and a confused operator.
            raise KeyProblem(
                f"{path}: the key file is missing, but {database} already holds data. Restore the key file "
                "from its backup, or set DATA_KEY or DATA_KEY_FILE to where the key is."
            )
        write_key_file(path, [new_key()])
        log.warning(
            "created a new data key in %s (owner-only). Back it up apart from the database: without it "
            "the reports cannot be read. Set DATA_KEY or DATA_KEY_FILE to keep it elsewhere.",
            path,
        )
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s can be read by other users (mode %o); chmod 600 it", path, mode)
    return Keyring(parse_keys(path.read_text(encoding="ascii"), str(path)), str(path))


def _holds_data(database: Path) -> bool:
    """Whether ``database`` is an existing SQLite file with tables (or a file that is not SQLite at all)."""
    if str(database) == ":memory:" or not database.is_file() or database.stat().st_size == 0:
        return False
    try:
        with contextlib.closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) > 0
    except sqlite3.DatabaseError:
        return True  # something is there that we cannot read: do not put a fresh key beside it


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Atomically, owner-only from the first byte: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write("\n".join(keys) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
