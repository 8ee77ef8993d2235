"""Finding 4 of issue 20: the receipt (reference and PIN) is durable.

Before: the report was committed, then the reference and PIN were sent with four tries outside the
outbox, the PIN kept only as a hash. A kill while that send hung, or four 502s, and the citizen never
saw them; she reported again, and the queue got two cases.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

from testing.citizens import Citizen, button_data, last_question, walk_to_send
from testing.fakeapi.server import FakeBotApi
from testing.harness import running_bot
from tests.e2e.test_process_e2e import start_bot

PUNJAB = -1001


def press_send(c: Citizen) -> None:
    question = last_question(c.api, c.id)
    c.user.press(question.message_id, button_data(question, "Send to NCCIA"))


def receipts_shown(c: Citizen) -> list[tuple[str, str]]:
    """(reference, PIN) pairs the citizen has seen, from the flow's end text or the courier's receipt."""
    found = []
    for text in c.texts():
        if "Reference number: " in text and "PIN: " in text:
            reference = text.split("Reference number: ")[1].split()[0]
            pin = text.split("PIN: ")[1].split()[0]
            found.append((reference, pin))
    return found


def cases(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [str(r[0]) for r in conn.execute("SELECT reference FROM reports")]


def outbox_receipts(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE kind = 'receipt'").fetchone()[0])


async def check_status(c: Citizen, reference: str, pin: str) -> str:
    await c.says(f"/status {reference} {pin}")
    return c.texts()[-1]


async def test_attack_4_kill_while_the_receipt_is_in_flight_delivers_it_after_restart(
    api: FakeBotApi, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    api.group(PUNJAB)
    process = await start_bot(api, db, FOCAL_QUEUES=f"punjab={PUNJAB}")
    try:
        c = Citizen(api, 4001, "en")
        await walk_to_send(c)
        api.timeout_delay = 15.0  # longer than the kill and restart take; the server waits it out at the end
        api.fail_next("sendMessage", "hang", chat_id=c.id, text_contains="PIN")  # the receipt's send hangs
        press_send(c)
        await api.wait_for(lambda: api.failures[-1].times == 0, within=20)
        await asyncio.sleep(0.3)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert len(cases(db)) == 1, "the report was stored before the receipt went out"
        assert not receipts_shown(c)
        process = await start_bot(api, db, FOCAL_QUEUES=f"punjab={PUNJAB}")
        await api.wait_for(lambda: bool(receipts_shown(c)), within=30)
        (reference, pin), *more = receipts_shown(c)
        assert not more
        assert cases(db) == [reference]
        assert reference in await check_status(c, reference, pin)
        # Delivered: the PIN is no longer kept anywhere but as the report's hash.
        await api.wait_for(lambda: outbox_receipts(db) == 0, within=10)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def test_attack_4_receipt_survives_four_failed_sends(api: FakeBotApi, tmp_path: Path) -> None:
    api.group(PUNJAB)
    async with running_bot(api, tmp_path / "bot.sqlite3", FOCAL_QUEUES=f"punjab={PUNJAB}") as bot:
        c = Citizen(api, 4002, "en")
        await walk_to_send(c)
        api.fail_next("sendMessage", "502", times=4, chat_id=c.id, text_contains="PIN")
        press_send(c)
        await api.wait_for(lambda: bool(receipts_shown(c)), within=30)
        reference, pin = receipts_shown(c)[0]
        assert cases(bot.db) == [reference]
        assert "received" in await check_status(c, reference, pin)
        assert outbox_receipts(bot.db) == 0


async def test_attack_4_the_same_report_after_a_lost_receipt_is_recognised(api: FakeBotApi, tmp_path: Path) -> None:
    api.group(PUNJAB)
    # Two whole walks in a minute are more than the flood limit lets one person send.
    env = {"FOCAL_QUEUES": f"punjab={PUNJAB}", "FLOOD_MESSAGES_PER_MINUTE": "1000"}
    async with running_bot(api, tmp_path / "bot.sqlite3", **env) as bot:
        c = Citizen(api, 4003, "en")
        await walk_to_send(c)
        # Telegram keeps failing the receipt: neither the bot's four tries nor the courier's get through.
        api.fail_next("sendMessage", "502", times=1000, chat_id=c.id, text_contains="PIN")
        press_send(c)
        await api.wait_for(lambda: api.failures[-1].times <= 1000 - 5, within=30)
        assert not receipts_shown(c)
        assert len(cases(bot.db)) == 1
        # She never saw a reference, so she reports again, the same way.
        await walk_to_send(c)
        api.failures.clear()
        press_send(c)
        await api.wait_for(lambda: bool(receipts_shown(c)), within=30)
        await asyncio.sleep(1.0)
        shown = receipts_shown(c)
        assert len({reference for reference, _ in shown}) == 1
        reference, pin = shown[0]
        assert cases(bot.db) == [reference], "a second case was made for the same report"
        assert any("already sent this report" in text for text in c.texts())
        assert reference in await check_status(c, reference, pin)
