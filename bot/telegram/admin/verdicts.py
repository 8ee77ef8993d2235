"""The verdict on an uploaded flow file: judged off the event loop, and told in a few messages at most
however many problems the file has (issue 20, finding 5)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.engine.model import Flow
from bot.i18n import t

from . import texts

if TYPE_CHECKING:
    from bot.cases.publishing import Assessment

# bot.cases.publishing (the golden-script runner, the inspector, an in-memory store) is imported when an
# admin uploads a flow, not by every start of the bot: the first replies after a restart do not wait on it.

LISTED = 20  # problems or errors listed in a verdict; the rest are counted
LISTED_WARNINGS = 10
LISTED_STEPS = 30  # step ids named in one line of changes
MAX_LINE = 300  # one listed problem, whatever it quotes


async def assess_off_loop(content: str, live: Flow | None) -> Assessment:
    """``assess`` in a worker thread with an event loop of its own: parsing, inspection and the golden
    scripts take CPU that every other chat would otherwise wait for. The scripts' SQLite stores are
    opened and closed inside that loop. (A C extension that holds the GIL, such as libyaml or ``re``,
    still stalls the bot; the loader's limits keep those short.)"""
    from bot.cases.publishing import assess

    return await asyncio.to_thread(lambda: asyncio.run(assess(content, live)))


def verdict_lines(verdict: Assessment, lang: str, live_id: int | None) -> list[str]:
    """What an admin reads of an upload's assessment: load errors, inspection, what changed, the golden scripts."""
    if verdict.flow is None:
        return [t(lang, texts.UPLOAD_NOT_LOADED), *bullets(verdict.problems, lang, LISTED)]
    warnings = [i for i in verdict.issues if i.severity != "error"]
    lines = [
        t(lang, texts.UPLOAD_STEPS, steps=len(verdict.flow.steps), errors=len(verdict.errors), warnings=len(warnings))
    ]
    if verdict.errors:
        return [*lines, t(lang, texts.UPLOAD_ERRORS), *bullets(verdict.errors, lang, LISTED)]
    if warnings:
        lines += [t(lang, texts.UPLOAD_WARNINGS), *bullets(warnings, lang, LISTED_WARNINGS)]
    lines.append("")
    changes = verdict.changes
    if changes is None or live_id is None:
        lines.append(t(lang, texts.CHANGES_FIRST))
    else:
        lines.append(t(lang, texts.CHANGES_HEADER, revision=live_id))
        if changes.empty:
            lines.append(t(lang, texts.CHANGES_NONE))
        for msgid, steps in (
            (texts.CHANGES_ADDED, changes.added),
            (texts.CHANGES_REMOVED, changes.removed),
            (texts.CHANGES_RETARGETED, changes.retargeted),
        ):
            if steps:
                lines.append("• " + t(lang, msgid, steps=_names(steps)))
        for language, steps in changes.texts.items():
            lines.append("• " + t(lang, texts.CHANGES_TEXTS, language=language, steps=_names(steps)))
    lines.append("")
    if not verdict.scripts:
        lines.append(t(lang, texts.SCRIPTS_NONE))
    elif verdict.failed_scripts:
        from bot.cases.publishing import first_failure  # loaded already: the verdict came from assess

        lines.append(t(lang, texts.SCRIPTS_FAIL, failed=len(verdict.failed_scripts), count=len(verdict.scripts)))
        for script in verdict.failed_scripts[:5]:
            lines.append(f"• {script.name}: {first_failure(script)}")
    else:
        lines.append(t(lang, texts.SCRIPTS_PASS, count=len(verdict.scripts)))
    return lines


def bullets(items: Sequence[object], lang: str, limit: int) -> list[str]:
    lines = [f"• {_cut(str(item))}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(t(lang, texts.UPLOAD_MORE, count=len(items) - limit))
    return lines


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _names(steps: Sequence[str]) -> str:
    shown = ", ".join(steps[:LISTED_STEPS])
    return shown if len(steps) <= LISTED_STEPS else f"{shown}, … (+{len(steps) - LISTED_STEPS})"
