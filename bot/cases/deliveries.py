"""What to deliver when a case changes, decided purely: the store writes these with the change."""

from __future__ import annotations

from bot.store.records import Outgoing

from .ids import queue_target


def new_case_delivery(report_id: int | None, reference: str, queue: str, priority: bool, transfer: int = 0) -> Outgoing:
    """The delivery of a case card to its queue; the key makes it appear once per queue it is sent to
    (``transfer`` tells a transfer back to a queue from the first arrival there). ``report_id`` is None
    for a report not yet stored: the store sets it in the same transaction."""
    return Outgoing(
        kind="case",
        target=queue_target(queue),
        dedupe_key=f"case:{reference}:{queue}:{transfer}",
        report_id=report_id,
        priority=priority,
    )
