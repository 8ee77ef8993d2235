"""Non-fatal issues in a flow that loaded: what an admin should fix before publishing.

Each issue names its step and, where it matters, its language, like goflow's inspection:
``{type, step, language, description}``. Severity ``error`` makes ``flows check`` fail (a missing
Urdu text would reach a citizen in English); ``warning`` is listed only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .answers import PLACEHOLDER, SYSTEM_VARS
from .errors import MAX_QUOTED
from .model import PHRASE_LANGUAGES, ChoiceStep, EndStep, Flow, ReviewStep, Step, Text, TextStep
from .vocabulary import conflicts

MAX_MESSAGE_CHARS = 4096  # Telegram's limit for one message
MAX_CALLBACK_BYTES = 64  # Telegram's limit for a button's callback data
CALLBACK_OVERHEAD = 24  # bytes the Telegram adapter adds to bind a press to its session and step
MAX_BUTTON_CHARS = 40  # longer labels are cut off on a phone screen


@dataclass(frozen=True, slots=True)
class Issue:
    type: str
    severity: str  # error | warning
    step: str | None
    description: str
    language: str | None = None
    line: int = 0

    def __str__(self) -> str:
        where = ", ".join(
            x
            for x in (
                f"step {self.step}" if self.step else "",
                self.language or "",
                f"line {self.line}" if self.line else "",
            )
            if x
        )
        return f"{self.severity}: [{self.type}] {where}: {self.description}"


def inspect(flow: Flow) -> list[Issue]:
    issues = list(_texts(flow))
    issues += _reachability(flow)
    for step in flow.steps.values():
        if isinstance(step, ChoiceStep):
            for clash in conflicts(step, flow.vocabulary):
                issues.append(Issue("ambiguous_phrase", "error", step.id, clash, line=step.line))
            for option in step.options:
                size = len(option.id.encode()) + CALLBACK_OVERHEAD
                if size > MAX_CALLBACK_BYTES:
                    issues.append(
                        Issue(
                            "callback_too_long",
                            "error",
                            step.id,
                            f"option {option.id!r} needs {size} bytes of callback data (max 64)",
                            line=step.line,
                        )
                    )
        if step.ASKS and step.label is None and step.KIND != "review":
            issues.append(
                Issue(
                    "no_label",
                    "warning",
                    step.id,
                    "no 'label': the review will show the whole question instead",
                    line=step.line,
                )
            )
    return sorted(issues, key=lambda i: (i.line, i.type))


def step_texts(step: Step) -> Iterator[tuple[str, Text, int]]:
    if step.text is not None:
        yield "text", step.text, MAX_MESSAGE_CHARS
    if step.label is not None:
        yield "label", step.label, MAX_BUTTON_CHARS
    if isinstance(step, ChoiceStep):
        for option in step.options:
            yield f"option {option.id}", option.label, MAX_BUTTON_CHARS
    if isinstance(step, ReviewStep) and step.consent is not None:
        yield "consent.text", step.consent.text, MAX_MESSAGE_CHARS
        yield "consent.send", step.consent.send, MAX_BUTTON_CHARS
        yield "consent.decline", step.consent.decline, MAX_BUTTON_CHARS
    if isinstance(step, TextStep):
        for i, spec in enumerate(step.validators):
            if spec.message is not None:
                yield f"validators[{i}].message", spec.message, MAX_MESSAGE_CHARS


def _texts(flow: Flow) -> Iterator[Issue]:
    for lang in flow.languages:
        if not flow.name.by_lang.get(lang):
            yield Issue("missing_translation", "error", None, f"the flow name has no {lang} text", lang)
    yield from _danger(flow)
    known = set(flow.steps) | set(SYSTEM_VARS)
    for step in flow.steps.values():
        for what, text, limit in step_texts(step):
            for lang in flow.languages:
                value = text.by_lang.get(lang)
                if not value:
                    yield Issue(
                        "missing_translation",
                        "error",
                        step.id,
                        f"{what} has no {lang} text",
                        lang,
                        text.line or step.line,
                    )
                    continue
                if len(value) > limit:
                    kind = "message_too_long" if limit == MAX_MESSAGE_CHARS else "label_too_long"
                    yield Issue(
                        kind,
                        "error" if limit == MAX_MESSAGE_CHARS else "warning",
                        step.id,
                        f"{what} is {len(value)} characters (max {limit})",
                        lang,
                        text.line or step.line,
                    )
                for match in PLACEHOLDER.finditer(value):
                    name = match.group(1)
                    if name is not None and name not in known:
                        yield Issue(
                            "unknown_placeholder",
                            "error",
                            step.id,
                            f"{what} uses {{{_short(name)}}}, which is neither a step nor one of "
                            f"{', '.join(SYSTEM_VARS)}",
                            lang,
                            text.line or step.line,
                        )


def _danger(flow: Flow) -> Iterator[Issue]:
    """The safety text reaches people in danger: a missing translation is an error like any other."""
    if flow.danger is None:
        return
    line = flow.danger.text.line or flow.danger.line
    for lang in flow.languages:
        value = flow.danger.text.by_lang.get(lang)
        if not value:
            yield Issue("missing_translation", "error", None, f"the danger text has no {lang} text", lang, line)
        elif len(value) > MAX_MESSAGE_CHARS:
            yield Issue(
                "message_too_long",
                "error",
                None,
                f"the danger text is {len(value)} characters (max {MAX_MESSAGE_CHARS})",
                lang,
                line,
            )
    for lang in PHRASE_LANGUAGES:
        if not flow.danger.phrases.get(lang):
            yield Issue(
                "no_danger_phrases",
                "warning",
                None,
                f"no danger phrases in {lang}: such messages get no safety text",
                lang,
                flow.danger.line,
            )


def _short(name: str) -> str:
    # A placeholder is as long as an admin typed it; an issue quotes no more than a line's worth.
    return name if len(name) <= MAX_QUOTED else name[: MAX_QUOTED - 1] + "…"


def _reachability(flow: Flow) -> list[Issue]:
    edges = {s.id: {b.goto for b in s.next} | set(s.side_exits()) for s in flow.steps.values()}
    reached = _closure({flow.start}, edges)
    issues = [
        Issue("unreachable", "warning", s.id, "no path from the start leads here", line=s.line)
        for s in flow.steps.values()
        if s.id not in reached
    ]
    ends = {s.id for s in flow.steps.values() if isinstance(s, EndStep)}
    reverse: dict[str, set[str]] = {s: set() for s in flow.steps}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    finishing = _closure(ends, reverse)
    issues += [
        Issue("dead_end", "error", s.id, "no path from here reaches an end step", line=s.line)
        for s in flow.steps.values()
        if s.id in reached and s.id not in finishing
    ]
    return issues


def _closure(seeds: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(seeds), list(seeds)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
