"""Desk sign-in passes and sessions held in memory, as ``bot/store/sqlite/desk.py`` keeps them.

Nothing awaits in the middle of a change, so a redeem is atomic on the event loop: of two at once,
the first marks the pass used and the second finds it so.
"""

from __future__ import annotations

from dataclasses import replace

from bot.store.records import DeskSession

from .store import MemoryStore, PassRow

SPENT_AFTER = 86400.0  # passes expired longer ago than this are deleted at the next redeem


class MemoryDesk:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def issue_pass(self, token_hash: str, user_id: int, name: str, expires_at: float) -> None:
        passes = self.store.tables.desk_passes
        if token_hash in passes:
            raise ValueError("a pass with this hash exists")  # as the databases' primary key refuses it
        passes[token_hash] = PassRow(user_id, name, expires_at)

    async def redeem_pass(self, token_hash: str, now: float) -> tuple[int, str] | None:
        passes = self.store.tables.desk_passes
        for spent in [key for key, row in passes.items() if row.expires_at < now - SPENT_AFTER]:
            del passes[spent]
        found = passes.get(token_hash)
        if found is None or found.used_at is not None or found.expires_at <= now:
            return None
        found.used_at = now
        return found.user_id, found.name

    async def open_session(self, session_hash: str, session: DeskSession) -> None:
        sessions = self.store.tables.desk_sessions
        if session_hash in sessions:
            raise ValueError("a session with this hash exists")
        sessions[session_hash] = session

    async def session(self, session_hash: str, now: float) -> DeskSession | None:
        found = self.store.tables.desk_sessions.get(session_hash)
        return found if found is not None and found.expires_at > now else None

    async def set_language(self, session_hash: str, lang: str) -> None:
        sessions = self.store.tables.desk_sessions
        found = sessions.get(session_hash)
        if found is not None:
            sessions[session_hash] = replace(found, lang=lang)

    async def close_session(self, session_hash: str) -> None:
        self.store.tables.desk_sessions.pop(session_hash, None)

    async def close_sessions_of(self, user_id: int) -> int:
        sessions = self.store.tables.desk_sessions
        theirs = [key for key, found in sessions.items() if found.user_id == user_id]
        for key in theirs:
            del sessions[key]
        return len(theirs)

    async def prune_sessions(self, now: float) -> int:
        sessions = self.store.tables.desk_sessions
        expired = [key for key, found in sessions.items() if found.expires_at <= now]
        for key in expired:
            del sessions[key]
        return len(expired)
