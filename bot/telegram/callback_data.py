"""What a button carries, as typed values: each kind encodes itself and parses only its own form.

Telegram returns a pressed button's data as it was sent, up to 64 bytes, and anyone can forge it; so
every kind is parsed strictly (a wrong shape is None, never an exception) and every encoding is
checked against the 64 bytes when the button is made, not when Telegram refuses the message.

- ``StepPress`` ``<session id>.<step tag>.<button id>``: a citizen's answer, bound to her conversation
  (the session id is random per conversation) and to the step (a short hash of its id), so a stale or
  forged press changes nothing. Both are hex, so no other kind below reads as one.
- ``LanguagePick`` ``lang.<code>`` and ``ForgetAnswer`` ``forget.yes|no``: outside any conversation.
- ``CasePress`` ``f.<action>.<report id>[.<arg>]``: an officer's button on a case card.
- ``FlowPress`` ``a.<action>.<number>``: an admin's button on a flow candidate or revision.
- ``FeedbackPress`` ``rate.<answer>.<report id>``: a citizen's answer to "Did this help?" under the
  notice that her case was closed. The id is only a claim: the press counts only from the case's own
  chat, for a resolved case, once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar

MAX_BYTES = 64  # Telegram's limit on callback data

_ID = re.compile(r"[0-9]{1,18}")
_SESSION, _TAG = re.compile(r"[0-9a-f]{1,16}"), re.compile(r"[0-9a-f]{4}")


class TooLong(ValueError):
    """A button's data would not fit in Telegram's 64 bytes."""


def checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise TooLong(f"callback data of {len(data.encode('utf-8'))} bytes: {data[:20]!r}…")
    return data


def record_id(text: str) -> int | None:
    """A database id or Telegram user id from callback data or an argument: ASCII digits that fit in
    SQLite's 64-bit INTEGER. ``str.isdigit`` would pass "²" (which int() rejects) and 56 digits."""
    return int(text) if _ID.fullmatch(text) else None


def step_tag(step: str) -> str:
    return hashlib.blake2s(step.encode(), digest_size=2).hexdigest()


@dataclass(frozen=True, slots=True)
class StepPress:
    session_id: str
    tag: str
    button: str

    @classmethod
    def of(cls, session_id: str, step: str, button: str) -> StepPress:
        return cls(session_id, step_tag(step), button)

    @property
    def data(self) -> str:
        return checked(f"{self.session_id}.{self.tag}.{self.button}")

    @classmethod
    def parse(cls, data: str) -> StepPress | None:
        parts = data.split(".", 2)
        if len(parts) != 3 or not (_SESSION.fullmatch(parts[0]) and _TAG.fullmatch(parts[1]) and parts[2]):
            return None
        return cls(*parts)

    def matches(self, session_id: str, step: str | None) -> bool:
        return step is not None and self.session_id == session_id and self.tag == step_tag(step)


@dataclass(frozen=True, slots=True)
class LanguagePick:
    PREFIX: ClassVar[str] = "lang"
    lang: str

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{self.lang}")

    @classmethod
    def parse(cls, data: str) -> LanguagePick | None:
        head, dot, lang = data.partition(".")
        return cls(lang) if head == cls.PREFIX and dot and lang else None


@dataclass(frozen=True, slots=True)
class ForgetAnswer:
    PREFIX: ClassVar[str] = "forget"
    confirmed: bool

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{'yes' if self.confirmed else 'no'}")

    @classmethod
    def parse(cls, data: str) -> ForgetAnswer | None:
        head, dot, answer = data.partition(".")
        if head != cls.PREFIX or not dot:
            return None
        return cls(answer == "yes")  # anything but "yes" keeps the records: the safe reading of a forgery


@dataclass(frozen=True, slots=True)
class CasePress:
    PREFIX: ClassVar[str] = "f"
    PATTERN: ClassVar[str] = r"^f\."  # the handler's filter: every officer's button, well formed or not
    action: str
    report_id: int
    arg: str = ""

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{self.action}.{self.report_id}" + (f".{self.arg}" if self.arg else ""))

    @classmethod
    def parse(cls, data: str) -> CasePress | None:
        parts = data.split(".")
        if len(parts) not in (3, 4) or parts[0] != cls.PREFIX or not parts[1]:
            return None
        report_id = record_id(parts[2])
        if report_id is None:
            return None
        return cls(parts[1], report_id, parts[3] if len(parts) == 4 else "")


@dataclass(frozen=True, slots=True)
class FlowPress:
    PREFIX: ClassVar[str] = "a"
    PATTERN: ClassVar[str] = r"^a\."
    ACTIONS: ClassVar[frozenset[str]] = frozenset({"pub", "force", "drop", "roll"})
    action: str
    number: int  # a flow candidate's id, or a revision's for "roll"

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{self.action}.{self.number}")

    @classmethod
    def parse(cls, data: str) -> FlowPress | None:
        parts = data.split(".")
        if len(parts) != 3 or parts[0] != cls.PREFIX or parts[1] not in cls.ACTIONS:
            return None
        number = record_id(parts[2])
        return cls(parts[1], number) if number is not None else None


@dataclass(frozen=True, slots=True)
class FeedbackPress:
    PREFIX: ClassVar[str] = "rate"  # not hex, so it never reads as a StepPress
    PATTERN: ClassVar[str] = r"^rate\."  # the handler's filter: every such press, well formed or not
    ANSWERS: ClassVar[tuple[str, ...]] = ("helped", "partly", "not")  # in the order the buttons show them
    answer: str
    report_id: int

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{self.answer}.{self.report_id}")

    @classmethod
    def parse(cls, data: str) -> FeedbackPress | None:
        parts = data.split(".")
        if len(parts) != 3 or parts[0] != cls.PREFIX or parts[1] not in cls.ANSWERS:
            return None
        report_id = record_id(parts[2])
        return cls(parts[1], report_id) if report_id is not None else None


@dataclass(frozen=True, slots=True)
class VoicePress:
    """The citizen's answer to "Is this voice message evidence?": keep it with the report, or not.

    ``message_id`` names the voice message the question is about: a press on an older question (another
    voice message came since) is stale."""

    PREFIX: ClassVar[str] = "vn"
    PATTERN: ClassVar[str] = r"^vn\."
    ANSWERS: ClassVar[tuple[str, ...]] = ("keep", "drop")
    answer: str
    message_id: int

    @property
    def data(self) -> str:
        return checked(f"{self.PREFIX}.{self.answer}.{self.message_id}")

    @classmethod
    def parse(cls, data: str) -> VoicePress | None:
        parts = data.split(".")
        if len(parts) != 3 or parts[0] != cls.PREFIX or parts[1] not in cls.ANSWERS:
            return None
        message_id = record_id(parts[2])
        return cls(parts[1], message_id) if message_id is not None else None
