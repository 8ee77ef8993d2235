"""A citizen's receipt: the reference and PIN of her report, delivered even if the bot dies sending it.

The receipt is written to the outbox in the report's own transaction, held by the adapter that
shows it at once (state ``sending``). Shown: the row is deleted, and the PIN is kept nowhere but as
the report's scrypt hash. Not shown (Telegram failed four times, the process was killed mid-send):
the courier sends it, from the row, after a retry or a restart. Until then the PIN is in the row,
sealed with the report key like every outbox payload.

A citizen who never saw her receipt often sends the same report again. While her receipt is still
undelivered, the same answers from the same chat are recognised as that report: she gets its
reference and PIN, no second case is made and the daily cap is not charged twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store.ports import Outbox
from bot.store.records import SENDING, NewReport, Outgoing, StoredReport

from .ids import target_of_key


@dataclass(frozen=True, slots=True)
class Pending:
    """A receipt that has not reached the citizen: the report it is for, and its PIN."""

    key: str
    report_id: int
    reference: str
    pin: str


class Receipts:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def outgoing(self, chat_key: str, reference: str, pin: str, lang: str) -> Outgoing | None:
        """The receipt, held by the adapter that shows it; None for a chat nothing is delivered to."""
        target = target_of_key(chat_key)
        if target is None:
            return None
        payload = {"reference": reference, "pin": pin, "lang": lang}
        return Outgoing("receipt", target, f"receipt:{reference}", payload=payload, state=SENDING)

    async def undelivered(self, chat_key: str) -> Pending | None:
        target = target_of_key(chat_key)
        found = await self.outbox.undelivered_receipt(target) if target is not None else None
        if found is None or found.report_id is None or "pin" not in found.payload:
            return None
        return Pending(found.dedupe_key, found.report_id, str(found.payload["reference"]), str(found.payload["pin"]))

    async def settle(self, key: str, delivered: bool) -> None:
        await self.outbox.settle_receipt(key, delivered)


def same_report(new: NewReport, stored: StoredReport) -> bool:
    """The same answers and evidence, as stored (JSON round trip: tuples and lists compare equal)."""

    def canonical(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    links = [(e.url, e.platform) for e in new.evidence], [(e.url, e.platform) for e in stored.evidence]
    return canonical(new.answers) == canonical(stored.answers) and links[0] == links[1]
