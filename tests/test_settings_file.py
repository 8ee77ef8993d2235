"""One settings loader for every command: a ``.env`` in the working directory as a shell reads it, the
process environment winning, and every command that opens the database naming it first (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, environment, load_settings, read_dotenv
from tests.conftest import REPORT_FLOW, ROOT

TOKEN = "123456:abcdefghijk"
# What an operator pastes from a shell profile or another tool's env file.
DOTENV = f"""# the bot's settings
export BOT_TOKEN={TOKEN}   # from @BotFather
DATABASE_PATH="store/cases db.sqlite3"
ADMIN_IDS='11, 12'
LOG_FORMAT=text # comment after a value
"""


def clean_environment() -> dict[str, str]:
    """This process's environment without any bot setting, so only the .env under test speaks."""
    names = ("BOT_", "DATABASE_", "DATA_KEY", "ADMIN_", "FOCAL_", "WEBHOOK_", "LOG_", "FLOWS_DIR")
    return {k: v for k, v in os.environ.items() if not k.startswith(names)}


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**clean_environment(), **(env or {})},
        check=False,
    )


def test_a_dotenv_file_is_read_as_a_shell_would(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(DOTENV, encoding="utf-8")
    settings = load_settings(environ={}, dotenv=tmp_path / ".env")
    assert settings.bot_token == TOKEN
    assert settings.database_path == Path("store/cases db.sqlite3")
    assert settings.admin_ids == {11, 12}
    assert settings.log_format == "text"


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(DOTENV, encoding="utf-8")
    env = environment({"DATABASE_PATH": "elsewhere.sqlite3"}, tmp_path / ".env")
    assert env["DATABASE_PATH"] == "elsewhere.sqlite3" and env["BOT_TOKEN"] == TOKEN


def test_a_dollar_in_a_secret_is_kept_as_typed(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://bot:pa$HOME@db/bot\n", encoding="utf-8")
    assert read_dotenv(tmp_path / ".env")["DATABASE_URL"] == "postgresql://bot:pa$HOME@db/bot"


@pytest.mark.parametrize("line", ["just words", "NAME_WITHOUT_VALUE"])
def test_a_line_that_is_not_a_setting_is_named(tmp_path: Path, line: str) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:3: expected KEY=VALUE"):
        read_dotenv(tmp_path / ".env")
    result = run(tmp_path, "migrate")
    assert result.returncode == 1 and ".env:3: expected KEY=VALUE" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_database_command_uses_the_file_named_in_dotenv(tmp_path: Path) -> None:
    """The trap of issue 16: DATABASE_PATH only in .env, and migrate, export, keys check and flows publish
    each opened data/bot.sqlite3 instead, with a new key, saying nothing."""
    (tmp_path / ".env").write_text(DOTENV, encoding="utf-8")
    (tmp_path / "store").mkdir()
    named = "store/cases db.sqlite3"

    migrate = run(tmp_path, "migrate")
    assert migrate.returncode == 0, migrate.stderr
    assert migrate.stdout.startswith(f"{named}: schema version ")

    publish = run(tmp_path, "flows", "publish", str(REPORT_FLOW))
    assert publish.returncode == 0, publish.stdout
    assert publish.stdout.splitlines()[0] == f"publishing to {named}"

    check = run(tmp_path, "keys", "check")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"{named}: opens with key ")
    assert "cases db.sqlite3.key" in check.stdout  # the key beside that file, not a new one elsewhere

    export = run(tmp_path, "export", "--since", "2026-01-01")
    assert export.returncode == 0, export.stderr
    assert export.stderr.splitlines()[0] == f"exporting from {named}"

    assert not (tmp_path / "data").exists()  # no second database beside the right one
    assert sorted(p.name for p in (tmp_path / "store").iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "cases db.sqlite3",
        "cases db.sqlite3.key",
    ]


def test_publish_names_a_database_it_creates(tmp_path: Path) -> None:
    result = run(tmp_path, "flows", "publish", str(REPORT_FLOW), "--db", "fresh.sqlite3")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[0] == "publishing to fresh.sqlite3 (a new database)"


def test_flows_check_reads_the_folder_named_by_flows_dir(tmp_path: Path) -> None:
    folder = tmp_path / "our-flows"
    folder.mkdir()
    (folder / "routing.yaml").write_text((ROOT / "flows" / "routing.yaml").read_text(encoding="utf-8"))
    (folder / "report.yaml").write_text("spec_version: 1\nid: x\n", encoding="utf-8")
    (tmp_path / ".env").write_text(f"FLOWS_DIR={folder}\n", encoding="utf-8")
    result = run(tmp_path, "flows", "check")
    assert result.returncode == 1
    assert "our-flows/routing.yaml: 8 provinces" in result.stdout  # shown relative to the working directory
    assert "our-flows/report.yaml: error:" in result.stdout


def test_a_flows_dir_without_routing_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no routing\.yaml"):
        load_settings(environ={"BOT_TOKEN": TOKEN, "FLOWS_DIR": str(tmp_path)}, dotenv=tmp_path / ".env")
