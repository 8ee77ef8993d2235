"""Admins added from Telegram and flow files uploaded for publishing, with their audit entries.

``ADMIN_IDS`` from the settings are admins whatever this table says (they cannot be removed from
Telegram, so nobody can lock the deployment out of itself); this table holds the ones they add.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.records import AuditEntry
from bot.store.sqlite.cases import audit_row
from bot.store.sqlite.database import SqliteStore, now_iso


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    flow_id: str | None
    content: str
    author: int
    author_name: str
    state: str  # pending | published | discarded
    created_at: str


class AdminBook:
    def __init__(self, store: SqliteStore, bootstrap: frozenset[int]) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.ids: frozenset[int] = bootstrap  # refreshed by load(); read on every update, so kept in memory

    async def load(self) -> frozenset[int]:
        async with self.store.db.execute("SELECT user_id FROM admins") as cur:
            added = {int(row[0]) for row in await cur.fetchall()}
        self.ids = self.bootstrap | added
        return self.ids

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.ids

    async def add(self, user_id: int, by: int, by_name: str) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO admins (user_id, added_by, added_at) VALUES (?, ?, ?)", (user_id, by, now_iso())
            )
            await audit_row(db, AuditEntry(now_iso(), by, by_name, "add_admin", None, None, True, str(user_id)))
        await self.load()

    async def remove(self, user_id: int, by: int, by_name: str) -> bool:
        """False for an ADMIN_IDS admin (only the settings can remove those) or a non-admin."""
        if user_id in self.bootstrap:
            return False
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM admins WHERE user_id = ?", (user_id,))
            await audit_row(
                db, AuditEntry(now_iso(), by, by_name, "remove_admin", None, None, cur.rowcount > 0, str(user_id))
            )
            removed = cur.rowcount > 0
        await self.load()
        return removed

    async def added(self) -> list[tuple[int, int | None, str]]:
        async with self.store.db.execute("SELECT user_id, added_by, added_at FROM admins ORDER BY added_at") as cur:
            return [(int(u), b, str(a)) for u, b, a in await cur.fetchall()]

    # ---- uploaded flows --------------------------------------------------------------------------

    async def upload(self, flow_id: str | None, content: str, author: int, author_name: str) -> int:
        async with self.store.transaction() as db:
            cur = await db.execute(
                "INSERT INTO flow_candidates (flow_id, content, author, author_name, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (flow_id, content, author, author_name, now_iso()),
            )
            await audit_row(
                db, AuditEntry(now_iso(), author, author_name, "upload_flow", None, None, True, flow_id or "")
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    async def candidate(self, candidate_id: int) -> Candidate | None:
        async with self.store.db.execute(
            "SELECT id, flow_id, content, author, author_name, state, created_at FROM flow_candidates WHERE id = ?",
            (candidate_id,),
        ) as cur:
            row = await cur.fetchone()
        return Candidate(*row) if row else None

    async def settle(self, candidate_id: int, state: str, actor: int, actor_name: str, detail: str = "") -> bool:
        """Mark a pending candidate published or discarded; False if it was no longer pending."""
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE flow_candidates SET state = ? WHERE id = ? AND state = 'pending'", (state, candidate_id)
            )
            done = cur.rowcount > 0
            action = "publish_flow" if state == "published" else "discard_flow"
            await audit_row(db, AuditEntry(now_iso(), actor, actor_name, action, None, None, done, detail))
            return done

    async def audit(self, entry: AuditEntry) -> None:
        async with self.store.transaction() as db:
            await audit_row(db, entry)
