"""``python main.py console``: the whole citizen flow in a terminal, with the same engine and store.

No token, no network. Buttons are numbered: type the number, or the answer itself. The commands
are the Telegram bot's (/back, /skip, /done, /send, /cancel, /status, /exit, /help), so what the
welcome text teaches works here too.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.bidi import isolate
from bot.cases.conversation import Conversations, Reply
from bot.cases.flows import FlowRegistry, ensure_published
from bot.cases.plaintext import Rendered, render
from bot.config import match_key_environment
from bot.engine.events import Question
from bot.engine.outcome import N_
from bot.engine.runner import Input
from bot.i18n import t
from bot.store.match_key import load_match_key
from bot.store.sqlite.store import SqliteStore
from bot.telegram.citizen.status import status_line
from bot.telegram.citizen.texts import STATUS_NONE

CHAT_KEY = "console:local"
COMMANDS = {"/back": "back", "/skip": "skip", "/cancel": "cancel", "/done": "done", "/send": "send"}

HELP = N_(
    "Type the number of an answer, or write the answer. Commands: /back (previous question), "
    "/skip (skip this question), /done (finish sending links), /send (send the report), /cancel (stop this "
    "report), /status (your reports), /exit (delete the unfinished report and clear the screen), /help, /quit."
)
UNKNOWN = N_("{command} is not a command here. Send /help to see the commands.")
EXITED = N_("The unfinished report was deleted. Reports already sent are kept.")
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
            print(isolate(block), end="\n\n", file=self.out)
        self.out.flush()

    async def handle(self, line: str) -> Reply | None:
        """One typed line; None when it was a console command answered here (help, status, unknown)."""
        text = line.strip()
        command = text.split()[0].lower() if text.startswith("/") else ""
        if command == "/start":
            return await self.conversations.begin(CHAT_KEY, self.lang)
        if text in self.rendered.buttons:
            return await self.conversations.answer(CHAT_KEY, Input(press=self.rendered.buttons[text]), self.lang)
        if command in COMMANDS:
            return await self.conversations.answer(CHAT_KEY, Input(command=COMMANDS[command]), self.lang)
        if command == "/help":
            self.say(t(self.lang, HELP))
        elif command == "/status":
            await self.status()
        elif command:
            # Never an answer: "/foo" typed at "what happened?" must not become the account.
            self.say(t(self.lang, UNKNOWN, command=command[:32]))
        else:
            return await self.conversations.answer(CHAT_KEY, Input(text=line), self.lang)
        return None

    def say(self, text: str) -> None:
        print(isolate(text), end="\n\n", file=self.out)
        self.out.flush()

    async def status(self) -> None:
        reports = await self.conversations.store.reports_for_chat(CHAT_KEY)
        lines = [status_line(self.lang, r) for r in reports[-10:]] or [t(self.lang, STATUS_NONE)]
        self.say("\n".join(lines))

    async def exit(self) -> None:
        """/exit: the unfinished report goes, and so does what the terminal shows (when it is one)."""
        await self.conversations.drop(CHAT_KEY)
        if self.out.isatty():
            print("\033[3J\033[H\033[2J", end="", file=self.out)
        self.say(t(self.lang, EXITED))


async def run_console(db_path: Path, lang: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    store = SqliteStore(db_path)
    await store.open()
    try:
        live, differs = await ensure_published(store)
        match_key = load_match_key(db_path, match_key_environment())  # the bot's own: console reports connect too
        console = Console(Conversations(store, FlowRegistry(store, live.flow_id), match_key=match_key), lang, out)
        print(isolate(t(lang, HELP)), end="\n\n", file=out)
        if differs:
            print(isolate(t(lang, STALE_FLOW, path="flows/report.yaml")), end="\n\n", file=out)
        console.show(await console.conversations.begin(CHAT_KEY, lang))
        while True:
            print("> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() == "/quit":
                draft = await store.load_session(CHAT_KEY)
                print(isolate(t(console.lang, BYE)), file=out)
                if draft is not None:
                    print(isolate(t(console.lang, DRAFT_KEPT)), file=out)
                return 0
            if line.strip().lower() == "/exit":
                await console.exit()
                return 0
            reply = await console.handle(line.rstrip("\n"))
            if reply is None:
                continue
            console.show(reply)
            if reply.reference is not None:
                print(isolate(t(console.lang, STORED, db=str(db_path))), end="\n\n", file=out)
    finally:
        await store.close()
