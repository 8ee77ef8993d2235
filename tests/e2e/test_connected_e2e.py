"""Connected cases end to end: citizens naming the same account in their own spellings, and the case card in
the queue group naming the other reports of its queue (those of other queues only counted).

The real Application against the offline Bot API, and a real SQLite file.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest_asyncio

from bot.store.match_key import match_key_file_for
from testing.citizens import Citizen, report
from testing.harness import Running
from tests.e2e.conftest import PUNJAB, SINDH
from tests.e2e.test_focal_e2e import card_in


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    return queues_bot


async def test_two_citizens_naming_one_handle_in_different_spellings_see_their_cases_connected(
    bot: Running, tmp_path: Path
) -> None:
    api = bot.api
    amna, sana, zara = Citizen(api, 1201, "en"), Citizen(api, 1202, "en"), Citizen(api, 1203, "en")
    first = await report(amna, "Punjab", links="https://example.org/post/1", suspects="@Bad.Guy99")
    elsewhere = await report(zara, "Sindh", links="https://example.org/post/2", suspects="his id is @bad.guy99")
    second = await report(
        sana, "Punjab", links="see instagram.com/bad.guy99/ please", suspects="I do not know his real name"
    )

    card = await card_in(api, PUNJAB, second)
    text = card.text or ""
    assert f"1 other report names this account: {first}" in text
    assert "1 other report names this account (in other queues)" in text
    assert elsewhere not in text  # a Sindh case: the Punjab group is told it exists, not its reference
    # The first card went out before anyone else named the account: it names nobody.
    (first_card,) = [m for m in api.bot_messages(PUNJAB) if f"Case {first}" in (m.text or "")]
    assert "this account" not in (first_card.text or "")
    await card_in(api, SINDH, elsewhere)

    # Kept as keyed hashes only, under a key of its own beside the database (owner-only).
    database = tmp_path / "bot.sqlite3"
    assert match_key_file_for(database).stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(database)) as conn:
        keys = [str(row[0]) for row in conn.execute("SELECT key FROM case_keys")]
    assert keys and all(re.fullmatch("[0-9a-f]{64}", key) for key in keys)
    stored = b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists()).lower()
    assert b"bad.guy99" not in stored  # neither as a key nor in the (sealed) answers and links
