"""What the ports ask for several instances, where only one process ever owns the database.

The memory store lives inside its process, and a SQLite file is written by one process (its group
commit and in-memory caches such as ``Senders.is_blocked`` assume it: a second process on one SQLite
file is not supported). So that process is always the leader of every role, and its own per-chat
asyncio lock already orders a chat's turns: the chat lock has nothing to add.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager


class SoleInstance:
    """``Leadership`` for a backend owned by one process: it leads every role, always."""

    async def lead(self, role: str) -> bool:
        return True

    async def step_down(self, role: str) -> None:
        # Nothing to hand over: no other instance can share this database.
        return None


def no_chat_lock() -> AbstractAsyncContextManager[None]:
    """``Sessions.chat_lock`` for a backend owned by one process: nothing to wait for."""
    return contextlib.nullcontext()
