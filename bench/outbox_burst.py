"""A burst of N cases into one queue, against the offline Bot API enforcing 20 messages/min per group.

    python bench/outbox_burst.py [N]        (default 1000)

Stores N submitted reports (each with its outbox entry, as a submission does), starts the real bot
with the queue bound, and prints: the time until the last case is visible in the group, the
messages sent, the most messages the group saw in any 60 s window, the 429s Telegram would have
answered, and the lower bound the limit allows for N cases at 30 cases per digest.
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.telegram.card import DIGEST_SIZE
from testing.fakeapi.server import FakeBotApi
from testing.harness import running_bot
from testing.seeding import seed_cases

GROUP = -1001


async def main(count: int) -> None:
    api = FakeBotApi()
    await api.start()
    api.group(GROUP, "Punjab queue")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.sqlite3"
        print(f"seeding {count} submitted cases …", flush=True)
        references = list(await seed_cases(db, count))
        started = time.monotonic()
        last_print = started
        async with running_bot(api, db, FOCAL_QUEUES=f"punjab={GROUP}"):
            missing = set(references)
            while missing:
                seen = "\n".join(m.text or "" for m in api.bot_messages(GROUP))
                missing = {r for r in missing if r not in seen}
                now = time.monotonic()
                if now - last_print >= 10:
                    print(f"  {now - started:5.1f} s: {count - len(missing)}/{count} visible", flush=True)
                    last_print = now
                if now - started > 900:
                    break
                await asyncio.sleep(0.2)
            elapsed = time.monotonic() - started
        sent = len(api.bot_messages(GROUP))
        messages_needed = math.ceil(count / DIGEST_SIZE)
        lower = max(0, math.ceil(messages_needed / 20) - 1) * 60
        print(f"cases: {count}, all visible: {'yes' if not missing else f'no ({len(missing)} missing)'}")
        print(f"time until the last case was visible: {elapsed:.1f} s")
        print(f"messages sent into the group: {sent} (at least {messages_needed} needed at {DIGEST_SIZE} per digest)")
        print(f"lower bound the 20/min limit allows: {lower} s; ours ÷ bound: {elapsed / lower:.2f}" if lower else "")
        print(f"most messages in any 60 s window: {api.max_in_window(GROUP, 60.0)} (limit 20)")
        print(f"429s the offline API answered: {api.limit_violations}")
    await api.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
