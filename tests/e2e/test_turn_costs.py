"""What one citizen's turn costs: one engine run and one durable write, for a press and a typed answer.

The real application over the offline Bot API with a real SQLite file; the database's one write path
and the engine's entry points are counted while the bot answers. The ledger (what a turn learns
after its reply has gone) is stopped during the count and flushed by hand afterwards, to show that
it holds what it must and writes it for many chats in one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.engine import runner
from bot.store.sqlite.store import SqliteStore
from bot.telegram.citizen.bot import CitizenBot
from testing.citizens import Citizen, last_question
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot

ENGINE_ENTRIES = ("start", "resume", "current", "submitted", "asked")


@pytest_asyncio.fixture
async def bot(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_bot(api, tmp_path / "bot.sqlite3") as running:
        yield running


class Counts:
    def __init__(self) -> None:
        self.writes = 0
        self.runs: list[str] = []

    def reset(self) -> None:
        self.writes, self.runs = 0, []


def count(monkeypatch: pytest.MonkeyPatch, store: SqliteStore) -> Counts:
    counts = Counts()
    database = store.database
    write = database.write

    async def counted_write(work: Callable[[Any], Any]) -> Any:
        counts.writes += 1
        return await write(work)

    monkeypatch.setattr(database, "write", counted_write)
    for name in ENGINE_ENTRIES:
        original = getattr(runner, name)

        def entry(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            counts.runs.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(runner, name, entry)
    return counts


async def stop_ledger(citizen: CitizenBot) -> None:
    """The ledger's loop, stopped: what it would write stays in memory until flushed by hand."""
    for task in asyncio.all_tasks():
        if task.get_name() == "ledger":
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    await citizen.ledger.flush()


async def test_a_press_and_a_typed_answer_each_cost_one_engine_run_and_one_write(
    bot: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen: CitizenBot = bot.app.bot_data["citizen"]
    store = citizen.ledger.sessions
    assert isinstance(store, SqliteStore)
    c = Citizen(bot.api, 4101, "en")
    await c.says("/start")
    await c.taps("English")
    await stop_ledger(citizen)
    counts = count(monkeypatch, store)

    await c.taps("For myself")  # a press: answered, the old question edited, the next one sent
    assert counts.writes == 1 and counts.runs == ["resume"], (counts.writes, counts.runs)
    assert any(m.edits for m in bot.api.bot_messages(c.id)), "the answered question was retired"

    counts.reset()
    await c.taps("No")
    counts.reset()
    await c.says("He sends me threats every night from a new account.")  # a typed answer
    assert counts.writes == 1 and counts.runs == ["resume"], (counts.writes, counts.runs)

    counts.reset()
    await c.says("/back")  # an engine command is a turn like a press
    assert counts.writes == 1 and counts.runs == ["resume"], (counts.writes, counts.runs)

    # What the turns learnt after their replies went out is in the ledger, not yet on disk ...
    question = last_question(bot.api, c.id)
    stored = await store.chat_state(f"tg:{c.id}")
    assert stored is not None and stored.question_message_id != question.message_id
    assert len(citizen.ledger) == 1

    # ... and one flush writes it: the question's message, and every message id for /exit.
    counts.reset()
    await citizen.ledger.flush()
    assert counts.writes == 1 and counts.runs == []
    stored = await store.chat_state(f"tg:{c.id}")
    assert stored is not None and stored.question_message_id == question.message_id
    remembered = {
        mid
        for mid, _ in await store.database.fetchall(
            "SELECT message_id, sent_at FROM chat_messages WHERE chat_key = ?", (f"tg:{c.id}",)
        )
    }
    sent = {m.message_id for m in bot.api.bot_messages(c.id)}
    assert sent <= remembered, sent - remembered


async def test_the_bookkeeping_of_many_chats_is_one_transaction(bot: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    citizen: CitizenBot = bot.app.bot_data["citizen"]
    store = citizen.ledger.sessions
    assert isinstance(store, SqliteStore)
    await stop_ledger(citizen)
    people = [Citizen(bot.api, 4200 + n, "en") for n in range(12)]
    await asyncio.gather(*(p.says("/start") for p in people))
    assert len(citizen.ledger) == len(people)
    commits = 0
    commit = store.database._commit

    def counted_commit(works: list[Any]) -> Any:
        nonlocal commits
        commits += 1
        return commit(works)

    monkeypatch.setattr(store.database, "_commit", counted_commit)
    await citizen.ledger.flush()
    assert commits == 1 and len(citizen.ledger) == 0
    for p in people:
        state = await store.chat_state(f"tg:{p.id}")
        assert state is not None and state.question_message_id == last_question(bot.api, p.id).message_id


async def test_exit_deletes_the_messages_the_ledger_has_not_written_yet(bot: Running) -> None:
    citizen: CitizenBot = bot.app.bot_data["citizen"]
    c = Citizen(bot.api, 4301, "en")
    await c.says("/start")
    await stop_ledger(citizen)
    await c.taps("English")
    await c.taps("For myself")
    assert len(citizen.ledger) == 1  # this chat's latest ids are only in memory
    await c.says("/exit")
    left = [m for m in bot.api.chat(c.id) if not m.deleted]
    assert len(left) == 1 and left[0].from_bot, [m.text for m in left]  # only the neutral exit line
