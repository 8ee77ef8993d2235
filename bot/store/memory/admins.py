"""The memory backend's admins and uploaded flow files, with the audit entries the SQLite book writes.

The settings' admins (``bootstrap``) are admins whatever the table says and cannot be removed from
Telegram, so nobody can lock the deployment out of itself.
"""

from __future__ import annotations

from dataclasses import replace

from bot.clock import now_iso
from bot.store.records import AuditEntry, Candidate

from .store import MemoryStore

PENDING_FLOW = "pending"


class MemoryAdmins:
    def __init__(self, store: MemoryStore, bootstrap: frozenset[int]) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.ids: frozenset[int] = bootstrap  # refreshed by load() and this book's changes; read on every update

    async def load(self) -> frozenset[int]:
        return self._refresh()

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.ids

    async def add(self, user_id: int, by: int, by_name: str) -> None:
        """Add an admin; one already added keeps who added them and when (the audit records each try)."""
        t = self.store.tables
        t.admins.setdefault(user_id, (by, now_iso()))
        t.audit.append(AuditEntry(now_iso(), by, by_name, "add_admin", None, None, True, str(user_id)))
        self._refresh()

    async def remove(self, user_id: int, by: int, by_name: str) -> bool:
        """False for a settings admin (only the settings remove those) or a non-admin."""
        if user_id in self.bootstrap:
            return False
        t = self.store.tables
        removed = t.admins.pop(user_id, None) is not None
        t.audit.append(AuditEntry(now_iso(), by, by_name, "remove_admin", None, None, removed, str(user_id)))
        self._refresh()
        return removed

    async def added(self) -> list[tuple[int, int | None, str]]:
        """(user id, added by, added at), oldest first; ties in user id order, as SQLite's rowid scan gives them."""
        rows = sorted(self.store.tables.admins.items(), key=lambda item: (item[1][1], item[0]))
        return [(user_id, by, at) for user_id, (by, at) in rows]

    async def upload(self, flow_id: str | None, content: str, author: int, author_name: str) -> int:
        t = self.store.tables
        candidate_id = t.next_id("flow_candidates")
        t.flow_candidates[candidate_id] = Candidate(
            candidate_id, flow_id, content, author, author_name, PENDING_FLOW, now_iso()
        )
        t.audit.append(AuditEntry(now_iso(), author, author_name, "upload_flow", None, None, True, flow_id or ""))
        return candidate_id

    async def candidate(self, candidate_id: int) -> Candidate | None:
        return self.store.tables.flow_candidates.get(candidate_id)

    async def settle(self, candidate_id: int, state: str, actor: int, actor_name: str, detail: str = "") -> bool:
        """Mark a pending candidate published or discarded; False if it was no longer pending."""
        t = self.store.tables
        found = t.flow_candidates.get(candidate_id)
        done = found is not None and found.state == PENDING_FLOW
        if found is not None and done:
            t.flow_candidates[candidate_id] = replace(found, state=state)
        action = "publish_flow" if state == "published" else "discard_flow"
        t.audit.append(AuditEntry(now_iso(), actor, actor_name, action, None, None, done, detail))
        return done

    def _refresh(self) -> frozenset[int]:
        self.ids = self.bootstrap | frozenset(self.store.tables.admins)
        return self.ids
