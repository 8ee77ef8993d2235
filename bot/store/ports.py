"""What the domain asks of storage: one protocol per book, every backend implements all of them.

``tests/store/contract/`` runs the same tests over every backend (memory, SQLite and PostgreSQL), so
a service written against these protocols behaves the same whichever store is behind it. Every write
of a book is one transaction: a status change, its audit entry and the deliveries it causes are
stored together or not at all.

Several instances may share one PostgreSQL database; the ports carry what that needs: an atomic
claim of deliveries with a lease (``Outbox.mark_sending``), one leader per role (``Leadership``), a
chat's updates handled one at a time (``Sessions.chat_lock``) and a chat state that never goes back
to an older update (``Sessions.save_chat_state``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.engine.session import Session

from .records import (
    FILE_LEASE_SECONDS,
    LEASE_SECONDS,
    AuditEntry,
    Candidate,
    CaseQuery,
    ChatState,
    Claim,
    Connected,
    Delivery,
    DeskSession,
    EvidenceFile,
    EvidenceLink,
    Exchange,
    FileToFetch,
    Forgotten,
    NewFile,
    NewReport,
    Operational,
    Outgoing,
    QueueBinding,
    Revision,
    StoredReport,
    Verdict,
)


class ReferenceTaken(Exception):
    """The reference drawn for a new report is already used; draw another and commit again."""


class Revisions(Protocol):
    """Published flow files; one live revision per flow, conversations pinned to theirs."""

    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        """Store ``content`` as the live revision (re-using an identical earlier one) and return it."""

    async def live_revision(self, flow_id: str) -> Revision | None: ...

    async def revision(self, revision_id: int) -> Revision | None: ...

    async def revisions(self, flow_id: str) -> list[Revision]:
        """Every revision of the flow ever published, newest first."""


class Sessions(Protocol):
    """Conversations under way and what the chat adapter remembers of each chat."""

    async def load_session(self, chat_key: str) -> Session | None: ...

    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        """Save ``session`` (deleting it once finished) and, with ``report``, insert the report, its
        evidence and its deliveries, all in one transaction.

        With ``chat``, the chat's state is saved in the same transaction: the update that caused the
        step is marked handled exactly when the step is stored; as in ``save_chat_state``, it does not
        replace a stored state of a newer update. Returns the new report's id, or None.
        Raises ``ReferenceTaken`` and changes nothing when the report's reference exists.
        """

    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int:
        """Drop unfinished sessions untouched since ``before_iso`` not on ``keep_revision``; how many."""

    async def chat_state(self, chat_key: str) -> ChatState | None: ...

    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        """Save the chat's state and, in the same write, record ``remember`` like remember_messages.

        A stored state whose ``last_update_id`` is greater than ``state.last_update_id`` is kept (another
        instance handled a newer update meanwhile: the chat never goes back); an equal id replaces it.
        ``remember`` is recorded either way.
        """

    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        """Record message ids of the current conversation, so a quick exit can delete them."""

    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        """Return and drop the recorded (message id, time) pairs of the chat."""

    def chat_lock(self, chat_key: str) -> AbstractAsyncContextManager[None]:
        """Held for the whole of one update's handling, so a chat's turns run one at a time whichever
        instance gets them. Do not take a second chat's lock while holding one.

        Where one process owns the database (memory, SQLite) it is a no-op: the process's own per-chat
        asyncio lock already orders the turns. PostgreSQL holds an advisory lock (and a connection).
        """


class Reports(Protocol):
    """Submitted reports, read by reference, id, chat or creation time."""

    async def report_by_reference(self, reference: str) -> StoredReport | None: ...

    async def report_by_id(self, report_id: int) -> StoredReport | None: ...

    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]: ...

    async def count_reports(self) -> int: ...

    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        """How many reports this chat submitted at or after ``since_iso`` (for the daily cap)."""

    async def reports_created(
        self, since_iso: str, until_iso: str | None, after_id: int, limit: int
    ) -> list[StoredReport]:
        """Reports created in [since, until) with an id above ``after_id``, in id order (for export)."""


class Cases(Protocol):
    """Cases in focal queues: bindings, officers, workflow transitions, relayed questions, SLA levels."""

    async def bind(self, key: str, chat_id: int, lang: str, by: int | None) -> None: ...

    async def bindings(self) -> dict[str, QueueBinding]: ...

    async def add_officer(self, queue: str, user_id: int, by: int | None) -> None: ...

    async def remove_officer(self, queue: str, user_id: int, by: int | None) -> bool: ...

    async def officer_queues(self, user_id: int) -> list[str]: ...

    async def officers(self) -> list[tuple[str, int]]: ...

    async def case(self, report_id: int) -> StoredReport | None: ...

    async def open_cases(self, queues: Sequence[str], limit: int = 50) -> list[StoredReport]:
        """Open cases of the queues, priority first, then oldest first; ``limit`` counts after that order,
        so a priority case is never left off a long queue's list."""

    async def count_open(self, queues: Sequence[str]) -> int: ...

    async def find_cases(self, query: CaseQuery) -> list[StoredReport]:
        """The cases ``query`` selects, priority first, then oldest (by id) first; ``limit`` and ``offset``
        count after that order. Empty ``queues`` or ``statuses`` select nothing. With an overdue threshold,
        only new cases count: a priority one queued at or before ``overdue_before_priority``, another at or
        before ``overdue_before`` (a threshold left None selects none of its kind)."""

    async def count_cases(self, query: CaseQuery) -> int:
        """How many cases ``query`` selects, ``limit`` and ``offset`` aside."""

    async def transition(
        self,
        report_id: int,
        expected: Sequence[str],
        changes: dict[str, Any],
        audit: AuditEntry,
        deliveries: Sequence[Outgoing] = (),
        *,
        queue: str | None = None,
        unclaimed: bool = False,
    ) -> StoredReport | None:
        """Apply ``changes`` if the case's status is one of ``expected`` (and, when given, it is still in
        ``queue`` / still ``unclaimed``: what the officer saw when they acted); audit either way.

        Returns the changed case, or None (and an audit entry saying why) when the case had moved on.
        """

    async def remember_message(self, chat_id: int, message_id: int, report_id: int, kind: str) -> None: ...

    async def message_case(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        """(report id, kind) of a message that shows a case."""

    async def case_messages(self, report_id: int, kind: str = "card") -> list[tuple[int, int]]:
        """(chat id, message id) of the messages of ``kind`` showing the case, oldest first."""

    async def open_ask(self, report_id: int, officer_id: int, chat_id: int, prompt_message_id: int | None) -> None: ...

    async def pending_ask(self, report_id: int, officer_id: int, within: float) -> int | None:
        """The prompt message id (or 0) of the officer's open Ask on the case, if opened within ``within`` s."""

    async def ask(
        self, report_id: int, officer_id: int, text: str, audit: AuditEntry, delivery: Outgoing
    ) -> int | None:
        """Record the officer's question, close their Ask, mark the case waiting and queue the relay.

        Returns the question's id, None when the case is closed, or ``NO_OPEN_ASK`` when the
        officer's Ask was already used.
        """

    async def question(self, question_id: int) -> tuple[int, str] | None:
        """(report id, text) of a question."""

    async def question_shown(self, question_id: int, citizen_message_id: int) -> None: ...

    async def open_question(self, chat_key: str, reply_to: int | None, exact: bool = False) -> tuple[int, int] | None:
        """(question id, report id) the citizen's message answers: the question replied to, else (unless
        ``exact``) the newest unanswered one, on a case still open."""

    async def answer(self, question_id: int, report_id: int, audit: AuditEntry, delivery: Outgoing) -> None:
        """The citizen answered: record it, put the case back, and queue the relay to the officers.

        The answer's text is ``delivery.payload["text"]``, kept sealed for the case's thread; a later
        answer to the same question replaces it (one without text does not), ``answered_at`` stays the first.
        """

    async def thread(self, report_id: int) -> list[Exchange]:
        """The case's questions and their answers, opened, oldest first."""

    async def add_information(
        self,
        report_id: int,
        text: str,
        links: Sequence[EvidenceLink],
        audit: AuditEntry,
        delivery: Outgoing,
        files: Sequence[NewFile] = (),
    ) -> StoredReport | None:
        """The citizen adds to her open case: ``text`` kept sealed as an addition, ``links`` appended to its
        evidence (after the links it has), ``files`` written waiting to be fetched (numbered after the files
        it has), ``audit`` and ``delivery`` (its payload given the addition's ``addition_id``, its dedupe key
        suffixed with it) written, all in one transaction.

        Returns the case as it now is, or None (and ``audit`` refused: "case is closed") when it is not open.
        """

    async def additions(self, report_id: int) -> list[tuple[str, str]]:
        """(added at, text) of what the citizen added to the case, opened, oldest first."""

    async def connected(self, report_id: int) -> list[Connected]:
        """(id, reference, queue) of the other reports sharing a match key with this one (they name the
        same account), newest first, at most ``CONNECTED_LIMIT``. An anonymised case has no keys left."""

    async def unclaimed_since(self, level: int, before: str, before_priority: str) -> list[StoredReport]:
        """New cases queued before the threshold (a shorter one for priority ones) not yet raised to ``level``."""

    async def raise_level(self, report_ids: Sequence[int], level: int, deliveries: Sequence[Outgoing]) -> None: ...


class Audit(Protocol):
    """Who did what to which case, allowed or refused; entries are never changed."""

    async def record(self, entry: AuditEntry) -> None: ...

    async def trail(self, report_id: int | None = None) -> list[AuditEntry]:
        """Entries of one case, or every entry, oldest first."""

    async def recent(self, limit: int, offset: int = 0) -> list[AuditEntry]:
        """Every case's entries and the rest, newest first (the order written, reversed): ``limit`` of
        them after skipping ``offset``. One page of the desk's audit log, read by the primary key."""


class Outbox(Protocol):
    """Deliveries to queues and citizens: pending -> sending -> sent | dead, claimed by one sender.

    A claim (``mark_sending``) holds an entry for a lease; ``release``, ``retry``, ``mark_sent`` and
    ``mark_dead`` end it (owner and lease cleared). Times are epoch seconds of the instances' clocks,
    so instances sharing a database keep their clocks in step (NTP), well within a lease.
    """

    async def add(self, items: Sequence[Outgoing]) -> None:
        """Store the deliveries; one whose dedupe key exists is left as it is."""

    async def due(self, now: float | None = None, limit: int = 5000) -> list[Delivery]:
        """Pending entries whose time has come, and ``sending`` ones whose lease ran out before ``now``
        (their instance died: they are taken over): priority first, then oldest first."""

    async def next_due_at(self) -> float | None:
        """The earliest ``not_before`` of the pending entries (leases are not counted)."""

    async def mark_sending(self, ids: Sequence[int], owner: str = "", lease: float = LEASE_SECONDS) -> list[int]:
        """Claim, atomically, those of ``ids`` that are pending, or ``sending`` with a lease that ran out:
        each becomes ``sending`` by ``owner`` until ``now + lease``, with one more attempt.

        Returns the ids claimed, in the order given; one another instance claimed (lease still
        running), already sent, or unknown is not among them and must not be sent.
        """

    async def mark_sent(self, ids: Sequence[int]) -> None: ...

    async def retry(self, ids: Sequence[int], not_before: float, error: str) -> None: ...

    async def release(self, ids: Sequence[int]) -> None:
        """Back to pending without counting an attempt."""

    async def mark_dead(self, ids: Sequence[int], error: str) -> None: ...

    async def undelivered_receipt(self, target: str) -> Delivery | None:
        """The newest receipt for ``target`` that has not reached it."""

    async def settle_receipt(self, dedupe_key: str, delivered: bool) -> None:
        """A held receipt was shown (it goes) or could not be (back to pending for the courier)."""

    async def recover_in_flight(self) -> int:
        """At the courier's start-up: entries left ``sending`` by a crash go back to pending. Returns how many.

        Where instances share the database (PostgreSQL), only entries whose lease ran out, or that have
        none (claimed before leases), go back: a running lease is another live instance's delivery, or a
        receipt its adapter holds, and is left alone (``due`` offers it once the lease runs out). Where
        one process owns the database (memory, SQLite), every ``sending`` entry goes back, running lease
        or not: that process is the one starting, so whoever claimed them is dead.
        """

    async def counts(self) -> dict[str, int]:
        """Entries per state."""

    async def sent_since(self, since: float) -> list[tuple[str, float]]:
        """(target, time) of each message sent at or after ``since``, and of each claimed since then and
        perhaps sent (``sending``: its claim's time, the lease less its length; a held receipt, whose
        hold is longer than a lease, is not a courier's claim until that time has passed): what a
        courier taking over counts against each chat's window. A digest's entries count once."""


class Senders(Protocol):
    """Spam marks and blocks per sender; ``is_blocked`` is read on every update, so it is kept in memory."""

    async def load(self) -> None: ...

    def is_blocked(self, chat_key: str) -> bool: ...

    async def spam_marks(self, chat_key: str) -> int: ...

    async def mark_spam(self, chat_key: str, report_id: int, threshold: int) -> bool:
        """Count one spam mark; True when this mark blocks the sender."""

    async def block(self, chat_key: str, actor: int, actor_name: str, report_id: int | None, why: str) -> bool:
        """False when the sender was blocked already."""

    async def unblock(self, chat_key: str, actor: int, actor_name: str, report_id: int | None) -> bool:
        """Lift the block and clear the spam marks. False when not blocked."""


class Admins(Protocol):
    """Admins added from Telegram (beside the settings' own) and flow files uploaded for publishing."""

    bootstrap: frozenset[int]
    ids: frozenset[int]  # every admin, as of the last load(); read on every update

    async def load(self) -> frozenset[int]: ...

    def is_admin(self, user_id: int) -> bool: ...

    async def add(self, user_id: int, by: int, by_name: str) -> None: ...

    async def remove(self, user_id: int, by: int, by_name: str) -> bool:
        """False for a settings admin (only the settings remove those) or a non-admin."""

    async def added(self) -> list[tuple[int, int | None, str]]:
        """(user id, added by, added at) of the admins added from Telegram."""

    async def upload(self, flow_id: str | None, content: str, author: int, author_name: str) -> int: ...

    async def candidate(self, candidate_id: int) -> Candidate | None: ...

    async def settle(self, candidate_id: int, state: str, actor: int, actor_name: str, detail: str = "") -> bool:
        """Mark a pending candidate published or discarded; False if it was no longer pending."""


class Retention(Protocol):
    """Expiry of drafts, anonymisation of closed cases, and a citizen's /forget."""

    async def expire_drafts(self, before_iso: str) -> int: ...

    async def anonymise_closed(self, before_iso: str) -> int: ...

    async def forget(self, chat_key: str, target: str) -> Forgotten:
        """Detach the chat from its reports, drop its draft, chat state and deliveries to ``target``."""


class Pins(Protocol):
    """Wrong status PINs counted per reference and per chat, and the pauses they cause."""

    async def check(
        self, reference: str, chat_key: str, report_id: int | None, verify: Callable[[], Awaitable[bool]]
    ) -> Verdict:
        """Run ``verify`` (the PIN check) unless the reference or the chat is paused."""


class Stats(Protocol):
    """What /stats and the metrics endpoint read."""

    async def totals(self) -> list[tuple[str, str, str, int]]:
        """Reports by (province, category, status), with their counts (only those above 0)."""

    async def count_created(self, since_iso: str, until_iso: str | None = None) -> int: ...

    async def count_open_created_before(self, before_iso: str) -> int: ...

    async def claims_since(self, since_iso: str) -> list[Claim]:
        """Cases claimed at or after ``since_iso``: when created, when claimed, whether priority."""

    async def operational(self, overdue_before: str, overdue_before_priority: str) -> Operational:
        """Figures an operator watches, read in one go and cheaply (no report is decrypted), as often as
        metrics are scraped: the unfinished conversations; the outbox entries by destination and state,
        the destination being the queue key of a ``queue:`` target and ``"chat"`` for any chat (never
        its id); and per queue (``"none"`` for a case without one) the new cases nobody has claimed,
        queued at or before ``overdue_before_priority`` if priority, else at or before ``overdue_before``.
        That is ``Cases.unclaimed_since``'s rule, but every such case counts, reminded or not, with no
        limit: an operator sees the whole backlog, not the next batch of reminders."""

    async def feedback(self) -> dict[str, int]:
        """Citizens' answers to "Did this help?": answer key -> how many cases' first answer it was.

        Read from the audit trail (action ``feedback``, allowed, the answer in ``detail``); a case
        answered twice counts once, by its first answer. Answers with no case are not counted."""


class Desk(Protocol):
    """Sign-in to the officers' web desk: one-time links sent by the bot, and the sessions they open.

    Only hashes of the tokens are stored: a copy of the database signs nobody in. Times are epoch seconds.
    """

    async def issue_pass(self, token_hash: str, user_id: int, name: str, expires_at: float) -> None:
        """A one-time sign-in link for ``user_id``, valid until ``expires_at``."""

    async def redeem_pass(self, token_hash: str, now: float) -> tuple[int, str] | None:
        """(user id, name) of the pass, once: a second redeem (from any instance), an unknown pass or one
        expired (``expires_at <= now``) gives None. Passes expired for over a day are deleted meanwhile."""

    async def open_session(self, session_hash: str, session: DeskSession) -> None: ...

    async def session(self, session_hash: str, now: float) -> DeskSession | None:
        """The session, unless unknown or expired (``expires_at <= now``)."""

    async def set_language(self, session_hash: str, lang: str) -> None: ...

    async def close_session(self, session_hash: str) -> None: ...

    async def close_sessions_of(self, user_id: int) -> int:
        """Sign the user out everywhere (an officer removed, a lost phone); how many sessions closed."""

    async def prune_sessions(self, now: float) -> int:
        """Delete the sessions that expired by ``now`` (they open nothing already); how many."""


class EvidenceFiles(Protocol):
    """Files citizens sent with adults' reports: fetched from Telegram once, kept sealed with their SHA-256.

    The report's own transaction writes them waiting (``NewReport.files``); a fetcher leases the waiting
    ones, so two instances never fetch the same file, and keeps each, or fails it. Each entry is the case's
    custody log: what was received and when, what was kept, its hash. Anonymising a case and /forget
    delete the files with their content."""

    async def to_fetch(self, now: float, limit: int = 10, lease: float = FILE_LEASE_SECONDS) -> list[FileToFetch]:
        """Waiting files nobody holds (no lease, or one run out by ``now``), oldest first, leased until
        ``now + lease`` to the caller; each one's attempts counted up."""

    async def keep(self, file_id: int, content: bytes, sha256: str, audit: AuditEntry) -> bool:
        """Store a waiting file's content (sealed), its hash and size, forget Telegram's reference to it,
        and write ``audit``, in one transaction. False (nothing written) if it is no longer waiting:
        the case was anonymised, or another fetcher kept it."""

    async def fail(self, file_id: int, note: str, audit: AuditEntry | None = None, *, final: bool) -> None:
        """A fetch failed: ``final`` marks the file failed for good (with ``note`` and ``audit``, and its
        reference forgotten); otherwise its lease is released so it is tried again."""

    async def files(self, report_id: int) -> list[EvidenceFile]:
        """A case's files in the order received, waiting and failed ones too (the custody log)."""

    async def content(self, file_id: int) -> tuple[EvidenceFile, bytes] | None:
        """A kept file with its content, opened; None if unknown, not kept, or deleted."""

    async def received_since(self, chat_key: str, since_iso: str) -> int:
        """How many files this chat's reports brought in since ``since_iso`` (for the daily limit)."""


class Leadership(Protocol):
    """One instance at a time does each role (the courier, so Telegram's limits hold across instances;
    the SLA and housekeeping jobs, so they run once). Another takes a role over when its leader dies."""

    async def lead(self, role: str) -> bool:
        """Try to become, or stay, the one instance doing ``role``; True while this process holds it.
        Cheap enough to call every second, and a leader must call it that often to notice a lost lead."""

    async def step_down(self, role: str) -> None:
        """Give ``role`` up (another instance may take it at once); nothing if not leading it."""


@dataclass(frozen=True, slots=True)
class Books:
    """Every book of one backend, as the services get them."""

    revisions: Revisions
    sessions: Sessions
    reports: Reports
    cases: Cases
    audit: Audit
    outbox: Outbox
    senders: Senders
    admins: Admins
    retention: Retention
    pins: Pins
    stats: Stats
    leadership: Leadership
    desk: Desk
    files: EvidenceFiles
