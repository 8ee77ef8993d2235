"""Every book of the PostgreSQL backend, over one ``PostgresStore``."""

from __future__ import annotations

from bot.store.ports import Books

from .admins import AdminBook
from .audit import PostgresAudit
from .cases import CaseBook
from .desk import PostgresDesk
from .evidence_files import PostgresEvidenceFiles
from .outbox import Outbox
from .pins import PinGuard
from .retention import Retention
from .senders import SenderBook
from .stats import PostgresStats
from .store import PostgresStore


def postgres_books(store: PostgresStore, admin_ids: frozenset[int] = frozenset()) -> Books:
    return Books(
        revisions=store,
        sessions=store,
        reports=store,
        cases=CaseBook(store),
        audit=PostgresAudit(store),
        outbox=Outbox(store),
        senders=SenderBook(store),
        admins=AdminBook(store, admin_ids),
        retention=Retention(store),
        pins=PinGuard(store),
        stats=PostgresStats(store),
        leadership=store.leaders,
        desk=PostgresDesk(store),
        files=PostgresEvidenceFiles(store),
    )
