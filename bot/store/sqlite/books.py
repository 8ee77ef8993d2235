"""Every book of the SQLite backend, over one ``SqliteStore``."""

from __future__ import annotations

from bot.store.ports import Books
from bot.store.single import SoleInstance

from .admins import AdminBook
from .audit import SqliteAudit
from .cases import CaseBook
from .desk import SqliteDesk
from .evidence_files import SqliteEvidenceFiles
from .outbox import Outbox
from .pins import PinGuard
from .retention import Retention
from .senders import SenderBook
from .stats import SqliteStats
from .store import SqliteStore


def sqlite_books(store: SqliteStore, admin_ids: frozenset[int] = frozenset()) -> Books:
    return Books(
        revisions=store,
        sessions=store,
        reports=store,
        cases=CaseBook(store),
        audit=SqliteAudit(store),
        outbox=Outbox(store),
        senders=SenderBook(store),
        admins=AdminBook(store, admin_ids),
        retention=Retention(store),
        pins=PinGuard(store),
        stats=SqliteStats(store),
        leadership=SoleInstance(),  # one process per SQLite file (single.py)
        desk=SqliteDesk(store),
        files=SqliteEvidenceFiles(store),
    )
