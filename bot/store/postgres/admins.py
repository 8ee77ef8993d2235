"""Admins added from Telegram and flow files uploaded for publishing, with their audit entries (PostgreSQL).

``ADMIN_IDS`` from the settings are admins whatever this table says (they cannot be removed from
Telegram, so nobody can lock the deployment out of itself); this table holds the ones they add.
"""

from __future__ import annotations

from bot.clock import now_iso
from bot.store.records import AuditEntry, Candidate

from .audit import audit_row
from .database import Connection, affected
from .store import PostgresStore

__all__ = ["AdminBook", "Candidate"]


class AdminBook:
    def __init__(self, store: PostgresStore, bootstrap: frozenset[int]) -> None:
        self.database = store.database
        self.bootstrap = bootstrap
        # Refreshed by load(); read on every update, so kept in memory. Another instance's change is
        # seen here at this instance's next load().
        self.ids: frozenset[int] = bootstrap

    async def load(self) -> frozenset[int]:
        rows = await self.database.fetch("SELECT user_id FROM admins")
        self.ids = self.bootstrap | {int(row[0]) for row in rows}
        return self.ids

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.ids

    async def add(self, user_id: int, by: int, by_name: str) -> None:
        async def add(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO admins (user_id, added_by, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                user_id,
                by,
                now_iso(),
            )
            await audit_row(conn, AuditEntry(now_iso(), by, by_name, "add_admin", None, None, True, str(user_id)))

        await self.database.write(add)
        await self.load()

    async def remove(self, user_id: int, by: int, by_name: str) -> bool:
        """False for an ADMIN_IDS admin (only the settings can remove those) or a non-admin."""
        if user_id in self.bootstrap:
            return False

        async def remove(conn: Connection) -> bool:
            removed = affected(await conn.execute("DELETE FROM admins WHERE user_id = $1", user_id)) > 0
            await audit_row(conn, AuditEntry(now_iso(), by, by_name, "remove_admin", None, None, removed, str(user_id)))
            return removed

        removed = await self.database.write(remove)
        await self.load()
        return removed

    async def added(self) -> list[tuple[int, int | None, str]]:
        # user_id breaks ties within a second, as SQLite's rowid (the user id) does.
        rows = await self.database.fetch("SELECT user_id, added_by, added_at FROM admins ORDER BY added_at, user_id")
        return [(int(u), b, str(a)) for u, b, a in rows]

    # ---- uploaded flows --------------------------------------------------------------------------

    async def upload(self, flow_id: str | None, content: str, author: int, author_name: str) -> int:
        async def upload(conn: Connection) -> int:
            candidate_id = await conn.fetchval(
                "INSERT INTO flow_candidates (flow_id, content, author, author_name, created_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                flow_id,
                content,
                author,
                author_name,
                now_iso(),
            )
            await audit_row(
                conn, AuditEntry(now_iso(), author, author_name, "upload_flow", None, None, True, flow_id or "")
            )
            return int(candidate_id)

        return await self.database.write(upload)

    async def candidate(self, candidate_id: int) -> Candidate | None:
        row = await self.database.fetchrow(
            "SELECT id, flow_id, content, author, author_name, state, created_at FROM flow_candidates WHERE id = $1",
            candidate_id,
        )
        return Candidate(*row) if row else None

    async def settle(self, candidate_id: int, state: str, actor: int, actor_name: str, detail: str = "") -> bool:
        """Mark a pending candidate published or discarded; False if it was no longer pending."""

        async def settle(conn: Connection) -> bool:
            # The state in the WHERE is checked again on the row once locked: of two settles at once, one wins.
            status = await conn.execute(
                "UPDATE flow_candidates SET state = $1 WHERE id = $2 AND state = 'pending'", state, candidate_id
            )
            done = affected(status) > 0
            action = "publish_flow" if state == "published" else "discard_flow"
            await audit_row(conn, AuditEntry(now_iso(), actor, actor_name, action, None, None, done, detail))
            return done

        return await self.database.write(settle)
