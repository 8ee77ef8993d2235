"""Plain records the store reads and writes, independent of the backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# A case's workflow: new -> claimed -> (waiting: a question is with the citizen) -> resolved | spam.
NEW, CLAIMED, WAITING, RESOLVED, SPAM = "new", "claimed", "waiting", "resolved", "spam"
OPEN_STATUSES = (NEW, CLAIMED, WAITING)
EVERY_STATUS = (NEW, CLAIMED, WAITING, RESOLVED, SPAM)

NO_OPEN_ASK = 0  # Cases.ask: the officer has no open Ask (another copy of the reply took it)

# Outbox states: pending -> sending (just before the Bot API call) -> sent | dead.
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
# An instance that claims deliveries (Outbox.mark_sending) holds them this long; if it dies meanwhile,
# another instance's courier takes them over once the lease has run out. Far above one Bot API call.
LEASE_SECONDS = 60.0
# A receipt written already ``sending`` (held by the adapter showing it) is left to that adapter this
# long; if its instance dies before settling it, another instance's courier sends it after that.
HOLD_SECONDS = 120.0

# What a status PIN check says (Pins.check).
Verdict = Literal["passed", "wrong", "locked", "limited"]
PASSED: Verdict = "passed"
WRONG: Verdict = "wrong"
LOCKED: Verdict = "locked"  # this reference's check is paused (for every chat)
LIMITED: Verdict = "limited"  # this chat's checks are paused (for every reference)


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    flow_id: str
    hash: str
    content: str
    author: str
    created_at: str


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    url: str
    platform: str
    received_at: str = ""  # when the citizen sent it (ISO); "" for links stored before times were kept


# An evidence file's life: waiting to be fetched from Telegram once -> kept (sealed, hashed) | failed.
FILE_WAITING, FILE_KEPT, FILE_FAILED = "waiting", "kept", "failed"
# A fetcher that takes a waiting file holds it this long; if its instance dies, another takes it after.
FILE_LEASE_SECONDS = 300.0
FILE_ATTEMPTS = 5  # after this many failed fetches the file is marked failed (the audit says why)


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file the citizen sent with an adult's report: Telegram's reference to it, to be fetched once.

    ``source`` is Telegram's file_id: sealed at rest, and cleared once the file is kept (it would let
    anyone holding the bot's token fetch the file again). Child cases never have any."""

    kind: str  # photo, document, video, animation, voice, audio
    source: str
    size: int  # as Telegram announced it
    mime_type: str
    received_at: str


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One entry of a case's custody log: what was received, when, and the hash of what was kept."""

    id: int
    report_id: int
    position: int  # 1, 2 … in the order received
    kind: str
    mime_type: str
    size: int  # bytes kept; until then, the size Telegram announced
    received_at: str
    status: str  # FILE_WAITING, FILE_KEPT or FILE_FAILED
    sha256: str | None = None
    kept_at: str | None = None
    note: str = ""  # why a fetch failed


@dataclass(frozen=True, slots=True)
class FileToFetch:
    """A waiting file, leased to the fetcher that asked for it."""

    id: int
    report_id: int
    queue: str | None
    kind: str
    source: str  # opened
    size: int
    attempts: int  # this one included


@dataclass(frozen=True, slots=True)
class NewReport:
    """A report as submitted. ``chat_key`` is None for anonymous reports (no way back to the sender)."""

    reference: str
    # The receipt's PIN in clear: the store seals it (reports.pin). Left out of repr, so no log shows it.
    pin: str = field(repr=False)
    flow_id: str
    revision_id: int
    chat_key: str | None
    language: str
    category: str | None
    province: str | None
    minor: bool
    answers: dict[str, Any]
    evidence: tuple[EvidenceLink, ...] = ()
    created_at: str = ""
    queue: str | None = None  # the focal queue it is routed to; None: no queue (console, flow tests)
    priority: bool = False  # a child case or an ongoing threat: first in its queue, shorter SLA
    # Written in the report's own transaction, so a crash cannot lose one without the other: the case
    # card for its queue, and the citizen's receipt (a reference and PIN that never arrive make her
    # report twice). The store sets each one's report_id.
    deliveries: tuple[Outgoing, ...] = ()
    # Keyed hashes (hex) of what the citizen said about the abuser (cases/matching.py), written with the
    # report: other reports sharing one are its connected cases (Cases.connected). Nothing in clear.
    match_keys: tuple[str, ...] = ()
    # Files to fetch once the report is stored (an adult's report only): the store writes them waiting.
    files: tuple[NewFile, ...] = ()


