"""Admins added from Telegram and flow files uploaded for publishing, with their audit entries (SQLite).

``ADMIN_IDS`` from the settings are admins whatever this table says (they cannot be removed from
Telegram, so nobody can lock the deployment out of itself); this table holds the ones they add.
"""

from __future__ import annotations

import sqlite3

from bot.clock import now_iso
from bot.store.records import AuditEntry, Candidate

from .audit import audit_row
from .store import SqliteStore

__all__ = ["AdminBook", "Candidate"]


class AdminBook:
    def __init__(self, store: SqliteStore, bootstrap: frozenset[int]) -> None:
        self.database = store.database
        self.bootstrap = bootstrap
        self.ids: frozenset[int] = bootstrap  # refreshed by load(); read on every update, so kept in memory

    async def load(self) -> frozenset[int]:
        rows = await self.database.fetchall("SELECT user_id FROM admins")
        self.ids = self.bootstrap | {int(row[0]) for row in rows}
        return self.ids

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.ids

    async def add(self, user_id: int, by: int, by_name: str) -> None:
        def add(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO admins (user_id, added_by, added_at) VALUES (?, ?, ?)", (user_id, by, now_iso())
            )
            audit_row(conn, AuditEntry(now_iso(), by, by_name, "add_admin", None, None, True, str(user_id)))

        await self.database.write(add)
        await self.load()

    async def remove(self, user_id: int, by: int, by_name: str) -> bool:
        """False for an ADMIN_IDS admin (only the settings can remove those) or a non-admin."""
        if user_id in self.bootstrap:
            return False

        def remove(conn: sqlite3.Connection) -> bool:
            removed = conn.execute("DELETE FROM admins WHERE user_id = ?", (user_id,)).rowcount > 0
            audit_row(conn, AuditEntry(now_iso(), by, by_name, "remove_admin", None, None, removed, str(user_id)))
            return removed

        removed = await self.database.write(remove)
        await self.load()
        return removed

    async def added(self) -> list[tuple[int, int | None, str]]:
        rows = await self.database.fetchall("SELECT user_id, added_by, added_at FROM admins ORDER BY added_at")
        return [(int(u), b, str(a)) for u, b, a in rows]

    # ---- uploaded flows --------------------------------------------------------------------------

    async def upload(self, flow_id: str | None, content: str, author: int, author_name: str) -> int:
        def upload(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO flow_candidates (flow_id, content, author, author_name, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (flow_id, content, author, author_name, now_iso()),
            )
            audit_row(conn, AuditEntry(now_iso(), author, author_name, "upload_flow", None, None, True, flow_id or ""))
            assert cur.lastrowid is not None
            return cur.lastrowid

        return await self.database.write(upload)

    async def candidate(self, candidate_id: int) -> Candidate | None:
        row = await self.database.fetchone(
            "SELECT id, flow_id, content, author, author_name, state, created_at FROM flow_candidates WHERE id = ?",
            (candidate_id,),
        )
        return Candidate(*row) if row else None

    async def settle(self, candidate_id: int, state: str, actor: int, actor_name: str, detail: str = "") -> bool:
        """Mark a pending candidate published or discarded; False if it was no longer pending."""

        def settle(conn: sqlite3.Connection) -> bool:
            done = (
                conn.execute(
                    "UPDATE flow_candidates SET state = ? WHERE id = ? AND state = 'pending'", (state, candidate_id)
                ).rowcount
                > 0
            )
            action = "publish_flow" if state == "published" else "discard_flow"
            audit_row(conn, AuditEntry(now_iso(), actor, actor_name, action, None, None, done, detail))
            return done

        return await self.database.write(settle)
