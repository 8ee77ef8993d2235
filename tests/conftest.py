"""Shared fixtures: the default flow, loaded once, a clock fixed for date answers, and a SQLite store
with a flow revision published (files that need another store define their own ``store``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio

from bot.engine.loader import load_flow
from bot.engine.model import Flow
from bot.store.sqlite.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
REPORT_FLOW = ROOT / "flows" / "report.yaml"
TODAY = date(2026, 11, 28)


def pytest_sessionstart(session: pytest.Session) -> None:
    """PostgreSQL runs on every machine of this project and in CI: without it the run stops here, in one
    line, rather than skipping its tests or failing each of them with a connection error."""
    import socket
    from urllib.parse import urlsplit

    from tests.store.postgres.server import DATABASE_URL

    where = urlsplit(DATABASE_URL)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 5432), timeout=5).close()
    except OSError as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {where.hostname}:{where.port or 5432} ({exc}); "
            "every machine of this project runs it (TEST_DATABASE_URL to point elsewhere)",
            returncode=1,
        )


@pytest.fixture(scope="session")
def report_source() -> str:
    return REPORT_FLOW.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def report_flow(report_source: str) -> Flow:
    return load_flow(report_source)


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """A real SQLite file, migrated, with revision 1 of the report flow live (reports point at it)."""
    s = SqliteStore(tmp_path / "bot.sqlite3")
    await s.open()
    await s.publish("report", "spec_version: 1\nid: report\n", "test")
    try:
        yield s
    finally:
        await s.close()
