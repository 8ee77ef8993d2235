"""A backend: it opens, closes, keeps revisions, sessions and reports, and hands out its other books.

Services are written against the protocols of ``ports.py``; ``tests/store/contract/`` runs the same
tests over every backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from bot.engine.session import Session

from .ports import Books, ReferenceTaken
from .records import ChatState, NewReport, Revision, StoredReport

__all__ = ["ReferenceTaken", "Store"]


class Store(ABC):
    """Revisions, Sessions and Reports of ``ports.py``, and the way to the other books."""

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def books(self, admin_ids: frozenset[int] = frozenset()) -> Books:
        """Every book over this store; ``admin_ids`` are the settings' admins (never removable)."""

    # Flow revisions
    @abstractmethod
    async def publish(self, flow_id: str, content: str, author: str) -> Revision: ...

    @abstractmethod
    async def live_revision(self, flow_id: str) -> Revision | None: ...

    @abstractmethod
    async def revision(self, revision_id: int) -> Revision | None: ...

    @abstractmethod
    async def revisions(self, flow_id: str) -> list[Revision]: ...

    # Sessions and chat state
    @abstractmethod
    async def load_session(self, chat_key: str) -> Session | None: ...

    @abstractmethod
    async def commit_step(
        self, chat_key: str, session: Session, report: NewReport | None = None, chat: ChatState | None = None
    ) -> int | None: ...

    @abstractmethod
    async def expire_sessions(self, before_iso: str, keep_revision: int | None) -> int: ...

    @abstractmethod
    async def chat_state(self, chat_key: str) -> ChatState | None: ...

    @abstractmethod
    async def save_chat_state(self, state: ChatState, remember: Sequence[int] = (), sent_at: float = 0.0) -> None: ...

    @abstractmethod
    async def remember_messages(self, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None: ...

    @abstractmethod
    async def forget_messages(self, chat_key: str) -> list[tuple[int, float]]: ...

    @abstractmethod
    def chat_lock(self, chat_key: str) -> AbstractAsyncContextManager[None]:
        """Held for the whole of one update's handling (see ``Sessions.chat_lock``)."""

    # Reports
    @abstractmethod
    async def report_by_reference(self, reference: str) -> StoredReport | None: ...

    @abstractmethod
    async def report_by_id(self, report_id: int) -> StoredReport | None: ...

    @abstractmethod
    async def reports_for_chat(self, chat_key: str) -> list[StoredReport]: ...

    @abstractmethod
    async def count_reports(self) -> int: ...

    @abstractmethod
    async def reports_since(self, chat_key: str, since_iso: str) -> int: ...

    @abstractmethod
    async def reports_created(
        self, since_iso: str, until_iso: str | None, after_id: int, limit: int
    ) -> list[StoredReport]: ...
