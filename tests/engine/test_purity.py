"""The engine must stay pure: no event loop, database or Telegram code reachable from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bot.engine

FORBIDDEN = ("asyncio", "aiosqlite", "telegram", "sqlite3", "socket", "httpx")


def test_engine_modules_import_nothing_forbidden_even_indirectly() -> None:
    engine_dir = Path(bot.engine.__file__).parent
    modules = sorted(f"bot.engine.{p.stem}" for p in engine_dir.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys, importlib\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"the engine pulls in {result.stdout.strip()}"
    assert len(modules) >= 10


def test_engine_imports_only_engine_modules_of_the_package() -> None:
    engine_dir = Path(bot.engine.__file__).parent
    offenders = []
    for path in engine_dir.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("from bot.", "import bot.")) and not stripped.startswith(
                ("from bot.engine", "import bot.engine")
            ):
                offenders.append(f"{path.name}: {stripped}")
    assert offenders == []
