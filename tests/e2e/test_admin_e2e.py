"""Admins change the flow from Telegram: upload, verdict, publish, pinned sessions, rollback, refusals."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest_asyncio

from testing.citizens import Citizen, button_data
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot
from tests.conftest import REPORT_FLOW

ADMIN = 9000
OLD_ACCOUNT = "In your own words, what happened? Write as much or as little as you like."
NEW_ACCOUNT = "Please tell us in your own words what happened, in as much detail as you are comfortable with."


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_bot(api, tmp_path / "bot.sqlite3", ADMIN_IDS=str(ADMIN)) as running:
        yield running


def edited_flow() -> bytes:
    source = REPORT_FLOW.read_text(encoding="utf-8")
    assert OLD_ACCOUNT in source
    return source.replace(OLD_ACCOUNT, NEW_ACCOUNT).encode()


async def upload(admin: Citizen, name: str, content: bytes) -> str:
    """Send a flow file and wait for the verdict (the golden scripts take a few seconds)."""
    seen = len(admin.texts())
    admin.user.send_document(name, content)
    await admin.api.wait_for(lambda: len(admin.texts()) > seen, within=60)
    return admin.texts()[-1]


async def begin(c: Citizen) -> None:
    await c.says("/start")
    await c.taps("English")
    await c.taps("For myself")


def audit(db: Path) -> list[tuple[int | None, str, int]]:
    with closing(sqlite3.connect(db)) as conn:
        return [(a, b, int(c)) for a, b, c in conn.execute("SELECT actor, action, allowed FROM audit ORDER BY id")]


async def test_a_citizen_mid_flow_finishes_on_the_old_revision_while_a_new_one_gets_the_new(bot: Running) -> None:
    api = bot.api
    admin, early, late = Citizen(api, ADMIN, "en"), Citizen(api, 3001, "en"), Citizen(api, 3002, "en")
    await begin(early)  # on revision 1, at "under 18?"
    verdict = await upload(admin, "report.yaml", edited_flow())
    assert "texts changed (en): account" in verdict
    assert "Conversation scripts: " in verdict and "fail" in verdict  # the golden scripts quote the old text
    message = [m for m in api.bot_messages(ADMIN) if m.reply_markup][-1]
    seen = len(admin.texts())
    admin.user.press(message.message_id, button_data(message, "Publish anyway"))
    await api.wait_for(lambda: len(admin.texts()) > seen, within=60)
    assert admin.texts()[-1].startswith("Published as revision 2.")

    await early.taps("No")
    assert early.texts()[-1].startswith(OLD_ACCOUNT)  # finishes on the revision it started on
    await begin(late)
    await late.taps("No")
    assert late.texts()[-1].startswith(NEW_ACCOUNT)

    # Rollback: new conversations get revision 1 again; the late citizen stays on revision 2.
    await admin.says("/flows")
    listing = admin.texts()[-1]
    assert "#2 " in listing and "live" in listing and "#1 " in listing
    flows_message = [m for m in api.bot_messages(ADMIN) if m.reply_markup][-1]
    before = len(api.calls)
    admin.user.press(flows_message.message_id, button_data(flows_message, "Make #1 live"))
    await admin.settle(before)
    assert admin.texts()[-1].startswith("Revision 1 is live again.")
    newest = Citizen(api, 3003, "en")
    await begin(newest)
    await newest.taps("No")
    assert newest.texts()[-1].startswith(OLD_ACCOUNT)
    await late.says("/back")
    await late.taps("No")
    assert late.texts()[-1].startswith(NEW_ACCOUNT)
    actions = [(actor, action) for actor, action, allowed in audit(bot.db) if allowed]
    assert (ADMIN, "upload_flow") in actions and (ADMIN, "publish_flow") in actions
    assert (ADMIN, "rollback_flow") in actions


async def test_a_broken_upload_is_refused_with_located_errors_and_nothing_changes(bot: Running) -> None:
    api = bot.api
    admin = Citizen(api, ADMIN, "en")
    broken = REPORT_FLOW.read_text(encoding="utf-8").replace("goto: review", "goto: reveiw", 1).encode()
    verdict = await upload(admin, "report.yaml", broken)
    assert "Not published: the file does not load." in verdict
    assert "unknown step 'reveiw' (line " in verdict
    assert not [m for m in api.bot_messages(ADMIN) if m.reply_markup]  # nothing to press
    missing_urdu = (
        REPORT_FLOW.read_text(encoding="utf-8").replace('ur: "کیا یہ اب بھی ہو رہا ہے؟"', 'ur: ""', 1).encode()
    )
    verdict = await upload(admin, "report.yaml", missing_urdu)
    assert "Not published: fix these errors" in verdict and "missing_translation" in verdict
    assert "step ongoing" in verdict
    c = Citizen(api, 3004, "en")
    await begin(c)
    await c.taps("No")
    assert c.texts()[-1].startswith(OLD_ACCOUNT)
    with closing(sqlite3.connect(bot.db)) as conn:
        assert conn.execute("SELECT count(*) FROM flow_revisions").fetchone()[0] == 1


async def test_an_upload_or_rollback_by_a_non_admin_is_refused_and_audited(bot: Running) -> None:
    api = bot.api
    stranger = Citizen(api, 3005, "en")
    reply = await upload(stranger, "report.yaml", edited_flow())
    assert reply == "Only admins can do this."
    await stranger.says("/flows")
    assert stranger.texts()[-1] == "Only admins can do this."
    stranger.user.press(stranger.api.bot_messages(3005)[-1].message_id, "a.roll.1")
    await api.wait_for(lambda: any(c == "answerCallbackQuery" for c, _ in api.calls[-3:]))
    assert [(a, b) for a, b, allowed in audit(bot.db) if not allowed] == [
        (3005, "upload_flow"),
        (3005, "flows"),
        (3005, "flow_press"),
    ]
    assert not [n for n, p in api.calls if n == "getFile"]  # a stranger's file is never even fetched


async def test_admins_are_added_and_removed_but_not_the_ones_from_the_settings(bot: Running) -> None:
    admin, helper = Citizen(bot.api, ADMIN, "en"), Citizen(bot.api, 3006, "en")
    await admin.says("/help")
    assert admin.texts()[-2].startswith("This bot lets you report") and admin.texts()[-1].startswith("Admins' commands")
    await admin.says("/stats")
    assert admin.texts()[-1].startswith("Cases: 0 in all, 0 open")
    await helper.says("/stats")
    assert helper.texts()[-1] == "Only admins can do this."
    await admin.says("/admins add 3006")
    assert admin.texts()[-1] == "3006 is now an admin."
    await helper.says("/flows")
    assert helper.texts()[-1].startswith("Revisions of the flow 'report'")
    await helper.says(f"/admins remove {ADMIN}")
    assert "admins from the settings can be removed only there" in helper.texts()[-1]
    await admin.says("/admins remove 3006")
    await helper.says("/flows")
    assert helper.texts()[-1] == "Only admins can do this."
