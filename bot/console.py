"""``python main.py console``: the whole citizen flow in a terminal, with the same engine and store.

No token, no network. Buttons are numbered: type the number, or the answer itself.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.conversation import Conversations, Reply
from bot.engine.events import Question
from bot.engine.outcome import N_
from bot.engine.runner import Input
from bot.flows import FlowRegistry, ensure_published
from bot.i18n import t
from bot.plaintext import Rendered, render
from bot.storage.sqlite import SqliteStore

CHAT_KEY = "console:local"
COMMANDS = {"/back": "back", "/skip": "skip", "/cancel": "cancel"}

HELP = N_(
    "Type the number of an answer, or write the answer. Commands: /back (previous question), "
    "/skip (skip this question), /cancel (stop this report), /help, /quit."
)
STALE_FLOW = N_("Note: {path} differs from the published flow. Run 'python main.py flows publish {path}' to use it.")
STORED = N_("The report is stored in {db}.")
BYE = N_("Goodbye.")
DRAFT_KEPT = N_("Your unfinished report is kept; run the console again to continue it.")


class Console:
    def __init__(self, conversations: Conversations, lang: str, out: TextIO) -> None:
        self.conversations = conversations
        self.lang = lang
        self.out = out
        self.rendered = Rendered()

    def show(self, reply: Reply) -> None:
        self.lang = reply.lang
        rendered = render(reply.events, self.lang)
        if not any(isinstance(e, Question) for e in reply.events):
            # Only a notice (e.g. "links saved"): the question on screen, and its buttons, still stand.
            rendered.buttons = self.rendered.buttons
        self.rendered = rendered
        for block in self.rendered.lines:
            print(block, end="\n\n", file=self.out)
        self.out.flush()

    async def handle(self, line: str) -> Reply:
        text = line.strip()
        if text == "/start":
            return await self.conversations.begin(CHAT_KEY, self.lang)
        if text in self.rendered.buttons:
            return await self.conversations.answer(CHAT_KEY, Input(press=self.rendered.buttons[text]), self.lang)
        if text in COMMANDS:
            return await self.conversations.answer(CHAT_KEY, Input(command=COMMANDS[text]), self.lang)
        return await self.conversations.answer(CHAT_KEY, Input(text=line), self.lang)


async def run_console(db_path: Path, lang: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    store = SqliteStore(db_path)
    await store.open()
    try:
        live, differs = await ensure_published(store)
        console = Console(Conversations(store, FlowRegistry(store, live.flow_id)), lang, out)
        print(t(lang, HELP), end="\n\n", file=out)
        if differs:
            print(t(lang, STALE_FLOW, path="flows/report.yaml"), end="\n\n", file=out)
        console.show(await console.conversations.begin(CHAT_KEY, lang))
        while True:
            print("> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() == "/quit":
                draft = await store.load_session(CHAT_KEY)
                print(t(console.lang, BYE), file=out)
                if draft is not None:
                    print(t(console.lang, DRAFT_KEPT), file=out)
                return 0
            if line.strip() == "/help":
                print(t(console.lang, HELP), end="\n\n", file=out)
                continue
            reply = await console.handle(line.rstrip("\n"))
            console.show(reply)
            if reply.reference is not None:
                print(t(console.lang, STORED, db=str(db_path)), end="\n\n", file=out)
    finally:
        await store.close()
