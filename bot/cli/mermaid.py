"""A flow as a Mermaid diagram (``python main.py flows graph``), so an admin can see its shape.

Nodes are steps (id, kind and the start of the English text); edges are branches labelled with
their conditions; skippable steps have a dashed border, end steps are rounded, and a step that
moves on after too many refused answers has a dotted edge saying so.
"""

from __future__ import annotations

import re

from bot.engine.model import Condition, Flow, ReviewStep, Step

_SAFE_ID = re.compile(r"[^A-Za-z0-9_]")


def _node_id(step_id: str) -> str:
    return "s_" + _SAFE_ID.sub("_", step_id)


def _quote(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entities, one line."""
    text = " ".join(text.split())
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text


def _condition(condition: Condition) -> str:
    values = " or ".join(sorted(condition.values))
    return f"{condition.step} {'≠' if condition.negate else '='} {values}"


def _label(step: Step) -> str:
    words = step.text.get("en") if step.text is not None else ""
    short = words if len(words) <= 40 else words[:39].rstrip() + "…"
    extra = " (skippable)" if step.skippable else ""
    return _quote(f"{step.id} · {step.KIND}{extra}" + (f": {short}" if short else ""))


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD", "    classDef skippable stroke-dasharray: 5 5", "    classDef start stroke-width: 3px"]
    for step in flow.steps.values():
        label = _label(step)
        shape = f'(["{label}"])' if step.KIND == "end" else f'["{label}"]'
        lines.append(f"    {_node_id(step.id)}{shape}")
    for step in flow.steps.values():
        for branch in step.next:
            source, target = _node_id(step.id), _node_id(branch.goto)
            if branch.when:
                condition = _quote(" and ".join(_condition(c) for c in branch.when))
                lines.append(f'    {source} -->|"{condition}"| {target}')
            else:
                lines.append(f"    {source} --> {target}")
        if step.on_exhausted is not None and step.max_attempts is not None:
            lines.append(
                f'    {_node_id(step.id)} -.->|"after {step.max_attempts} tries"| {_node_id(step.on_exhausted)}'
            )
        if isinstance(step, ReviewStep) and step.consent is not None:
            lines.append(f'    {_node_id(step.id)} -.->|"do not send"| {_node_id(step.consent.declined)}')
    skippable = [_node_id(s.id) for s in flow.steps.values() if s.skippable]
    if skippable:
        lines.append(f"    class {','.join(skippable)} skippable")
    lines.append(f"    class {_node_id(flow.start)} start")
    return "\n".join(lines) + "\n"
