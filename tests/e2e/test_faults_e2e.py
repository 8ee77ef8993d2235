"""A handler that fails answers in its own role's chat, and the log says where (file:line), never what was typed."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import t
from bot.logs import JsonFormatter
from bot.telegram.admin import texts as admin_texts
from bot.telegram.admin.commands import AdminCommands
from bot.telegram.citizen import texts as citizen_texts
from bot.telegram.citizen.commands import CommandHandlers
from bot.telegram.focal import texts as focal_texts
from bot.telegram.focal.commands import OfficerCommands
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot
from tests.e2e.conftest import ADMIN, PUNJAB, QUEUES

SECRET = "Zarmeena 03001234567"  # what a citizen might have typed; must never reach the log


async def broken(self: object, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise RuntimeError(SECRET)


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    # One handler of each role fails: /queue (officer), /stats (admin), /privacy (citizen).
    # Patched where each handler lives: FocalBot and AdminBot register their parts' methods.
    monkeypatch.setattr(OfficerCommands, "on_queue", broken)
    monkeypatch.setattr(AdminCommands, "on_stats", broken)
    monkeypatch.setattr(CommandHandlers, "on_privacy", broken)
    api.group(PUNJAB, "Punjab queue")
    async with running_bot(api, tmp_path / "bot.sqlite3", FOCAL_QUEUES=QUEUES, ADMIN_IDS=str(ADMIN)) as running:
        yield running


def texts_in(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m.text or "" for m in api.bot_messages(chat_id)]


async def test_each_role_is_answered_in_its_own_chat_and_words(bot: Running, caplog: pytest.LogCaptureFixture) -> None:
    api = bot.api
    officer = api.user(501, "Ayesha")
    api.group(PUNJAB).add_member(officer)
    citizen, admin = api.user(1101, "Amna"), api.user(ADMIN, "Admin")
    caplog.set_level(logging.ERROR, logger="bot.telegram.errors")

    officer.send_in_group(PUNJAB, "/queue")
    await api.wait_for(lambda: t("en", focal_texts.FAULT) in texts_in(api, PUNJAB))
    admin.send("/stats")
    await api.wait_for(lambda: t("en", admin_texts.FAULT) in texts_in(api, ADMIN))
    citizen.send("/privacy")
    await api.wait_for(lambda: t("en", citizen_texts.APOLOGY) in texts_in(api, 1101))

    # Nobody gets another role's words: the queue group never sees the citizen's apology, and so on.
    assert t("en", citizen_texts.APOLOGY) not in texts_in(api, PUNJAB) + texts_in(api, ADMIN)
    assert t("en", focal_texts.FAULT) not in texts_in(api, 1101) + texts_in(api, ADMIN)
    assert t("en", admin_texts.FAULT) not in texts_in(api, 1101) + texts_in(api, PUNJAB)

    failed = [r for r in caplog.records if r.getMessage().endswith("handler failed")]
    assert sorted(getattr(r, "role", "") for r in failed) == ["admin", "citizen", "officer"]
    for record in failed:
        entry = json.loads(JsonFormatter().format(record))
        # Where it failed, as an operator needs it: this file's line of the failing handler.
        assert entry["error"] == "RuntimeError"
        assert entry["where"] == f"tests/e2e/test_faults_e2e.py:{broken.__code__.co_firstlineno + 1} in broken"
        assert entry["handler"].endswith("broken")
        assert SECRET not in json.dumps(entry) and "0300" not in json.dumps(entry)
