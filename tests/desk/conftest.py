"""A desk over a real SQLite file, spoken to over ASGI in the test's own event loop.

Two queues (Punjab, Sindh), an officer registered for each (Ayesha 501 for Punjab, Bilal 502 for
Sindh), an admin from the settings (9000), and helpers that sign a user in with a real one-time link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest_asyncio

from bot.cases.casework import Actor, Casework
from bot.cases.flows import FlowRegistry, ensure_published
from bot.config import Settings
from bot.desk.app import build_desk
from bot.desk.passes import Passes
from bot.desk.roles import Roles
from bot.desk.services import DeskServices
from bot.engine.session import COMPLETED, Session
from bot.paths import FLOWS_DIR
from bot.store.ports import Books
from bot.store.records import NewFile, NewReport, StoredReport
from bot.store.sqlite.store import SqliteStore

AYESHA, BILAL, ADMIN, STRANGER = 501, 502, 9000, 777
CITIZEN = "tg:2001"


@dataclass
class Desk:
    store: SqliteStore
    books: Books
    services: DeskServices
    passes: Passes
    changes: list[tuple[int, str, str | None]] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=build_desk(self.services))
        return httpx.AsyncClient(transport=transport, base_url="http://desk.test")

    async def signed_in(self, user_id: int, name: str = "Officer", lang: str = "en") -> httpx.AsyncClient:
        """A client holding a session opened with a real link, as the bot would have sent it."""
        token = await self.passes.issue(user_id, name)
        client = self.client()
        response = await client.post("/signin", data={"t": token, "lang": lang})
        assert response.status_code == 303, response.text
        return client

    async def case(self, report_id: int) -> StoredReport:
        found = await self.books.cases.case(report_id)
        assert found is not None
        return found

    async def submit(
        self,
        reference: str,
        queue: str = "punjab",
        *,
        minor: bool = False,
        chat_key: str | None = CITIZEN,
        files: tuple[NewFile, ...] = (),
    ) -> int:
        revision = await self.store.live_revision("report")
        assert revision is not None
        session = Session(flow_id="report", revision=revision.id, lang="en", step="", status=COMPLETED)
        report = NewReport(
            reference=reference,
            pin="246810",
            flow_id="report",
            revision_id=revision.id,
            chat_key=chat_key,
            language="en",
            category="blackmail",
            province=queue,
            minor=minor,
            answers={"account": "He says he will post my photos unless I pay.", "contact": "bot"},
            created_at="2026-11-28T10:00:00+00:00",
            queue=queue,
            priority=minor,
            files=files,
        )
        report_id = await self.store.commit_step(chat_key or f"anonymous:{reference}", session, report)
        assert report_id is not None
        return report_id


@pytest_asyncio.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    store = SqliteStore(tmp_path / "bot.sqlite3")
    await store.open()
    try:
        books = store.books(frozenset({ADMIN}))
        await books.admins.load()
        flows = FlowRegistry(store)
        await ensure_published(store, FLOWS_DIR / "report.yaml", registry=flows)
        await books.cases.bind("punjab", -100, "en", ADMIN)
        await books.cases.bind("sindh", -200, "en", ADMIN)
        await books.cases.add_officer("punjab", AYESHA, ADMIN)
        await books.cases.add_officer("sindh", BILAL, ADMIN)

        async def may_act(user_id: int, queue: str) -> bool:
            # Registered officers only: group membership is asked of Telegram, which the browser test covers.
            return queue in await books.cases.officer_queues(user_id)

        passes = Passes(books.desk)
        changes: list[tuple[int, str, str | None]] = []

        async def changed(report: StoredReport, actor: Actor, old_queue: str | None) -> None:
            changes.append((report.id, report.status, old_queue))

        services = DeskServices(
            books,
            flows,
            Casework.over(books),
            Roles(books.cases, books.admins.load, may_act),
            passes,
            Settings(bot_token="1:x", desk_port=1, desk_url="http://desk.test"),
            changed,
        )
        yield Desk(store, books, services, passes, changes)
    finally:
        await store.close()
