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
