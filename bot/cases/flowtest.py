"""Golden conversation scripts: a flow's conversations, replayed and compared reply by reply.

A script (``flows/tests/<flow>/<name>.yaml``) lists turns (``start: LANG``, ``first`` text typed
into an idle chat with an optional ``language_code``, ``send`` text with
an optional ``repeat``, ``press`` a button id, ``command`` back/skip/cancel/done/send), the replies
each must produce as plain text, and the answers and report stored at the end. ``typed_only: true``
marks a script that answers by typing words only (no press, no option number). Coverage is
printed for all scripts and per reply language. ``--update`` rewrites
the expected parts from a run, for a human to read and commit. Coverage counts the flow's steps
and edges the scripts took.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.cases.conversation import Conversations, Reply
from bot.cases.flows import FlowRegistry
from bot.cases.language import opening
from bot.cases.plaintext import render
from bot.engine.events import Moved, Question
from bot.engine.loader import load_flow
from bot.engine.model import Flow
from bot.engine.runner import Input
from bot.store.memory.store import MemoryStore

CHAT_KEY = "test:1"
FIXED_REFERENCE = ("TEST-REF2", "424242")


@dataclass
class ScriptResult:
    name: str
    failures: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    actual: dict[str, Any] = field(default_factory=dict)
    # The same, per reply language (the session's language when the step was shown or the edge taken).
    visited_by_lang: dict[str, set[str]] = field(default_factory=dict)
    edges_by_lang: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


def flow_edges(flow: Flow) -> set[tuple[str, str]]:
    edges = set()
    for step in flow.steps.values():
        edges |= {(step.id, branch.goto) for branch in step.next}
        edges |= {(step.id, target) for target in step.side_exits()}
    return edges


def _input(turn: dict[str, Any]) -> Input | None:
    if "send" in turn:
        # ``repeat: N`` sends the text N times over, for very long inputs without a huge script.
        return Input(text=str(turn["send"]) * int(turn.get("repeat", 1)))
    if "press" in turn:
        return Input(press=str(turn["press"]))
    if "command" in turn:
        return Input(command=str(turn["command"]))
    return None


async def run_script(flow_source: str, script: dict[str, Any], name: str) -> ScriptResult:
    """Replay one script against ``flow_source`` in a fresh memory store (the store contract makes it
    behave as the SQLite one; no file, no data key)."""
    result = ScriptResult(name)
    flow = load_flow(flow_source)
    store = MemoryStore()
    await store.open()
    try:
        await store.publish(flow.id, flow_source, author="flow-test")
        today = datetime.fromisoformat(str(script.get("today", "2026-11-28"))).replace(tzinfo=UTC)
        conv = Conversations(store, FlowRegistry(store, flow.id), clock=lambda: today, draw=lambda: FIXED_REFERENCE)
        lang = str(script.get("lang", "en"))
        turns_out: list[dict[str, Any]] = []
        reply: Reply | None = None
        typed_only = bool(script.get("typed_only"))
        asked = ""  # the kind of the question on screen
        for i, turn in enumerate(script.get("turns", [])):
            given = _input(turn)
            number = given is not None and given.text.strip().isdigit() and asked == "choice"
            if typed_only and given is not None and (given.press is not None or number):
                # A typed-only script proves that words alone reach a reference: no taps, no option numbers.
                result.failures.append(f"turn {i}: a typed-only script must type words, not {turn!r}")
            if given is None and "first" in turn:
                # A first message typed into an idle chat, as the Telegram adapter starts from it.
                text = str(turn["first"])
                start_lang, how = opening(text, turn.get("language_code"), lang)
                reply = await conv.begin(CHAT_KEY, start_lang, language=how, first_text=text)
            elif given is None:
                reply = await conv.begin(CHAT_KEY, str(turn.get("start") or lang))
            else:
                reply = await conv.answer(CHAT_KEY, given, lang)
            lang = reply.lang
            replies = render(reply.events, lang).lines
            asked = next((e.kind for e in reply.events if isinstance(e, Question)), asked)
            visited = result.visited_by_lang.setdefault(lang, set())
            edges = result.edges_by_lang.setdefault(lang, set())
            for event in reply.events:
                if isinstance(event, Moved):
                    for into in (result.edges, edges):
                        into.add((event.source, event.target))
                    for seen in (result.visited, visited):
                        seen |= {event.source, event.target}
                elif isinstance(event, Question):
                    result.visited.add(event.step)
                    visited.add(event.step)
            turns_out.append({**{k: v for k, v in turn.items() if k != "replies"}, "replies": replies})
            if "replies" in turn and turn["replies"] != replies:
                result.failures.append(_diff(i, turn, turn["replies"], replies))
        result.actual["turns"] = turns_out
        stored = await store.report_by_reference(FIXED_REFERENCE[0])
        result.actual["report"] = (
            None
            if stored is None
            else {
                "category": stored.category,
                "province": stored.province,
                "minor": stored.minor,
                "anonymous": stored.chat_key is None,
                "language": stored.language,
                "answers": stored.answers,
                "evidence": [f"{e.platform} {e.url}" for e in stored.evidence],
            }
        )
        session = await store.load_session(CHAT_KEY)
        result.actual["open_session"] = None if session is None else {"step": session.step, "lang": session.lang}
        for key in ("report", "open_session"):
            if key in script and script[key] != result.actual[key]:
                result.failures.append(f"{key}: expected {script[key]!r}\n     got {result.actual[key]!r}")
    finally:
        await store.close()
    return result


def _diff(index: int, turn: dict[str, Any], expected: list[str], actual: list[str]) -> str:
    what = {k: v for k, v in turn.items() if k != "replies"}
    lines = [f"turn {index} {what}:"]
    for n in range(max(len(expected), len(actual))):
        want = expected[n] if n < len(expected) else "<nothing>"
        got = actual[n] if n < len(actual) else "<nothing>"
        if want != got:
            lines.append(f"  reply {n}: expected {want!r}\n           got {got!r}")
    return "\n".join(lines)


@dataclass
class SuiteResult:
    results: list[ScriptResult]
    steps: set[str]
    edges: set[tuple[str, str]]

    @property
    def visited(self) -> set[str]:
        return set().union(*(r.visited for r in self.results)) & self.steps if self.results else set()

    @property
    def covered_edges(self) -> set[tuple[str, str]]:
        return set().union(*(r.edges for r in self.results)) & self.edges if self.results else set()

    def coverage_lines(self) -> list[str]:
        missing_steps = sorted(self.steps - self.visited)
        missing_edges = sorted(self.edges - self.covered_edges)
        lines = [
            f"steps covered: {len(self.visited)}/{len(self.steps)}",
            f"transitions covered: {len(self.covered_edges)}/{len(self.edges)}",
        ]
        for lang in sorted({lang for r in self.results for lang in r.visited_by_lang}):
            steps = set().union(*(r.visited_by_lang.get(lang, set()) for r in self.results)) & self.steps
            edges = set().union(*(r.edges_by_lang.get(lang, set()) for r in self.results)) & self.edges
            lines.append(
                f"  in {lang}: steps {len(steps)}/{len(self.steps)}, transitions {len(edges)}/{len(self.edges)}"
            )
        lines += [f"  step never reached: {s}" for s in missing_steps]
        lines += [f"  transition never taken: {a} -> {b}" for a, b in missing_edges]
        return lines


def scripts_for(flow_path: Path) -> list[Path]:
    return sorted((flow_path.parent / "tests" / flow_path.stem).glob("*.yaml"))


def run_suite(flow_path: Path, *, update: bool = False) -> SuiteResult:
    """Run every script of the flow at ``flow_path`` (synchronous: a command-line and test entry point)."""
    source = flow_path.read_text(encoding="utf-8")
    flow = load_flow(source)
    results = []
    for path in scripts_for(flow_path):
        script = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        result = asyncio.run(run_script(source, script, path.stem))
        if update:
            script.update(result.actual)
            path.write_text(_dump(script), encoding="utf-8")
            result.failures = []
        results.append(result)
    return SuiteResult(results, set(flow.steps), flow_edges(flow))


def _dump(script: dict[str, Any]) -> str:
    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    order = ["description", "lang", "typed_only", "today", "turns", "report", "open_session"]
    ordered = {k: script[k] for k in order if k in script} | {k: v for k, v in script.items() if k not in order}
    return yaml.dump(ordered, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=110)
