"""Shared fixtures: the default flow, loaded once, and a clock fixed for date answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.engine.loader import load_flow
from bot.engine.model import Flow

ROOT = Path(__file__).resolve().parent.parent
REPORT_FLOW = ROOT / "flows" / "report.yaml"
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="session")
def report_source() -> str:
    return REPORT_FLOW.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def report_flow(report_source: str) -> Flow:
    return load_flow(report_source)
