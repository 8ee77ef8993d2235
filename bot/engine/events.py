"""What the runner asks an adapter to show. Adapters render; the engine never formats for a medium.

Flow text arrives resolved in the session's language; engine wording (refusal reasons, control
labels) arrives as ``Reason`` msgids for the adapter to translate from ``locales/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .outcome import N_, Reason
from .session import Answer

Label = str | Reason

# Ids of buttons the engine adds itself; flow option ids cannot start with ':'.
DONE, SKIP, BACK, SUBMIT, EDIT_PREFIX = ":done", ":skip", ":back", ":submit", ":edit:"
CONFIRM = ":yes"  # takes the option a typed answer proposed (a place: "Lahore" -> Punjab)
DECLINE = ":decline"  # "Do not send" on a review that asks for consent
LANGUAGE_PREFIX = ":lang:"  # switches the reply language, offered on the first question

DONE_LABEL = Reason(N_("Done"))
SKIP_LABEL = Reason(N_("Skip"))
BACK_LABEL = Reason(N_("Back"))
SUBMIT_LABEL = Reason(N_("Send report"))


@dataclass(frozen=True, slots=True)
class Button:
    id: str
    label: Label
    selected: bool = False


@dataclass(frozen=True, slots=True)
class SummaryLine:
    step: str
    label: str
    value: str | None  # None: skipped


@dataclass(frozen=True, slots=True)
class Question:
    """A step waiting for input. ``repeat`` marks the same question shown again (after a tick or a
    refused answer), which a chat adapter may render by editing the earlier message."""

    step: str
    kind: str
    text: str
    options: tuple[Button, ...] = ()
    controls: tuple[Button, ...] = ()
    columns: int = 1
    summary: tuple[SummaryLine, ...] = ()
    repeat: bool = False
    hint: str = ""  # "phone": a chat adapter may offer its own share-your-number button
    # After a typed answer was not understood: show each option's number, so it can be typed.
    numbered: bool = False
    footer: str = ""  # shown after the summary (a review's consent sentence)


@dataclass(frozen=True, slots=True)
class Asked:
    """The question an input answered, as it stood: what a chat adapter needs to retire its message
    (show the answer in it, take its keyboard away) without running the flow a second time."""

    step: str
    kind: str
    text: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    step: str | None = None


@dataclass(frozen=True, slots=True)
class Safety(Message):
    """The flow's safety text (its ``danger`` block), shown at once when typed words say someone is
    in danger. A ``Message``, so every adapter that shows messages shows it, and not a ``Notice``: the
    question is shown again in full below it, with its buttons, instead of being treated as refused."""


@dataclass(frozen=True, slots=True)
class Notice:
    reason: Reason
    also: tuple[Reason, ...] = ()  # more lines of the same notice ("3 links could not be saved:" + why)


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer was accepted; chat adapters edit the question to show it, so history reads cleanly."""

    step: str
    display: str | None  # None: skipped


@dataclass(frozen=True, slots=True)
class SubmitRequested:
    """The adapter stores the report in the same transaction, then calls ``runner.submitted``."""

    step: str
    answers: Mapping[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Moved:
    """The flow took its edge ``source -> target``; adapters ignore it, flow tests measure coverage."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Ended:
    status: str


Event = Question | Message | Safety | Notice | Answered | SubmitRequested | Ended | Moved
