"""Every book of the memory backend, over one ``MemoryStore``'s tables."""

from __future__ import annotations

from bot.store.ports import Books
from bot.store.single import SoleInstance

from .admins import MemoryAdmins
from .audit import MemoryAudit
from .cases import MemoryCases
from .desk import MemoryDesk
from .evidence_files import MemoryEvidenceFiles
from .outbox import MemoryOutbox
from .pins import MemoryPins
from .retention import MemoryRetention
from .senders import MemorySenders
from .stats import MemoryStats
from .store import MemoryStore


def memory_books(store: MemoryStore, admin_ids: frozenset[int] = frozenset()) -> Books:
    return Books(
        revisions=store,
        sessions=store,
        reports=store,
        cases=MemoryCases(store),
        audit=MemoryAudit(store),
        outbox=MemoryOutbox(store),
        senders=MemorySenders(store),
        admins=MemoryAdmins(store, admin_ids),
        retention=MemoryRetention(store),
        pins=MemoryPins(store),
        stats=MemoryStats(store),
        leadership=SoleInstance(),
        desk=MemoryDesk(store),
        files=MemoryEvidenceFiles(store),
    )