# Another report naming the same account: (its id, its reference, its queue), as Cases.connected gives them.
Connected = tuple[int, str, str | None]
CONNECTED_LIMIT = 50  # the newest this many; a card or page names them, it does not page through them


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    reference: str
    # Opened from reports.pin: the PIN, or a legacy scrypt hash (references.pin_matches). Not in repr.
    pin: str = field(repr=False)
    flow_id: str
    revision_id: int
    chat_key: str | None
    language: str
    category: str | None
    province: str | None
    minor: bool
    status: str
    answers: dict[str, Any]
    created_at: str
    evidence: tuple[EvidenceLink, ...] = field(default=())
    queue: str | None = None
    priority: bool = False
    claimed_by: int | None = None
    claimed_name: str | None = None
    claimed_at: str | None = None
    outcome: str | None = None
    closed_at: str | None = None
    reminded: int = 0  # SLA reminders sent: 1 raised again in its queue, 2 raised to admins

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class ChatState:
    """What the Telegram adapter remembers of a chat between updates (not report content)."""

    chat_key: str
    lang: str
    active: bool = True  # False once Telegram said the user blocked the bot
    last_update_id: int = 0  # updates at or below this were handled (Telegram redelivers after a crash)
    question_message_id: int | None = None  # the message holding the current question's buttons


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Something to deliver, written to the outbox in the same transaction as the change it reports.

    ``target`` is ``queue:<key>`` (resolved to the queue's group when sent, so a re-bound queue still
    gets it) or ``chat:<id>``. ``dedupe_key`` is unique: enqueueing the same thing twice stores it once.
    """

    kind: str
    target: str
    dedupe_key: str
    report_id: int | None = None
    priority: bool = False
    payload: dict[str, Any] = field(default_factory=dict)
    not_before: float = 0.0
    # "sending": held by the adapter that is showing it right now; the courier takes it only if that
    # adapter gives it back, or once the hold (HOLD_SECONDS) has run out (its instance died mid-send), or,
    # on a one-process backend, at the courier's start after a crash; never both.
    state: str = "pending"


def keyed_addition(delivery: Outgoing, report_id: int, addition_id: int) -> Outgoing:
    """What the citizen added, as its delivery names it (Cases.add_information): its id in the payload and in
    the dedupe key, known only once the addition is stored."""
    return Outgoing(
        delivery.kind,
        delivery.target,
        f"{delivery.dedupe_key}:{addition_id}",
        report_id,
        delivery.priority,
        {**delivery.payload, "addition_id": addition_id},
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """An outbox entry as the worker sees it."""

    id: int
    kind: str
    target: str
    dedupe_key: str
    report_id: int | None
    priority: bool
    payload: dict[str, Any]
    attempts: int
    created_at: float


@dataclass(frozen=True, slots=True)
class QueueBinding:
    key: str
    chat_id: int
    lang: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    actor: int | None
    actor_name: str
    action: str
    report_id: int | None
    queue: str | None
    allowed: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A flow file an admin uploaded, waiting to be published or discarded."""

    id: int
    flow_id: str | None
    content: str
    author: int
    author_name: str
    state: str  # pending | published | discarded
    created_at: str


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What a citizen's /forget removed: her draft (or not) and how many reports lost their chat."""

    draft: bool
    reports: int


@dataclass(frozen=True, slots=True)
class Claim:
    """A claimed case, for the median time to claim."""

    created_at: str
    claimed_at: str
    priority: bool


@dataclass(frozen=True, slots=True)
class Operational:
    """What the health endpoint exports on every scrape (Stats.operational). Its keys become metric
    labels: a queue key or ``"chat"``, never a chat id (personal data, and one label per citizen)."""

    sessions_open: int  # unfinished conversations
    deliveries: dict[tuple[str, str], int] = field(default_factory=dict)  # (queue key | "chat", state) -> n
    overdue: dict[str, int] = field(default_factory=dict)  # queue key ("none": no queue) -> unclaimed past SLA


@dataclass(frozen=True, slots=True)
class PinPolicy:
    lock_after: int = 5  # wrong PINs for one reference, from any chats, within ...
    window: float = 3600.0  # ... this many seconds pause its check for ...
    lock_seconds: float = 3600.0  # ... this long
    chat_limit: int = 10  # wrong PINs one chat may send within ...
    chat_window: float = 86400.0  # ... this many seconds


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which cases a desk list shows (Cases.find_cases / count_cases)."""

    queues: tuple[str, ...] | None  # None: every queue, and cases with no queue (admins)
    statuses: tuple[str, ...] = OPEN_STATUSES
    minor: bool | None = None  # True: child cases only; False: adults only
    priority: bool | None = None  # True: priority (child or ongoing danger) only
    claimed_by: int | None = None
    overdue_before: str | None = None  # with overdue_before_priority: only NEW cases queued at or before
    overdue_before_priority: str | None = None  # (the same rule as Cases.unclaimed_since, without `reminded`)
    reference: str | None = None  # exact reference
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Exchange:
    """An officer's question to the citizen and her answer, for the case's thread."""

    question_id: int
    asked_by: int
    question: str
    asked_at: str
    answer: str | None = None
    answered_at: str | None = None


@dataclass(frozen=True, slots=True)
class DeskSession:
    """A signed-in desk session (the cookie holds a random token; the store keeps only its hash)."""

    user_id: int
    name: str
    lang: str
    csrf: str
    expires_at: float
