"""One-time sign-in links and the sessions they open.

A link carries a random token of 256 bits; the store keeps only its SHA-256, so a copy of the
database opens no session. Unforgeable because it is random and checked against the store, a token
needs no signature: the store also makes it single use (``Desk.redeem_pass`` is atomic across
instances) and short-lived. The session cookie works the same way, with a CSRF token of its own.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from bot.store.ports import Desk
from bot.store.records import DeskSession

PASS_SECONDS = 10 * 60  # long enough to open a link on a laptop after asking on the phone
SESSION_SECONDS = 8 * 3600  # one working day; then /desk again


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class Opened:
    """A session just opened: the cookie's token (never stored) and the session."""

    token: str
    session: DeskSession


class Passes:
    def __init__(self, desk: Desk, pass_seconds: int = PASS_SECONDS, session_seconds: int = SESSION_SECONDS) -> None:
        self.desk = desk
        self.pass_seconds, self.session_seconds = pass_seconds, session_seconds

    async def issue(self, user_id: int, name: str) -> str:
        """A new sign-in token for the user (put in the link the bot sends)."""
        token = secrets.token_urlsafe(32)
        await self.desk.issue_pass(digest(token), user_id, name, time.time() + self.pass_seconds)
        return token

    async def redeem(self, token: str, lang: str) -> Opened | None:
        """Spend the sign-in token and open a session; None when it was used, expired or never issued."""
        if not token or len(token) > 100:
            return None
        found = await self.desk.redeem_pass(digest(token), time.time())
        if found is None:
            return None
        user_id, name = found
        session_token = secrets.token_urlsafe(32)
        session = DeskSession(user_id, name, lang, secrets.token_urlsafe(24), time.time() + self.session_seconds)
        await self.desk.open_session(digest(session_token), session)
        return Opened(session_token, session)

    async def session(self, token: str | None) -> DeskSession | None:
        if not token or len(token) > 100:
            return None
        return await self.desk.session(digest(token), time.time())

    async def set_language(self, token: str, lang: str) -> None:
        await self.desk.set_language(digest(token), lang)

    async def close(self, token: str) -> None:
        await self.desk.close_session(digest(token))
