"""The Telegram adapter's small parts: bound callback data, rendering, locks, flood control, settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.engine.events import Button, Message, Notice, Question
from bot.engine.outcome import Reason
from bot.telegram.callback_data import StepPress
from bot.telegram.guard import ChatLocks, FloodControl
from bot.telegram.render import MAX_CHARS, render, split


def test_callback_data_binds_session_and_step_and_fits_64_bytes() -> None:
    data = StepPress.of("a1b2c3", "x" * 32, ":edit:" + "y" * 32).data
    assert len(data.encode()) <= 64
    press = StepPress.parse(data)
    assert press is not None and press.button == ":edit:" + "y" * 32
    assert press.matches("a1b2c3", "x" * 32)
    assert not press.matches("a1b2c4", "x" * 32)
    assert not press.matches("a1b2c3", "other")
    assert StepPress.parse("garbage") is None and StepPress.parse("..") is None


def test_every_text_is_escaped_for_html() -> None:
    events = [
        Message("<b>bold</b> & </a>"),
        Question("account", "text", "Say <i>it</i>", controls=(Button(":skip", "Skip & go"),)),
    ]
    out = render(events, "abc123", "en")  # type: ignore[arg-type]
    assert out.messages[0].text == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;/a&gt;"
    assert out.messages[1].text == "Say &lt;i&gt;it&lt;/i&gt;"


def test_long_text_is_split_under_the_limit_on_paragraphs() -> None:
    text = ("word " * 300 + "\n\n") * 10
    pieces = split(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_CHARS for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert split("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_a_refused_answer_sends_the_reason_without_repeating_the_question() -> None:
    events = [Notice(Reason("Please type your answer in a message.")), Question("account", "text", "Q", repeat=True)]
    out = render(events, "s", "ur")  # type: ignore[arg-type]
    assert [m.text for m in out.messages] == ["اپنا جواب لکھ کر بھیجیں۔"]


async def test_chat_locks_serialise_one_chat_and_are_pruned() -> None:
    locks, order = ChatLocks(), []

    async def work(chat: int, tag: str, delay: float) -> None:
        async with locks.hold(chat):
            order.append(f"{tag}+")
            await asyncio.sleep(delay)
            order.append(f"{tag}-")

    await asyncio.gather(work(1, "a", 0.02), work(1, "b", 0), work(2, "c", 0))
    assert order.index("a-") < order.index("b+")
    assert len(locks) == 0


def test_flood_control_allows_the_limit_per_minute_then_warns_once() -> None:
    now = [0.0]
    flood = FloodControl(3, clock=lambda: now[0])
    assert [flood.allow(7) for _ in range(4)] == [True, True, True, False]
    assert flood.first_warning(7) and not flood.first_warning(7)
    now[0] = 61.0
    assert flood.allow(7)


def test_settings_name_the_bad_setting(tmp_path: Path) -> None:
    none = tmp_path / "absent.env"
    with pytest.raises(ConfigError, match="BOT_TOKEN is not set"):
        load_settings({}, none)
    with pytest.raises(ConfigError, match="BOT_TOKEN does not look like"):
        load_settings({"BOT_TOKEN": "nope"}, none)
    good = {"BOT_TOKEN": "123:ABCDEFG"}
    with pytest.raises(ConfigError, match="FOCAL_QUEUES entry 'punjab=1001'"):
        load_settings({**good, "FOCAL_QUEUES": "punjab=1001"}, none)
    with pytest.raises(ConfigError, match="card language must be ur or en, not 'fr'"):
        load_settings({**good, "FOCAL_QUEUES": "punjab=-1001:fr"}, none)
    with pytest.raises(ConfigError, match="ADMIN_IDS"):
        load_settings({**good, "ADMIN_IDS": "12,abc"}, none)
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings({**good, "LOG_LEVEL": "LOUD"}, none)
    settings = load_settings({**good, "FOCAL_QUEUES": "punjab=-1001:ur, undisclosed=-1002", "ADMIN_IDS": "5,6"}, none)
    assert settings.focal_queues == {"punjab": -1001, "undisclosed": -1002}
    assert settings.queue_languages == {"punjab": "ur", "undisclosed": "en"}
    assert settings.admin_ids == frozenset({5, 6})


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nBOT_TOKEN='123:FROMFILE'\nDATABASE_PATH=x.sqlite3\n", encoding="utf-8")
    settings = load_settings({"DATABASE_PATH": "y.sqlite3"}, env_file)
    assert settings.bot_token == "123:FROMFILE" and str(settings.database_path) == "y.sqlite3"
    env_file.write_text("JUSTAWORD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=":1: expected KEY=VALUE"):
        load_settings({}, env_file)
