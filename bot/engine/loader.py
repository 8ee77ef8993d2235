"""YAML flow file -> frozen ``Flow``, or every located problem that stops it loading.

Problems are collected rather than raised one by one, so an admin fixes a file in one pass:
``steps[4].next: unknown step 'reveiw' (line 57)``. Non-fatal issues belong to ``inspector``.

The file may be hostile (issue 20): ``yamltree`` refuses what could expand or nest without limit,
values quoted in a problem are cut short (``clip``), a ``pattern`` that could backtrack
catastrophically is a load error (``validators.pattern_problem``), and whatever else goes wrong
while building is still a ``FlowLoadError``, never another exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .errors import FlowLoadError, LoadProblem, clip
from .migrations import SPEC_VERSION, migrate
from .model import (
    LANGUAGES,
    PHRASE_LANGUAGES,
    REPORT_FIELDS,
    STEP_KINDS,
    VALIDATOR_KINDS,
    WORD_ROLES,
    Branch,
    ChoiceStep,
    Condition,
    Consent,
    Danger,
    Flow,
    Option,
    ReviewStep,
    Step,
    Text,
    TextStep,
    ValidatorSpec,
    Variant,
    Words,
)
from .normalise import phrase_key as words
from .validators import pattern_problem
from .vocabulary import compile_words, option_table, place_table
from .yamltree import Lines, child_path, parse

ID_RE = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")  # \Z, not $: "ask\n" is not an id
COMMON_KEYS = {"id", "kind", "text", "label", "next", "skippable", "max_attempts", "on_exhausted", "variants"}
TOP_KEYS = {"spec_version", "id", "name", "languages", "start", "report", "steps", "danger", "words", "places"}
KIND_KEYS: dict[str, set[str]] = {
    "message": set(),
    "choice": {"options", "multi", "sets_language", "columns", "ages"},
    "text": {"validators"},
    "links": set(),
    "review": {"fields", "consent"},
    "submit": set(),
    "end": set(),
}
NEEDS_TEXT = {"message", "choice", "text", "links", "review", "end"}


class _Builder:
    def __init__(self, lines: Lines) -> None:
        self.lines = lines
        self.problems: list[LoadProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(LoadProblem(path, message, self._line(path)))

    def _line(self, path: str) -> int | None:
        # The nearest enclosing node that exists: "steps[2].next" -> "steps[2]" -> "steps" -> "" (the file).
        while path not in self.lines and path:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get(path)

    def text(self, value: Any, path: str) -> Text | None:
        if isinstance(value, dict) and value:
            unknown = sorted(k for k in value if k not in LANGUAGES)
            if unknown:
                self.fail(path, f"unknown language {clip(unknown[0])} (use {', '.join(LANGUAGES)})")
            texts = {k: str(v).strip() for k, v in value.items() if k in LANGUAGES and v is not None}
            return Text(texts, self._line(path) or 0)
        self.fail(path, "expected a text per language, e.g. {en: '…', ur: '…'}")
        return None

    def typed(self, value: Any, path: str, kind: type, default: Any) -> Any:
        if value is None:
            return default
        if kind is int and isinstance(value, bool):
            self.fail(path, "expected a whole number")
            return default
        if not isinstance(value, kind):
            self.fail(path, f"expected {'true or false' if kind is bool else kind.__name__}")
            return default
        return value

    def branches(self, value: Any, path: str) -> tuple[Branch, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (Branch(goto=value, line=self._line(path) or 0),)
        if not isinstance(value, list):
            self.fail(path, "expected a step id or a list of {when: …, goto: …}")
            return ()
        result: list[Branch] = []
        for i, item in enumerate(value):
            sub = child_path(path, i)
            if not isinstance(item, dict) or not isinstance(item.get("goto"), str):
                self.fail(sub, "each branch needs 'goto: <step id>'")
                continue
            extra = set(item) - {"when", "goto"}
            if extra:
                self.fail(child_path(sub, sorted(extra)[0]), "unknown key (a branch has 'when' and 'goto')")
            when = self.conditions(item.get("when"), child_path(sub, "when"))
            result.append(Branch(goto=item["goto"], when=when, line=self._line(sub) or 0))
        if result and result[-1].when:
            self.fail(path, "the last branch must have no 'when', so the flow always knows where to go")
        return tuple(result)

    def conditions(self, value: Any, path: str) -> tuple[Condition, ...]:
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            self.fail(path, "expected {step_id: value} or {step_id: [values]} or {step_id: {not: …}}")
            return ()
        result = []
        for step_id, wanted in value.items():
            negate = False
            if isinstance(wanted, dict):
                if set(wanted) != {"not"}:
                    self.fail(child_path(path, step_id), "only {not: …} is allowed here")
                    continue
                negate, wanted = True, wanted["not"]
            values = wanted if isinstance(wanted, list) else [wanted]
            result.append(Condition(step_id, frozenset(str(v) for v in values), negate))
        return tuple(result)

    def options(self, value: Any, path: str) -> tuple[Option, ...]:
        if not isinstance(value, list) or not value:
            self.fail(path, "a choice needs a list of options")
            return ()
        result: list[Option] = []
        for i, item in enumerate(value):
            sub = child_path(path, i)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
                self.fail(sub, "each option needs an id and a label")
                continue
            option_id = str(item["id"])
            if not ID_RE.match(option_id):
                self.fail(child_path(sub, "id"), f"option id {clip(option_id)} must be lower-case letters, digits, _")
            if any(o.id == option_id for o in result):
                self.fail(child_path(sub, "id"), f"duplicate option id {clip(option_id)}")
            for key in sorted(set(item) - {"id", "label", "aliases"}):
                self.fail(child_path(sub, key), "unknown key (an option has 'id', 'label' and 'aliases')")
            label = self.text(item.get("label"), child_path(sub, "label"))
            aliases = self.phrase_lists(item.get("aliases"), child_path(sub, "aliases"), required=False)
            if label is not None:
                result.append(Option(option_id, label, aliases))
        return tuple(result)

    def phrase_lists(self, value: Any, path: str, *, required: bool = True) -> dict[str, tuple[str, ...]]:
        """``{en: [...], ur: [...], roman: [...]}``: phrases per language, each with at least one word."""
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or not value:
            self.fail(path, "expected a list of phrases per language, e.g. {en: ['…'], ur: ['…'], roman: ['…']}")
            return {}
        phrases: dict[str, tuple[str, ...]] = {}
        for lang, items in value.items():
            sub = child_path(path, str(lang))
            if lang not in PHRASE_LANGUAGES:
                self.fail(sub, f"unknown language {clip(lang)} (use {', '.join(PHRASE_LANGUAGES)})")
                continue
            if not isinstance(items, list) or not items:
                self.fail(sub, "expected a list of phrases")
                continue
            kept: list[str] = []
            for i, item in enumerate(items):
                # A phrase without words would match every message; a number is not a phrase.
                if not isinstance(item, str) or not words(item):
                    self.fail(child_path(sub, i), "a phrase must be text with at least one word")
                    continue
                kept.append(item.strip())
            phrases[lang] = tuple(kept)
        return phrases

    def consent(self, value: Any, path: str) -> Consent | None:
        """A review's ``consent``: its sentence, its send and decline buttons, the step after declining."""
        if value is None:
            return None
        keys = {"text", "send", "decline", "declined"}
        if not isinstance(value, dict) or not keys <= set(value):
            self.fail(path, "expected {text: {…}, send: {…}, decline: {…}, declined: <step id>}")
            return None
        for key in sorted(set(value) - keys):
            self.fail(child_path(path, key), "unknown key (consent has text, send, decline and declined)")
        text = self.text(value["text"], child_path(path, "text"))
        send = self.text(value["send"], child_path(path, "send"))
        decline = self.text(value["decline"], child_path(path, "decline"))
        declined = value["declined"]
        if not isinstance(declined, str):
            self.fail(child_path(path, "declined"), "expected a step id")
            return None
        if text is None or send is None or decline is None:
            return None
        return Consent(text, send, decline, declined)

    def ages(self, value: Any, path: str) -> tuple[tuple[str, int, int], ...]:
        """``ages: {option id: [min, max]}``: a typed age picks the option whose range holds it."""
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            self.fail(path, 'expected {option id: [lowest age, highest age]}, e.g. {"yes": [0, 17], "no": [18, 120]}')
            return ()
        result: list[tuple[str, int, int]] = []
        for option_id, bounds in value.items():
            ok = isinstance(bounds, list) and len(bounds) == 2 and all(type(b) is int for b in bounds)
            if not ok or not 0 <= bounds[0] <= bounds[1] <= 150:
                self.fail(child_path(path, str(option_id)), "expected [lowest age, highest age], whole numbers 0-150")
                continue
            result.append((str(option_id), bounds[0], bounds[1]))
        return tuple(result)

    def variants(self, value: Any, path: str) -> tuple[Variant, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.fail(path, "expected a list of {when: {step: value}, text: {en: '…', ur: '…'}}")
            return ()
        result: list[Variant] = []
        for i, item in enumerate(value):
            sub = child_path(path, i)
            if not isinstance(item, dict) or "when" not in item or "text" not in item:
                self.fail(sub, "each variant needs 'when' and 'text'")
                continue
            for key in sorted(set(item) - {"when", "text"}):
                self.fail(child_path(sub, key), "unknown key (a variant has 'when' and 'text')")
            when = self.conditions(item.get("when"), child_path(sub, "when"))
            text = self.text(item.get("text"), child_path(sub, "text"))
            if when and text is not None:
                result.append(Variant(when, text))
        return tuple(result)

    def words(self, value: Any, path: str, option_ids: set[str]) -> Words:
        """The optional ``words`` block: shared option aliases, done/send/skip words, numbers."""
        if value is None:
            return Words()
        if not isinstance(value, dict):
            self.fail(path, "expected {yes: {en: […]}, done: {…}, numbers: {en: [[first, one], …]}, …}")
            return Words()
        lists: dict[str, dict[str, tuple[str, ...]]] = {}
        numbers: dict[str, tuple[tuple[str, ...], ...]] = {}
        for key, item in value.items():
            sub = child_path(path, str(key))
            if key == "numbers":
                numbers = self.numbers(item, sub)
            elif key in WORD_ROLES or key in option_ids:
                lists[str(key)] = self.phrase_lists(item, sub)
            else:
                self.fail(sub, f"{clip(key)} is neither one of {', '.join(WORD_ROLES)}, 'numbers' nor an option id")
        return Words(lists, numbers, self._line(path) or 0)

    def numbers(self, value: Any, path: str) -> dict[str, tuple[tuple[str, ...], ...]]:
        result: dict[str, tuple[tuple[str, ...], ...]] = {}
        if not isinstance(value, dict):
            self.fail(path, "expected {en: [[first, one], [second, two]], roman: [[pehla, ek], …]}")
            return result
        for lang, positions in value.items():
            sub = child_path(path, str(lang))
            if lang not in PHRASE_LANGUAGES:
                self.fail(sub, f"unknown language {clip(lang)} (use {', '.join(PHRASE_LANGUAGES)})")
                continue
            if not isinstance(positions, list) or not all(
                isinstance(p, list) and all(isinstance(w, str) and len(words(w)) == 1 for w in p) for p in positions
            ):
                self.fail(sub, "expected a list per position of single words: [[first, one], [second, two]]")
                continue
            result[str(lang)] = tuple(tuple(str(w) for w in p) for p in positions)
        return result

    def places(self, value: Any, path: str, steps: dict[str, Step]) -> dict[str, dict[str, tuple[str, ...]]]:
        """``places: {step: {option: [names]}}``: typed place names that mean an option, to confirm."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "expected {province: {punjab: [lahore, …], sindh: […]}}")
            return {}
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for step_id, table in value.items():
            sub = child_path(path, str(step_id))
            step = steps.get(str(step_id))
            if not isinstance(step, ChoiceStep) or step.multi:
                self.fail(sub, f"{clip(step_id)} is not a single-choice step")
                continue
            if not isinstance(table, dict):
                self.fail(sub, "expected {option id: [place names]}")
                continue
            options: dict[str, tuple[str, ...]] = {}
            for option_id, names in table.items():
                where = child_path(sub, str(option_id))
                if step.option(str(option_id)) is None:
                    self.fail(where, f"{step.id!r} has no option {clip(option_id)}")
                elif not isinstance(names, list) or not all(isinstance(n, str) and words(n) for n in names):
                    self.fail(where, "expected a list of place names")
                else:
                    options[str(option_id)] = tuple(str(n).strip() for n in names)
            result[step.id] = options
        return result

    def validators(self, value: Any, path: str) -> tuple[ValidatorSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, "expected a list of validators")
            return ()
        result = []
        for i, item in enumerate(value):
            sub = child_path(path, i)
            kind = item.get("kind") if isinstance(item, dict) else None
            if kind not in VALIDATOR_KINDS:
                self.fail(sub, f"validator kind must be one of {', '.join(VALIDATOR_KINDS)}")
                continue
            assert isinstance(item, dict)
            params = {k: v for k, v in item.items() if k not in {"kind", "message"}}
            if kind == "pattern" and not isinstance(params.get("regex"), str):
                self.fail(sub, "a pattern validator needs 'regex'")
            message = None
            if "message" in item:
                message = self.text(item["message"], child_path(sub, "message"))
            result.append(ValidatorSpec(kind, params, message))
        return tuple(result)

    def danger(self, value: Any, path: str) -> Danger | None:
        """The optional ``danger:`` block: phrase lists per language and the safety text."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(path, "expected {phrases: {en: […], ur: […], roman: […]}, text: {en: '…', ur: '…'}}")
            return None
        for key in sorted(set(value) - {"phrases", "text"}):
            self.fail(child_path(path, key), "unknown key (the danger block has 'phrases' and 'text')")
        text = self.text(value.get("text"), child_path(path, "text"))
        phrases = self.phrase_lists(value.get("phrases"), child_path(path, "phrases"))
        if not phrases:
            return None
        if text is None:
            return None
        return Danger(phrases, text, self._line(path) or 0)

    def step(self, raw: Any, path: str) -> Step | None:
        if not isinstance(raw, dict):
            self.fail(path, "each step must be a mapping with at least 'id' and 'kind'")
            return None
        step_id, kind = raw.get("id"), raw.get("kind")
        if not isinstance(step_id, str) or not ID_RE.match(step_id):
            self.fail(child_path(path, "id"), "a step id must be lower-case letters, digits and _ (max 32)")
            return None
        if not isinstance(kind, str) or kind not in STEP_KINDS:
            self.fail(child_path(path, "kind"), f"unknown kind {clip(kind)} (one of {', '.join(STEP_KINDS)})")
            return None
        for key in sorted(set(raw) - COMMON_KEYS - KIND_KEYS[kind]):
            self.fail(child_path(path, key), f"unknown key for a {kind} step")
        text = self.text(raw.get("text"), child_path(path, "text")) if kind in NEEDS_TEXT else None
        label = self.text(raw["label"], child_path(path, "label")) if "label" in raw else None
        common: dict[str, Any] = {
            "id": step_id,
            "text": text,
            "label": label,
            "next": self.branches(raw.get("next"), child_path(path, "next")),
            "skippable": self.typed(raw.get("skippable"), child_path(path, "skippable"), bool, False),
            "max_attempts": self.typed(raw.get("max_attempts"), child_path(path, "max_attempts"), int, None),
            "on_exhausted": self.typed(raw.get("on_exhausted"), child_path(path, "on_exhausted"), str, None),
            "path": path,
            "line": self._line(path) or 0,
            "variants": self.variants(raw.get("variants"), child_path(path, "variants")),
        }
        if kind not in {"end"} and not common["next"]:
            self.fail(path, f"a {kind} step needs 'next'")
        extra: dict[str, Any] = {}
        if kind == "choice":
            extra = {
                "options": self.options(raw.get("options"), child_path(path, "options")),
                "multi": self.typed(raw.get("multi"), child_path(path, "multi"), bool, False),
                "sets_language": self.typed(raw.get("sets_language"), child_path(path, "sets_language"), bool, False),
                "columns": self.typed(raw.get("columns"), child_path(path, "columns"), int, 1),
                "ages": self.ages(raw.get("ages"), child_path(path, "ages")),
            }
        elif kind == "text":
            extra = {"validators": self.validators(raw.get("validators"), child_path(path, "validators"))}
        elif kind == "review":
            fields = self.typed(raw.get("fields"), child_path(path, "fields"), list, [])
            extra = {
                "fields": tuple(str(f) for f in fields),
                "consent": self.consent(raw.get("consent"), child_path(path, "consent")),
            }
        return STEP_KINDS[kind](**common, **extra)


def load_flow(source: str) -> Flow:
    """Parse, migrate and build a flow; raises ``FlowLoadError`` listing every located problem."""
    try:
        return _load(source)
    except FlowLoadError:
        raise
    except Exception as exc:  # a hole in the checks above must still reach the admin as a load error
        raise FlowLoadError([LoadProblem("", f"the file could not be loaded ({type(exc).__name__})", None)]) from exc


def _load(source: str) -> Flow:
    data, lines, problems = parse(source)
    if problems or not isinstance(data, dict):
        raise FlowLoadError(problems or [LoadProblem("", "a flow file must be a mapping", 1)])
    try:
        data = migrate(data)
    except ValueError as exc:
        raise FlowLoadError([LoadProblem("spec_version", str(exc), lines.get("spec_version"))]) from None
    b = _Builder(lines)
    for key in sorted(set(data) - TOP_KEYS):
        b.fail(key, "unknown top-level key")
    flow_id = data.get("id")
    if not isinstance(flow_id, str) or not ID_RE.match(flow_id):
        b.fail("id", "the flow needs an 'id' of lower-case letters, digits and _")
    name = b.text(data.get("name"), "name") or Text({})
    # Without a list, the two languages every flow needs; Roman Urdu is checked once a flow lists it.
    languages = tuple(b.typed(data.get("languages"), "languages", list, ["en", "ur"]))
    for i, lang in enumerate(languages):
        if lang not in LANGUAGES:
            b.fail(f"languages[{i}]", f"unsupported language {clip(lang)} (supported: {', '.join(LANGUAGES)})")
    raw_steps = data.get("steps")
    steps: dict[str, Step] = {}
    if not isinstance(raw_steps, list) or not raw_steps:
        b.fail("steps", "the flow needs a list of steps")
        raw_steps = []
    for i, raw in enumerate(raw_steps):
        step = b.step(raw, f"steps[{i}]")
        if step is None:
            continue
        if step.id in steps:
            b.fail(f"steps[{i}].id", f"duplicate step id {step.id!r} (first at line {steps[step.id].line})")
            continue
        steps[step.id] = step
    start = data.get("start") or (next(iter(steps)) if steps else "")
    if steps and (not isinstance(start, str) or start not in steps):
        b.fail("start", f"unknown step {clip(start)}")
    report = b.typed(data.get("report"), "report", dict, {})
    for field, step_id in report.items():
        if field not in REPORT_FIELDS:
            b.fail(f"report.{field}", f"unknown report field (one of {', '.join(REPORT_FIELDS)})")
        elif not isinstance(step_id, str) or step_id not in steps:
            b.fail(f"report.{field}", f"unknown step {clip(step_id)}")
    danger = b.danger(data.get("danger"), "danger")
    option_ids = {o.id for s in steps.values() if isinstance(s, ChoiceStep) for o in s.options}
    words_block = b.words(data.get("words"), "words", option_ids)
    places = b.places(data.get("places"), "places", steps)
    _check_references(steps, b.fail)
    if b.problems:
        raise FlowLoadError(sorted(b.problems, key=lambda p: p.line or 0))
    assert isinstance(flow_id, str)
    vocabulary = compile_words(words_block)
    for step_id, step in steps.items():
        if isinstance(step, ChoiceStep):
            table, clashes = place_table(step, places.get(step_id, {}))
            for clash in clashes:
                b.fail(f"places.{step_id}", clash)
            steps[step_id] = replace(step, vocabulary=option_table(step, vocabulary), places=table)
    if b.problems:
        raise FlowLoadError(sorted(b.problems, key=lambda p: p.line or 0))
    return Flow(
        flow_id, SPEC_VERSION, name, languages, start, steps, dict(report), danger, words_block, vocabulary, places
    )


def _check_conditions(
    steps: dict[str, Step], when: tuple[Condition, ...], where: str, fail: Callable[[str, str], None]
) -> None:
    for cond in when:
        if cond.step not in steps:
            fail(f"{where}.when.{cond.step}", f"unknown step {clip(cond.step)}")
            continue
        target = steps[cond.step]
        if isinstance(target, ChoiceStep):
            known = {o.id for o in target.options} | {"skipped"}
            for value in sorted(cond.values - known):
                fail(f"{where}.when.{cond.step}", f"{cond.step!r} has no option {clip(value)}")


def _check_references(steps: dict[str, Step], fail: Callable[[str, str], None]) -> None:
    for step in steps.values():
        for i, branch in enumerate(step.next):
            where = f"{step.path}.next" if len(step.next) == 1 and not branch.when else f"{step.path}.next[{i}]"
            if branch.goto not in steps:
                fail(where, f"unknown step {clip(branch.goto)}")
            _check_conditions(steps, branch.when, where, fail)
        for i, variant in enumerate(step.variants):
            _check_conditions(steps, variant.when, f"{step.path}.variants[{i}]", fail)
        if step.on_exhausted is not None and step.on_exhausted not in steps:
            fail(f"{step.path}.on_exhausted", f"unknown step {clip(step.on_exhausted)}")
        if step.on_exhausted is not None and step.max_attempts is None:
            fail(f"{step.path}.on_exhausted", "on_exhausted needs max_attempts")
        if isinstance(step, ChoiceStep):
            for option_id, _low, _high in step.ages:
                if step.option(option_id) is None:
                    fail(f"{step.path}.ages.{option_id}", f"{step.id!r} has no option {clip(option_id)}")
        if isinstance(step, ChoiceStep) and step.sets_language:
            for i, opt in enumerate(step.options):
                if opt.id not in LANGUAGES:
                    fail(f"{step.path}.options[{i}].id", f"a language choice offers only {LANGUAGES}")
        if isinstance(step, ReviewStep) and step.consent is not None and step.consent.declined not in steps:
            fail(f"{step.path}.consent.declined", f"unknown step {clip(step.consent.declined)}")
        if isinstance(step, ReviewStep):
            for i, field in enumerate(step.fields):
                if field not in steps or not steps[field].ASKS:
                    fail(f"{step.path}.fields[{i}]", f"{clip(field)} is not a question step")
        if isinstance(step, TextStep):
            for i, spec in enumerate(step.validators):
                problem = pattern_problem(str(spec.params.get("regex", ""))) if spec.kind == "pattern" else None
                if problem is not None:
                    fail(f"{step.path}.validators[{i}].regex", f"{problem} (step {step.id!r})")
