"""Faults found under attack on the officers' side (issue 20, findings 2, 3 and 7), end to end.

The real Application against the offline Bot API with Telegram's limits on (20 messages a minute per
group, 30 a second overall), and a real SQLite file. Each test reproduces an attack as it was found.
The bounds below are liveness bounds (the attacks held replies for a minute or more), not timings:
``bench/attack_officers.py`` measures the figures.
"""

from __future__ import annotations

import asyncio
import time

import pytest_asyncio

from testing.citizens import Citizen, report
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running
from tests.e2e.conftest import ADMIN, PUNJAB, SINDH
from tests.e2e.test_focal_e2e import card_in, cards, case


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    return queues_bot


async def first_reply_after(api: FakeBotApi, chat_id: int, sent_at: float, within: float) -> float:
    """Seconds from ``sent_at`` until the bot's first message into ``chat_id`` sent after it."""
    before = len(api.bot_messages(chat_id))
    await api.wait_for(lambda: len(api.bot_messages(chat_id)) > before, within=within)
    return time.monotonic() - sent_at


async def test_attack_2_officer_command_flood_does_not_stall_other_citizens(bot: Running) -> None:
    api = bot.api
    # The attacker added the bot to a group of his own, and also floods it from a private chat.
    own_group = api.group(-1666, "Attacker's group")
    attacker = api.user(6666, "Attacker")
    own_group.add_member(attacker)
    for _ in range(300):
        attacker.send_in_group(-1666, "/bindqueue punjab")
    for _ in range(300):
        attacker.send("/queue")
    bystander = api.user(7001, "Bystander")
    await asyncio.sleep(0.5)  # the flood is in the bot's hands before the bystander speaks
    bystander.send("/start")
    # Before the fix the bystander had no answer within 60 s (the flood held every update slot).
    await first_reply_after(api, 7001, time.monotonic(), within=15)
    # A group that is not a queue heard nothing at all, and the private flood got few replies.
    await asyncio.sleep(0.5)
    assert not api.bot_messages(-1666)
    assert len(api.bot_messages(6666)) <= 5


async def test_attack_2_refusal_in_a_queue_group_never_waits_for_the_window(bot: Running) -> None:
    api = bot.api
    member = api.user(6667, "Member")
    api.group(PUNJAB).add_member(member)
    # More refusals than the bot has update slots (256), each of which used to wait for the window.
    for _ in range(300):
        member.send_in_group(PUNJAB, "/bindqueue sindh")  # refused: not an admin
    await asyncio.sleep(0.5)
    api.user(7002, "Bystander").send("/start")
    await first_reply_after(api, 7002, time.monotonic(), within=15)
    # The group got at most its window's worth of refusals; none waited for the next minute.
    await asyncio.sleep(1.0)
    assert api.max_in_window(PUNJAB) <= 20
    assert api.limit_violations == 0


async def test_attack_3_case_command_never_shows_another_queues_card(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1301, "en")
    reference = await report(c, "Sindh")
    await card_in(api, SINDH, reference)
    # An admin in the Punjab group, and an officer registered for Sindh who is also a Punjab member.
    admin = api.user(ADMIN, "Admin")
    api.group(PUNJAB).add_member(admin)
    sindh_officer = api.user(1302, "Sindh officer")
    api.group(PUNJAB).add_member(sindh_officer)
    admin_chat = Citizen(api, ADMIN, "en")
    await admin_chat.says("/focal add sindh 1302")
    assert admin_chat.texts()[-1] == "Done."
    admin.send_in_group(PUNJAB, f"/case {reference}")
    sindh_officer.send_in_group(PUNJAB, f"/case {reference}")
    await api.wait_for(
        lambda: (
            sum("No case has that reference" in (m.text or "") for m in api.bot_messages(PUNJAB)) >= 2
            or bool(cards(api, PUNJAB, reference))
        ),
        within=10,
    )
    await asyncio.sleep(0.5)
    assert not cards(api, PUNJAB, reference), "the Sindh card was posted to every Punjab member"
    assert not [m for m in api.bot_messages(PUNJAB) if reference in (m.text or "") and "Account" in (m.text or "")]
    # Both refusals are in the audit trail of the case.
    _, trail = await case(bot.db, reference)
    refused = [e for e in trail if e.action == "case" and not e.allowed]
    assert len(refused) == 2
    # In a private chat the admin and the Sindh officer still open it.
    await admin_chat.says(f"/case {reference}")
    assert cards(api, ADMIN, reference)


async def test_attack_7_a_429_in_one_chat_does_not_pause_the_others(bot: Running) -> None:
    api = bot.api
    # Telegram answers the Punjab card with "retry after 60".
    api.fail_next("sendMessage", "429", retry_after=60, chat_id=PUNJAB)
    c = Citizen(api, 1401, "en")
    await report(c, "Punjab")
    await api.wait_for(lambda: api.failures[-1].times == 0, within=10)  # the 429 was given
    other = api.user(1402, "Other citizen")
    sent = time.monotonic()
    other.send("/help")
    # Before the fix the whole bot paused for the 60 s Telegram asked of one group.
    waited = await first_reply_after(api, 1402, sent, within=15)
    assert waited < 15
    # The Punjab group itself does wait: its card is not sent again within the pause.
    await asyncio.sleep(1.0)
    assert not cards(api, PUNJAB, (await c_reference(c)))


async def c_reference(c: Citizen) -> str:
    return next(t for t in reversed(c.texts()) if "Reference number: " in t).split("Reference number: ")[1].split()[0]
