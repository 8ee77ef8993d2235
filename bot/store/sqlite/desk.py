"""Desk sign-in passes and sessions (SQLite), stored by the hash of their token only.

A pass is spent by one guarded UPDATE: of two redeems at once, only the first finds it unused.
"""

from __future__ import annotations

import sqlite3

from bot.store.records import DeskSession

from .store import SqliteStore

SPENT_AFTER = 86400.0  # passes expired longer ago than this are deleted at the next redeem


class SqliteDesk:
    def __init__(self, store: SqliteStore) -> None:
        self.database = store.database

    async def issue_pass(self, token_hash: str, user_id: int, name: str, expires_at: float) -> None:
        await self.database.write(
            lambda conn: conn.execute(
                "INSERT INTO desk_passes (token_hash, user_id, name, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, user_id, name, expires_at),
            )
        )

    async def redeem_pass(self, token_hash: str, now: float) -> tuple[int, str] | None:
        def redeem(conn: sqlite3.Connection) -> tuple[int, str] | None:
            conn.execute("DELETE FROM desk_passes WHERE expires_at < ?", (now - SPENT_AFTER,))
            row = conn.execute(
                "UPDATE desk_passes SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING user_id, name",
                (now, token_hash, now),
            ).fetchone()
            return (int(row[0]), str(row[1])) if row else None

        return await self.database.write(redeem)

    async def open_session(self, session_hash: str, session: DeskSession) -> None:
        await self.database.write(
            lambda conn: conn.execute(
                "INSERT INTO desk_sessions (session_hash, user_id, name, lang, csrf, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session_hash, session.user_id, session.name, session.lang, session.csrf, session.expires_at),
            )
        )

    async def session(self, session_hash: str, now: float) -> DeskSession | None:
        row = await self.database.fetchone(
            "SELECT user_id, name, lang, csrf, expires_at FROM desk_sessions WHERE session_hash = ? AND expires_at > ?",
            (session_hash, now),
        )
        return DeskSession(int(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4])) if row else None

    async def set_language(self, session_hash: str, lang: str) -> None:
        await self.database.write(
            lambda conn: conn.execute("UPDATE desk_sessions SET lang = ? WHERE session_hash = ?", (lang, session_hash))
        )

    async def close_session(self, session_hash: str) -> None:
        await self.database.write(
            lambda conn: conn.execute("DELETE FROM desk_sessions WHERE session_hash = ?", (session_hash,))
        )

    async def close_sessions_of(self, user_id: int) -> int:
        return await self.database.write(
            lambda conn: conn.execute("DELETE FROM desk_sessions WHERE user_id = ?", (user_id,)).rowcount
        )

    async def prune_sessions(self, now: float) -> int:
        return await self.database.write(
            lambda conn: conn.execute("DELETE FROM desk_sessions WHERE expires_at <= ?", (now,)).rowcount
        )
