"""A chat's state never goes back: with several instances, a slower one must not overwrite the state
another saved for a newer update of the same chat."""

from __future__ import annotations

from bot.engine.session import Session
from bot.store.base import Store
from bot.store.records import ChatState
from tests.store.contract.helpers import FLOW, FLOW_SOURCE

CHAT = "tg:1001"


async def draft(store: Store, step: str) -> Session:
    revision = await store.live_revision(FLOW) or await store.publish(FLOW, FLOW_SOURCE, "admin")
    return Session(flow_id=FLOW, revision=revision.id, lang="en", step=step)


async def test_a_state_of_an_older_update_does_not_replace_a_newer_one(store: Store) -> None:
    newer = ChatState(CHAT, "ur", last_update_id=42, question_message_id=9)
    await store.save_chat_state(newer)

    await store.save_chat_state(ChatState(CHAT, "en", last_update_id=41, question_message_id=3), remember=[5, 6])

    assert await store.chat_state(CHAT) == newer
    # The messages the older turn sent are still recorded: a quick exit must delete them too.
    assert await store.forget_messages(CHAT) == [(5, 0.0), (6, 0.0)]


async def test_a_state_of_the_same_or_a_newer_update_replaces_it(store: Store) -> None:
    await store.save_chat_state(ChatState(CHAT, "ur", last_update_id=42))
    gone = ChatState(CHAT, "ur", active=False, last_update_id=42)  # the user blocked the bot: same update id
    await store.save_chat_state(gone)
    assert await store.chat_state(CHAT) == gone

    newer = ChatState(CHAT, "en", last_update_id=43, question_message_id=11)
    await store.save_chat_state(newer)
    assert await store.chat_state(CHAT) == newer


async def test_each_chat_is_compared_with_its_own_state(store: Store) -> None:
    await store.save_chat_state(ChatState(CHAT, "ur", last_update_id=42))
    other = ChatState("tg:2002", "en", last_update_id=7)
    await store.save_chat_state(other)
    assert await store.chat_state("tg:2002") == other


async def test_a_step_of_an_older_update_saves_its_session_but_not_its_chat_state(store: Store) -> None:
    newer = ChatState(CHAT, "ur", last_update_id=42, question_message_id=9)
    await store.save_chat_state(newer)
    step = await draft(store, "account")

    await store.commit_step(CHAT, step, chat=ChatState(CHAT, "en", last_update_id=40))

    assert await store.chat_state(CHAT) == newer
    assert await store.load_session(CHAT) == step


async def test_a_step_of_the_same_or_a_newer_update_saves_its_chat_state(store: Store) -> None:
    await store.save_chat_state(ChatState(CHAT, "ur", last_update_id=42))
    same = ChatState(CHAT, "ur", last_update_id=42, question_message_id=12)
    await store.commit_step(CHAT, await draft(store, "account"), chat=same)
    assert await store.chat_state(CHAT) == same

    newer = ChatState(CHAT, "ur", last_update_id=43, question_message_id=13)
    await store.commit_step(CHAT, await draft(store, "platform"), chat=newer)
    assert await store.chat_state(CHAT) == newer
