"""Reading a session's answers: branching, the answers on the current path, and display values.

Answers to steps the citizen later branched away from (a phone number, then "anonymous" after an
edit) stay in the session until it ends but are not on the path, so they are neither shown in the
review nor submitted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .dates import describe
from .model import Branch, ChoiceStep, Condition, Flow, LinksStep, ReviewStep, Step, TextStep
from .session import Answer

SKIPPED = "skipped"
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}")
SYSTEM_VARS = ("reference", "pin")


def _values(answer: Answer) -> set[str]:
    if answer is None:
        return {SKIPPED}
    if isinstance(answer, list):
        return {str(a) for a in answer if isinstance(a, str)} or {SKIPPED}
    return {str(answer)}


def holds(condition: Condition, answers: Mapping[str, Answer]) -> bool:
    matched = bool(_values(answers.get(condition.step)) & condition.values)
    return matched != condition.negate


def choose(branches: tuple[Branch, ...], answers: Mapping[str, Answer]) -> str | None:
    for branch in branches:
        if all(holds(c, answers) for c in branch.when):
            return branch.goto
    return None


def path_answers(flow: Flow, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers on the path the flow takes today from its start, in the order asked."""
    result: dict[str, Answer] = {}
    step_id: str | None = flow.start
    seen: set[str] = set()
    while step_id is not None and step_id not in seen:
        seen.add(step_id)
        step = flow.steps[step_id]
        if step.ASKS:
            if isinstance(step, ReviewStep) and step.consent is not None and step_id in answers:
                result[step_id] = answers[step_id]  # the permission to send, given on the review
            if step_id not in answers or step.KIND == "review":
                break
            result[step_id] = answers[step_id]
        step_id = choose(step.next, answers)
    return result


def display(step: Step, answer: Answer, lang: str) -> str | None:
    """The answer as a citizen or officer reads it, or None when skipped."""
    if answer is None:
        return None
    sep = "، " if lang == "ur" else ", "
    if isinstance(step, ChoiceStep):
        ids = answer if isinstance(answer, list) else [answer]
        labels = [(o.label.get(lang) if (o := step.option(str(i))) else str(i)) for i in ids]
        return sep.join(labels) if labels else None
    if isinstance(step, ReviewStep) and step.consent is not None:
        return (step.consent.send if answer == "yes" else step.consent.decline).get(lang)
    if isinstance(step, TextStep) and any(v.kind == "date" for v in step.validators):
        return describe(str(answer), lang)
    if isinstance(step, LinksStep) and isinstance(answer, list):
        return "\n".join(str(link.get("url", "")) for link in answer if isinstance(link, dict)) or None
    return str(answer)


def interpolate(
    template: str, flow: Flow, answers: Mapping[str, Answer], variables: Mapping[str, str], lang: str
) -> str:
    """Fill ``{step_id}`` with that answer's display value and ``{reference}``/``{pin}`` from variables.

    ``{{`` and ``}}`` are literal braces. Unknown names are left as written (the inspector reports them).
    """

    def fill(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        if name in variables:
            return variables[name]
        if name in flow.steps:
            return display(flow.steps[name], answers.get(name), lang) or "—"
        return token

    return PLACEHOLDER.sub(fill, template)
