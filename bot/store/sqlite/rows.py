"""Rows more than one book writes (SQLite): outbox entries and a chat's state.

An outbox entry is written by the book whose change it reports (a report, a case's transition, a
relayed question), in that change's transaction; so is a chat's state, with the step it records.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bot.clock import now_iso
from bot.store.keyring import Keyring
from bot.store.records import HOLD_SECONDS, SENDING, ChatState, Outgoing

ENQUEUE = (
    "INSERT OR IGNORE INTO outbox (kind, target, dedupe_key, report_id, priority, payload, not_before, created_at, "
    "state, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def outbox_rows(items: Iterable[Outgoing], keyring: Keyring) -> list[tuple[Any, ...]]:
    """Rows for ENQUEUE. Payloads are sealed: a question or an answer relayed between officer and
    citizen is in them."""
    now = time.time()
    return [
        (
            item.kind,
            item.target,
            item.dedupe_key,
            item.report_id,
            int(item.priority),
            keyring.seal(json.dumps(item.payload, ensure_ascii=False), "outbox.payload"),
            item.not_before,
            now,
            item.state,
            # Held by the adapter showing it: if that instance dies, another's courier sends it after the hold.
            now + HOLD_SECONDS if item.state == SENDING else None,
        )
        for item in items
    ]


def save_chat(conn: sqlite3.Connection, state: ChatState) -> None:
    """The chat's state, unless the stored one is of a newer update: a chat never goes back."""
    conn.execute(
        "INSERT INTO chats (chat_key, lang, active, last_update_id, question_message_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_key) DO UPDATE SET lang = excluded.lang, "
        "active = excluded.active, last_update_id = excluded.last_update_id, "
        "question_message_id = excluded.question_message_id, updated_at = excluded.updated_at "
        "WHERE chats.last_update_id <= excluded.last_update_id",
        (state.chat_key, state.lang, int(state.active), state.last_update_id, state.question_message_id, now_iso()),
    )


def remember_ids(conn: sqlite3.Connection, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO chat_messages (chat_key, message_id, sent_at) VALUES (?, ?, ?)",
        [(chat_key, mid, sent_at) for mid in message_ids],
    )
