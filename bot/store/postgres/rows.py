"""Rows more than one book writes (PostgreSQL): outbox entries and a chat's state.

An outbox entry is written by the book whose change it reports (a report, a case's transition, a
relayed question), in that change's transaction; so is a chat's state, with the step it records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bot.clock import now_iso
from bot.store.keyring import Keyring
from bot.store.records import HOLD_SECONDS, SENDING, ChatState, Outgoing

from .database import Connection

# An entry whose dedupe key exists is left as it is (SQLite's INSERT OR IGNORE on that key).
ENQUEUE = (
    "INSERT INTO outbox (kind, target, dedupe_key, report_id, priority, payload, not_before, created_at, state, "
    "lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING"
)


async def enqueue(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows of ``outbox_rows``, inside the caller's transaction."""
    if rows:
        await conn.executemany(ENQUEUE, rows)


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
            item.priority,
            keyring.seal(json.dumps(item.payload, ensure_ascii=False), "outbox.payload"),
            float(item.not_before),
            now,
            item.state,
            # Held by the adapter showing it: if that instance dies, another's courier sends it after the hold.
            now + HOLD_SECONDS if item.state == SENDING else None,
        )
        for item in items
    ]


async def save_chat(conn: Connection, state: ChatState) -> None:
    """The chat's state, unless the stored one is of a newer update (another instance's): a chat never
    goes back. The upsert locks the row, so two instances saving at once compare against each other."""
    await conn.execute(
        "INSERT INTO chats (chat_key, lang, active, last_update_id, question_message_id, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chat_key) DO UPDATE SET lang = excluded.lang, "
        "active = excluded.active, last_update_id = excluded.last_update_id, "
        "question_message_id = excluded.question_message_id, updated_at = excluded.updated_at "
        "WHERE chats.last_update_id <= excluded.last_update_id",
        state.chat_key,
        state.lang,
        state.active,
        state.last_update_id,
        state.question_message_id,
        now_iso(),
    )


async def remember_ids(conn: Connection, chat_key: str, message_ids: Sequence[int], sent_at: float) -> None:
    if message_ids:
        await conn.executemany(
            "INSERT INTO chat_messages (chat_key, message_id, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(chat_key, mid, sent_at) for mid in message_ids],
        )
