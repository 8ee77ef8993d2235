"""Who a signed-in user is on each request: an admin, or an officer of some queues.

Asked again on every request, through the same rule as the bot's buttons (``focal/access.py``):
an officer removed from a queue's group loses its cases on the desk at their next click, not at
the end of their session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.store.ports import Cases

MayAct = Callable[[int, str], Awaitable[bool]]  # (user id, queue key) -> may act on its cases
# Every admin, read from the database: an admin removed on another instance sharing it is no admin here
# at their next click (each instance's in-memory list changes only with its own /admins).
CurrentAdmins = Callable[[], Awaitable[frozenset[int]]]


@dataclass(frozen=True, slots=True)
class Role:
    user_id: int
    name: str
    admin: bool
    queues: frozenset[str]  # queues whose cases they may see and act on (every bound queue for an admin)

    def may_see(self, queue: str | None) -> bool:
        return self.admin or (queue is not None and queue in self.queues)

    @property
    def anyone(self) -> bool:
        """An admin, or an officer of at least one queue: who may use the desk at all."""
        return self.admin or bool(self.queues)


class Roles:
    def __init__(self, cases: Cases, admins: CurrentAdmins, may_act: MayAct) -> None:
        self.cases, self.admins, self.may_act = cases, admins, may_act

    async def of(self, user_id: int, name: str) -> Role:
        bindings = await self.cases.bindings()
        keys = set(bindings) | set(await self.cases.officer_queues(user_id))
        if user_id in await self.admins():
            return Role(user_id, name, True, frozenset(keys))
        allowed = frozenset([key for key in sorted(keys) if await self.may_act(user_id, key)])
        return Role(user_id, name, False, allowed)
