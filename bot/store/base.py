"""The store interface every backend implements; ``tests/storage/test_contract.py`` checks them all.

One call per engine step (``commit_step``) writes the session and, when the step submitted a report,
the report and its evidence, in one transaction: a citizen never gets a reference for a report that
was not stored, and a crash never leaves a half-written report.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from bot.engine.session import Session
from bot.store.records import ChatState, NewReport, Revision, StoredReport


class ReferenceTaken(Exception):
    """The reference drawn for a new report is already used; draw another and commit again."""


class Store(ABC):
    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    # Flow revisions
    @abstractmethod
    async def publish(self, flow_id: str, content: str, author: str) -> Revision:
        """Store ``content`` as the live revision (re-using an identical earlier one) and return it."""

    @abstractmethod
    async def live_revision(self, flow_id: str) -> Revision | None: ...

    @abstractmethod
    async def revision(self, revision_id: int) -> Revision | None: ...

    @abstractmethod
    async def revisions(self, flow_id: str) -> list[Revision]:
        """Every revision of the flow ever published, newest first."""

    # Sessions
    @abstractmethod
    async def load_session(self, chat_key: str) -> Session | None: ...

    @abstractmethod
    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None:
        """Save ``session`` (deleting it once finished) and insert ``report`` atomically.

        With ``chat``, the chat's state is saved in the same transaction: the update that caused the
        step is marked handled exactly when the step is stored, so a redelivered update is neither
        lost nor applied twice.

        Returns the new report's id, or None. Raises ``ReferenceTaken`` and changes nothing when the
        report's reference exists.
        """

    # Reports
    @abstractmethod
    async def report_by_reference(self, reference: str) -> StoredReport | None: ...

    @abstractmethod
    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]: ...

    @abstractmethod
    async def count_reports(self) -> int: ...

    @abstractmethod
    async def reports_since(self, chat_key: str, since_iso: str) -> int:
        """How many reports this chat submitted at or after ``since_iso`` (for the daily cap)."""

    # Chat state for chat adapters
    @abstractmethod
    async def chat_state(self, chat_key: str) -> ChatState | None: ...

    @abstractmethod
    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None:
        """Save the chat's state and, in the same write, record ``remember`` like remember_messages."""

    @abstractmethod
    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
        """Record message ids of the current conversation, so a quick exit can delete them."""

    @abstractmethod
    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]:
        """Return and drop the recorded (message id, time) pairs of the chat."""
