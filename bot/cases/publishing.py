"""Judging a candidate flow before it goes live: load errors, inspection, what changed, golden scripts.

The command line and the Telegram upload both call ``assess`` so an admin sees the same verdict
wherever they publish from. A flow with load or inspection errors cannot be published; one that
breaks its golden conversation scripts can, but only when the admin explicitly overrides.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.cases.flowtest import ScriptResult, run_script
from bot.engine.errors import FlowLoadError, LoadProblem
from bot.engine.inspector import Issue, inspect, step_texts
from bot.engine.loader import load_flow
from bot.engine.model import Flow
from bot.paths import FLOWS_DIR


@dataclass(frozen=True, slots=True)
class Changes:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    retargeted: tuple[str, ...] = ()  # steps whose branches now lead elsewhere
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # language -> steps with changed text

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retargeted or any(self.texts.values()))


@dataclass
class Assessment:
    flow: Flow | None
    problems: list[LoadProblem] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    changes: Changes | None = None  # None when nothing is live yet (or the candidate did not load)
    scripts: list[ScriptResult] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def publishable(self) -> bool:
        return self.flow is not None and not self.problems and not self.errors

    @property
    def failed_scripts(self) -> list[ScriptResult]:
        return [s for s in self.scripts if s.failures]


def changes(old: Flow, new: Flow) -> Changes:
    before, after = set(old.steps), set(new.steps)
    common = sorted(before & after, key=list(new.steps).index)
    retargeted = tuple(
        s for s in common if _targets(old, s) != _targets(new, s) or old.steps[s].KIND != new.steps[s].KIND
    )
    texts: dict[str, tuple[str, ...]] = {}
    for lang in sorted(set(old.languages) | set(new.languages)):
        changed = [s for s in common if _texts(old, s, lang) != _texts(new, s, lang)]
        if changed:
            texts[lang] = tuple(changed)
    return Changes(
        added=tuple(s for s in new.steps if s not in before),
        removed=tuple(s for s in old.steps if s not in after),
        retargeted=retargeted,
        texts=texts,
    )


def _targets(flow: Flow, step_id: str) -> list[tuple[str, tuple[tuple[str, tuple[str, ...], bool], ...]]]:
    step = flow.steps[step_id]
    return [(b.goto, tuple((c.step, tuple(sorted(c.values)), c.negate) for c in b.when)) for b in step.next]


def _texts(flow: Flow, step_id: str, lang: str) -> dict[str, str]:
    return {what: text.by_lang.get(lang, "") for what, text, _ in step_texts(flow.steps[step_id])}


async def assess(content: str, live: Flow | None, scripts_dir: Path | None = None) -> Assessment:
    """Everything an admin needs to decide; runs the golden scripts of ``scripts_dir`` (default: the
    flow's own, ``flows/tests/<flow id>/``) against the candidate."""
    try:
        flow = load_flow(content)
    except FlowLoadError as exc:
        return Assessment(None, problems=list(exc.problems))
    except (UnicodeError, ValueError) as exc:
        return Assessment(None, problems=[LoadProblem("", f"not a readable flow file: {type(exc).__name__}")])
    result = Assessment(flow, issues=inspect(flow), changes=changes(live, flow) if live is not None else None)
    if result.errors:
        return result
    folder = scripts_dir or FLOWS_DIR / "tests" / flow.id
    for path in sorted(folder.glob("*.yaml")):
        script = await asyncio.to_thread(_read_script, path)
        result.scripts.append(await run_script(content, script, path.stem))
    return result


def _read_script(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def first_failure(script: ScriptResult) -> str:
    """Where a script broke, in one or two lines: the turn and the first differing reply."""
    text = script.failures[0] if script.failures else ""
    lines = [line if len(line) <= 160 else line[:159] + "…" for line in text.splitlines()[:3]]
    return "\n".join(lines)
