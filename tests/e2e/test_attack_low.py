"""Finding 10 of issue 20: the low-severity faults found under attack, one test each.

The real Application against the offline Bot API (or ``main.py`` as a process), a real SQLite file.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sqlite3
import stat
import sys
from contextlib import closing
from pathlib import Path

import pytest_asyncio

from bot.engine.links import extract_links
from bot.logs import configure
from bot.store.keyring import new_key
from bot.telegram.focal import texts as focal_texts
from testing.citizens import Citizen, report, walk_to_send
from testing.fakeapi.server import FakeBotApi
from testing.harness import TOKEN, Running, running_bot
from tests.conftest import ROOT
from tests.e2e.conftest import ADMIN, PUNJAB
from tests.e2e.test_attack_receipts import press_send, receipts_shown
from tests.e2e.test_focal_e2e import await_one, card_in, press


@pytest_asyncio.fixture
async def bot(queues_bot: Running) -> Running:
    return queues_bot


async def test_one_reply_delivered_five_times_asks_once_end_to_end(bot: Running) -> None:
    api = bot.api
    officer = api.user(1501, "Ayesha")
    api.group(PUNJAB).add_member(officer)
    c = Citizen(api, 1502, "en")
    reference = await report(c, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    await press(api, 1501, PUNJAB, card, "Ask the citizen")
    prompt = await_one(api, PUNJAB, "reply to this message")
    # The same reply reaches the bot five times at once (Telegram's redelivery, or a forger's copies).
    message = api.add_message(
        PUNJAB, from_bot=False, text="Which phone number did he call from?", reply_to=prompt.message_id, sender_id=1501
    )
    for _ in range(5):
        api.push_update({"message": api.message_json(message)})
    await api.wait_for(lambda: any("asks:" in t for t in c.texts()), within=10)
    await asyncio.sleep(1.5)
    assert sum("Which phone number did he call from?" in t for t in c.texts()) == 1


async def test_attack_10_a_removed_member_loses_access_at_once(bot: Running) -> None:
    api = bot.api
    officer, admin = api.user(1511, "Leaving officer"), api.user(ADMIN, "Admin")
    group = api.group(PUNJAB)
    group.add_member(officer)
    c = Citizen(api, 1512, "en")
    reference = await report(c, "Punjab")
    card = await card_in(api, PUNJAB, reference)
    assert await press(api, 1511, PUNJAB, card, "Claim") == "You have claimed this case."  # membership cached
    group.remove_member(officer, by=admin)
    await asyncio.sleep(0.5)  # the service message reaches the bot
    answer = await press(api, 1511, PUNJAB, api.find(PUNJAB, card.message_id), "Resolve")
    assert answer == focal_texts.NOT_MEMBER


async def test_attack_10_a_slow_answer_on_a_card_shows_it_once(bot: Running) -> None:
    api = bot.api
    c = Citizen(api, 1521, "en")
    await walk_to_send(c)
    # Telegram shows each message at once but answers after 6 s (the client's timeout was 5 s).
    api.delays["sendMessage"] = 6.0
    press_send(c)
    await api.wait_for(lambda: bool(receipts_shown(c)), within=20)
    reference = receipts_shown(c)[0][0]
    await card_in(api, PUNJAB, reference)
    await asyncio.sleep(9.0)  # a send again after a timeout would have landed by now
    api.delays["sendMessage"] = 0.0
    shown = [m for m in api.bot_messages(PUNJAB) if reference in (m.text or "")]
    assert len(shown) == 1, f"the card was shown {len(shown)} times"
    assert len(receipts_shown(c)) == 1, "the receipt was shown twice"


async def test_attack_10_database_files_are_owner_only(bot: Running) -> None:
    c = Citizen(bot.api, 1531, "en")
    await c.says("/start")
    for suffix in ("", "-wal", "-shm"):
        path = bot.db.with_name(bot.db.name + suffix)
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name}: {oct(path.stat().st_mode)}"


async def test_attack_10_the_token_is_not_logged_at_debug(api: FakeBotApi, tmp_path: Path) -> None:
    captured = io.StringIO()
    configure("DEBUG", "json", secrets=(TOKEN,))
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)
    try:
        async with running_bot(api, tmp_path / "bot.sqlite3"):
            await Citizen(api, 1541, "en").says("/start")
    finally:
        configure("WARNING", "json")
    logged = captured.getvalue()
    assert "Set Bot API URL" in logged  # PTB's line that carried the token
    assert TOKEN.split(":")[1] not in logged


async def test_attack_10_an_unparsable_update_does_not_stop_polling(
    api: FakeBotApi, tmp_path: Path, caplog: object
) -> None:
    async with running_bot(api, tmp_path / "bot.sqlite3"):
        # A `from` without `first_name`: PTB cannot build the User, so the whole batch failed before.
        secret_words = "he has my pictures"
        api.push_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": 1551, "type": "private"},
                    "from": {"id": 1551, "is_bot": False},
                    "text": secret_words,
                }
            }
        )
        c = Citizen(api, 1552, "en")
        api.user(1552).send("/start")
        await api.wait_for(lambda: bool(c.texts()), within=10)
    text = "\n".join(r.getMessage() for r in caplog.records)  # type: ignore[attr-defined]
    assert secret_words not in text
    assert "could not be read" in text


async def run_main(db: Path, api: FakeBotApi, **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "run",
        cwd=ROOT,
        env={
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_PATH": str(db),
            "STATUS_PORT": "0",
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, "still running after 30 s"
    return process.returncode or 0, out.decode()


async def test_attack_10_a_corrupt_database_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"not a database " * 500)
    code, out = await run_main(db, api, DATA_KEY=new_key())
    assert code == 1
    assert "Traceback" not in out
    assert "file is not a database" in out


async def test_attack_10_a_missing_key_file_is_reported_not_replaced(api: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with running_bot(api, db):
        await Citizen(api, 1561, "en").says("/start")
    key_file = db.with_name(db.name + ".key")
    key_file.unlink()  # lost with a careless copy of the directory
    code, out = await run_main(db, api)
    assert code == 1
    assert "key file is missing" in out
    assert not key_file.exists(), "a new key was made that cannot open the database"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_attack_10_arabic_letter_mark_does_not_survive_link_normalisation() -> None:
    found = extract_links("see https://facebook.com/li\u061car.page now")
    assert [link.url for link in found.links] == ["https://facebook.com/liar.page"]
