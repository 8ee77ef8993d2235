"""Desk sign-in passes and sessions (PostgreSQL), stored by the hash of their token only.

A pass is spent by one guarded UPDATE: PostgreSQL re-checks its WHERE once it holds the row's lock,
so of two redeems at once, on two instances even, the second finds the pass used.
"""

from __future__ import annotations

from bot.store.records import DeskSession

from .database import Connection, affected
from .store import PostgresStore

SPENT_AFTER = 86400.0  # passes expired longer ago than this are deleted at the next redeem


class PostgresDesk:
    def __init__(self, store: PostgresStore) -> None:
        self.database = store.database

    async def issue_pass(self, token_hash: str, user_id: int, name: str, expires_at: float) -> None:
        async def issue(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO desk_passes (token_hash, user_id, name, expires_at) VALUES ($1, $2, $3, $4)",
                token_hash,
                user_id,
                name,
                expires_at,
            )

        await self.database.write(issue)

    async def redeem_pass(self, token_hash: str, now: float) -> tuple[int, str] | None:
        async def redeem(conn: Connection) -> tuple[int, str] | None:
            await conn.execute("DELETE FROM desk_passes WHERE expires_at < $1", now - SPENT_AFTER)
            row = await conn.fetchrow(
                "UPDATE desk_passes SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 "
                "RETURNING user_id, name",
                now,
                token_hash,
            )
            return (int(row[0]), str(row[1])) if row else None

        return await self.database.write(redeem)

    async def open_session(self, session_hash: str, session: DeskSession) -> None:
        async def open_session(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO desk_sessions (session_hash, user_id, name, lang, csrf, expires_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                session_hash,
                session.user_id,
                session.name,
                session.lang,
                session.csrf,
                session.expires_at,
            )

        await self.database.write(open_session)

    async def session(self, session_hash: str, now: float) -> DeskSession | None:
        row = await self.database.fetchrow(
            "SELECT user_id, name, lang, csrf, expires_at FROM desk_sessions "
            "WHERE session_hash = $1 AND expires_at > $2",
            session_hash,
            now,
        )
        return DeskSession(int(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4])) if row else None

    async def set_language(self, session_hash: str, lang: str) -> None:
        async def set_language(conn: Connection) -> None:
            await conn.execute("UPDATE desk_sessions SET lang = $1 WHERE session_hash = $2", lang, session_hash)

        await self.database.write(set_language)

    async def close_session(self, session_hash: str) -> None:
        async def close(conn: Connection) -> None:
            await conn.execute("DELETE FROM desk_sessions WHERE session_hash = $1", session_hash)

        await self.database.write(close)

    async def close_sessions_of(self, user_id: int) -> int:
        async def close_all(conn: Connection) -> int:
            return affected(await conn.execute("DELETE FROM desk_sessions WHERE user_id = $1", user_id))

        return await self.database.write(close_all)

    async def prune_sessions(self, now: float) -> int:
        async def prune(conn: Connection) -> int:
            return affected(await conn.execute("DELETE FROM desk_sessions WHERE expires_at <= $1", now))

        return await self.database.write(prune)
