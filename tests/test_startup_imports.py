"""What ``main.py run`` imports before its first reply: not what only admins, the CLI or the desk need.

Every module imported at start-up is time a restarted bot makes its first citizens wait (issue 21:
``bench/startup.py``). These load when the command or upload that needs them comes.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# Loaded on demand: the golden-script runner and inspector (a flow upload, `flows` commands), the
# in-memory store they replay on, the statistics module (/stats), babel's PO reader for `flows import-po`
# (the catalogues use it too, but only once a text is translated), ruamel (flow files written back),
# asyncpg (PostgreSQL only), Starlette and Jinja2 (the desk only).
ON_DEMAND = (
    "bot.cases.publishing",
    "bot.cases.flowtest",
    "bot.engine.inspector",
    "bot.store.memory",
    "bot.cli.mermaid",
    "statistics",
    "ruamel",
    "asyncpg",
    "starlette",
    "jinja2",
)


def test_the_bots_start_up_imports_leave_the_on_demand_modules_alone() -> None:
    code = (
        "import sys\n"
        "import bot.cli.main, bot.telegram.app, bot.config, bot.logs, bot.allocator\n"
        f"print(sorted(n for n in sys.modules if any(n == m or n.startswith(m + '.') for m in {ON_DEMAND!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
