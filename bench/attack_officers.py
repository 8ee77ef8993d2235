"""Two attacks of issue 20 against the real bot, timed: how long an unrelated citizen waits for a reply.

    python bench/attack_officers.py [--give-up 60]

1. Flood: one account sends 300 `/bindqueue punjab` in a group of its own and 300 `/queue` in its
   private chat; then a bystander sends /start. Printed: seconds until the bystander's reply.
2. 429: Telegram answers a Punjab card with "retry after 20"; then another citizen sends /help.
   Printed: seconds until that reply.

The offline Bot API enforces Telegram's limits (20 a minute per group, 30 a second overall). A
reply still missing after --give-up seconds prints as "> N s". To compare with an older commit,
run this file from a checkout of it (the script imports the ``bot`` package beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi
from testing.harness import running_bot

PUNJAB, SINDH, FEDERAL, OWN = -1001, -1002, -1003, -1666
QUEUES = f"punjab={PUNJAB},sindh={SINDH},undisclosed={FEDERAL}"


async def reply_seconds(api: FakeBotApi, chat_id: int, sent: float, give_up: float) -> str:
    before = len(api.bot_messages(chat_id))
    while len(api.bot_messages(chat_id)) == before:
        if time.monotonic() - sent > give_up:
            return f"> {give_up:.0f} s"
        await asyncio.sleep(0.005)
    return f"{time.monotonic() - sent:.3f} s"


@asynccontextmanager
async def bot_with_queues(**env: str) -> AsyncIterator[FakeBotApi]:
    """The real bot with the three queue groups bound, against a fresh offline Bot API."""
    api = FakeBotApi()
    await api.start()
    for chat_id in (PUNJAB, SINDH, FEDERAL):
        api.group(chat_id)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with running_bot(api, Path(tmp) / "bot.sqlite3", FOCAL_QUEUES=QUEUES, **env):
                yield api
    finally:
        await api.stop()


async def flood(give_up: float) -> str:
    async with bot_with_queues(ADMIN_IDS="9000") as api:
        attacker = api.user(6666, "Attacker")
        api.group(OWN, "Attacker's group").add_member(attacker)
        for _ in range(300):
            attacker.send_in_group(OWN, "/bindqueue punjab")
        for _ in range(300):
            attacker.send("/queue")
        await asyncio.sleep(0.5)
        sent = time.monotonic()
        api.user(7001, "Bystander").send("/start")
        waited = await reply_seconds(api, 7001, sent, give_up)
        # Printed here: with the old code, stopping the bot waits for the flood to drain.
        print(f"bystander's /start after 300+300 officer commands from one account: {waited}", flush=True)
        return waited


async def one_429(give_up: float) -> str:
    async with bot_with_queues() as api:
        api.fail_next("sendMessage", "429", retry_after=20, chat_id=PUNJAB)
        await report(Citizen(api, 1401, "en"), "Punjab")
        await api.wait_for(lambda: api.failures[-1].times == 0, within=10)  # the 429 was given
        sent = time.monotonic()
        api.user(1402, "Other").send("/help")
        waited = await reply_seconds(api, 1402, sent, give_up)
        print(f"another chat's /help after a 429 (retry after 20 s) on a Punjab card: {waited}", flush=True)
        return waited


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--give-up", type=float, default=60.0)
    parser.add_argument("--only", choices=["flood", "429"], help="run one attack (an old commit may never stop)")
    args = parser.parse_args()
    if args.only in (None, "flood"):
        await flood(args.give_up)
    if args.only in (None, "429"):
        await one_429(args.give_up)


if __name__ == "__main__":
    asyncio.run(main())
