"""Groups and Telegram's sending limits for the offline Bot API in ``server.py``.

``FakeGroup`` is a supergroup (negative id) with members and their statuses, as ``getChatMember``
reports them. The sliding-window helpers decide whether one more message fits under a limit of
``(count, seconds)`` and measure afterwards how many messages any window held.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeBotApi, FakeMessage, FakeUser

Json = dict[str, Any]
Limit = tuple[int, float]
STATUSES = ("creator", "administrator", "member", "left", "kicked")
# The fields PTB's ChatMemberAdministrator requires, as an ordinary admin set up by the group's creator has them.
ADMIN_RIGHTS: Json = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


class FakeGroup:
    """A supergroup the bot is in (as an administrator unless ``bot_status`` says otherwise)."""

    def __init__(self, api: FakeBotApi, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError(f"group ids are negative, got {chat_id}")
        self.api, self.id, self.title = api, chat_id, title
        self.members: dict[int, str] = {}
        self.bot_status = "administrator"

    def chat_json(self) -> Json:
        return {"id": self.id, "type": "supergroup", "title": self.title}

    def add_member(self, user: FakeUser, status: str = "member") -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown chat member status {status!r}; one of {', '.join(STATUSES)}")
        self.members[user.id] = status

    def remove_member(self, user: FakeUser, by: FakeUser | None = None) -> None:
        """``user`` leaves (or ``by`` removes them); Telegram posts the service message to the group."""
        self.members[user.id] = "left"
        (by or user)._message("left_chat_member", None, chat_id=self.id, left_chat_member=self.api.user_json(user.id))

    def status(self, user_id: int) -> str:
        if user_id == self.api.bot_id:
            return self.bot_status
        return self.members.get(user_id, "left")

    def messages(self) -> list[FakeMessage]:
        return [m for m in self.api.chat(self.id) if not m.deleted]

    def bot_messages(self) -> list[FakeMessage]:
        return self.api.bot_messages(self.id)

    def find_text(self, substring: str, include_users: bool = False) -> list[FakeMessage]:
        """Messages (the bot's, or everyone's with ``include_users``) whose current text contains ``substring``."""
        pool = self.messages() if include_users else self.bot_messages()
        return [m for m in pool if m.text is not None and substring in m.text]


def chat_member_json(user: Json, status: str) -> Json:
    """A ChatMember object as the Bot API returns it for ``status``."""
    data: Json = {"status": status, "user": user}
    if status == "administrator":
        data.update(ADMIN_RIGHTS)
    elif status == "creator":
        data["is_anonymous"] = False
    elif status == "kicked":
        data["until_date"] = 0
    return data


def wait_for_slot(times: Sequence[float], limit: Limit | None, now: float) -> float:
    """Seconds until one more message fits under ``limit`` given the sorted accepted ``times``; 0 when it fits now."""
    if limit is None:
        return 0.0
    count, window = limit
    first_recent = bisect_right(times, now - window)  # times in (now - window, now] are in the window
    if len(times) - first_recent < count:
        return 0.0
    return max(0.0, times[len(times) - count] + window - now)


def retry_after_seconds(wait: float) -> int:
    """The ``retry_after`` Telegram would state for ``wait`` seconds: rounded up, at least 1."""
    return max(1, math.ceil(wait))


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most of the sorted ``times`` that any window ``[t, t + window)`` holds."""
    best = 0
    for start, moment in enumerate(times):
        best = max(best, bisect_left(times, moment + window, lo=start) - start)
    return best
