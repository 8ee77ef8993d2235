"""The layers run one way: adapters (telegram, cli) -> domain (cases) -> storage ports (store) -> engine.

Checked from the source, as the engine's purity test does: every import statement of every module,
including imports inside functions, so a late import cannot slip a dependency past the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# package -> module prefixes none of its modules may import, and why
RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "store": (("bot.cases", "bot.telegram", "bot.cli", "telegram"), "storage knows no domain and no adapter"),
    "cases": (
        ("bot.telegram", "bot.cli", "telegram", "aiosqlite", "sqlite3", "bot.store.sqlite"),
        "the domain is written against the storage ports, for any backend and any adapter",
    ),
    "engine": (("bot.cases", "bot.store", "bot.telegram", "bot.cli"), "the engine is pure"),
    "desk": (
        ("bot.store.sqlite", "bot.store.postgres", "bot.store.memory", "aiosqlite", "asyncpg", "sqlite3", "bot.cli"),
        "the desk is an adapter over the domain services and the storage ports, for any backend",
    ),
}


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative imports made absolute."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(layer: str, root: Path = BOT) -> list[str]:
    forbidden, _ = RULES[layer]
    out = []
    for path in sorted((root / layer).rglob("*.py")):
        for line, module in imports(path, root):
            if any(module == prefix or module.startswith(prefix + ".") for prefix in forbidden):
                out.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return sorted(set(out))


@pytest.mark.parametrize("layer", sorted(RULES))
def test_no_layer_imports_the_layers_above_it(layer: str) -> None:
    assert violations(layer) == [], RULES[layer][1]


def test_the_check_sees_relative_and_late_imports(tmp_path: Path) -> None:
    # The rule would be worthless if it missed `from ..telegram import x` or an import inside a function.
    root = tmp_path / "bot"
    (root / "cases").mkdir(parents=True)
    probe = "def f() -> None:\n    from ..telegram import app\n    import sqlite3\n"
    (root / "cases" / "_layer_probe.py").write_text(probe, encoding="utf-8")
    found = violations("cases", root)
    assert "bot/cases/_layer_probe.py:2 imports bot.telegram" in found
    assert "bot/cases/_layer_probe.py:3 imports sqlite3" in found
