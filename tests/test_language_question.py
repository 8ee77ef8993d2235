"""The language question answered in words that name no language (bot/cases/language_question.py): what a
citizen writes chooses for her, so nobody is held at the first question, and a danger phrase still gets the
safety text first."""

from __future__ import annotations

import pytest

from bot.cases.conversation import Conversations, Reply
from bot.cases.flows import FlowRegistry
from bot.engine.events import Answered, Notice, Question, Safety
from bot.engine.runner import Input
from bot.store.memory.store import MemoryStore
from tests.conftest import REPORT_FLOW

CHAT = "tg:77"


async def started() -> Conversations:
    store = MemoryStore()
    await store.publish("report", REPORT_FLOW.read_text(encoding="utf-8"), "test")
    conversations = Conversations(store, FlowRegistry(store))
    reply = await conversations.begin(CHAT, "en")
    assert reply.session is not None and reply.session.step == "language"
    return conversations


def asked(reply: Reply) -> str | None:
    return next((e.step for e in reply.events if isinstance(e, Question)), None)


@pytest.mark.parametrize(
    ("typed", "lang"),
    [("mere liye", "roman"), ("میری مدد کریں", "ur"), ("I need help with a fake account", "en")],
)
async def test_words_clearly_in_one_language_choose_it_at_once(typed: str, lang: str) -> None:
    conversations = await started()
    reply = await conversations.answer(CHAT, Input(text=typed))
    assert reply.session is not None and reply.session.lang == lang
    assert reply.session.answers["language"] == lang
    assert asked(reply) == "reporter"
    assert any(isinstance(e, Answered) and e.step == "language" for e in reply.events)


async def test_an_unclear_word_is_asked_again_and_the_third_one_moves_on_in_its_likely_language() -> None:
    conversations = await started()
    for _ in range(2):
        reply = await conversations.answer(CHAT, Input(text="salam"))  # a greeting: Roman Urdu, but not sure
        assert reply.session is not None and reply.session.step == "language"
        assert any(isinstance(e, Notice) for e in reply.events)
    reply = await conversations.answer(CHAT, Input(text="salam"))
    assert reply.session is not None and reply.session.answers["language"] == "roman"
    assert asked(reply) == "reporter"


async def test_signs_that_say_nothing_move_on_in_the_language_listed_first_after_three_tries() -> None:
    conversations = await started()
    for _ in range(2):
        reply = await conversations.answer(CHAT, Input(text="???"))
        assert reply.session is not None and reply.session.step == "language"
    reply = await conversations.answer(CHAT, Input(text="???"))
    assert reply.session is not None and reply.session.answers["language"] == "en"  # the chat's language so far


async def test_an_option_typed_is_still_the_option_and_a_danger_phrase_gets_the_safety_text() -> None:
    conversations = await started()
    reply = await conversations.answer(CHAT, Input(text="english"))
    assert reply.session is not None and reply.session.lang == "en" and asked(reply) == "reporter"
    conversations = await started()
    reply = await conversations.answer(CHAT, Input(text="I want to kill myself"))
    assert any(isinstance(e, Safety) for e in reply.events)
    assert reply.session is not None and reply.session.step == "language"  # asked again, below the safety text
