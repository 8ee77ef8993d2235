"""Issue 20, findings 5 and 6: a hostile flow file, from an admin's upload or the command line.

Finding 5: YAML's aliases, tags and sheer size reached the loader unchecked (a 527-byte alias bomb
froze the event loop for 33 s and took 2.7 GB; some files escaped as a generic apology; forty
10,000-character step ids made ninety messages). Finding 6: a published ``pattern: (a+)+`` let one
citizen freeze every chat for 18 s with 29 × "a" + "!".

Each test here fails on the code before the fix (cdab981). The bomb runs in a child process with a
memory limit and a timeout, so the old code fails the test instead of eating the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.cases.publishing import Assessment, assess
from bot.cases.routing import load_routing
from bot.engine.errors import FlowLoadError
from bot.engine.loader import load_flow
from bot.engine.model import ValidatorSpec
from bot.engine.outcome import Invalid, Valid
from bot.engine.validators import TOO_LONG, check
from main import main
from testing.citizens import Citizen
from testing.fakeapi.server import FakeBotApi
from testing.harness import Running, running_bot
from testing.hostile import alias_bomb

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 9000
MEMORY_LIMIT = 1024**3  # the child's address space: the old code reaches it and fails, in seconds
TODAY = date(2026, 11, 28)

HEAD = """\
spec_version: 1
id: report
name: {en: Demo, ur: ڈیمو}
steps:
"""
END = "  - id: done\n    kind: end\n    text: {en: Bye, ur: خدا حافظ}\n"


def text_step(regex: str, step_id: str = "code") -> str:
    return (
        f"  - id: {step_id}\n    kind: text\n    label: {{en: Code, ur: کوڈ}}\n"
        f"    text: {{en: 'Your code?', ur: 'آپ کا کوڈ؟'}}\n"
        f"    validators:\n      - kind: pattern\n        regex: '{regex}'\n    next: done\n"
    )


def problems(source: str) -> list[Any]:
    with pytest.raises(FlowLoadError) as info:
        load_flow(source)
    return list(info.value.problems)


def run_limited(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``code`` in a child Python with at most MEMORY_LIMIT of memory, from the repository root."""
    prelude = f"import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    try:
        return subprocess.run(
            [sys.executable, "-c", prelude + code, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s")


# ---- finding 5: aliases, tags, size ----------------------------------------------------------------------


MEASURE = """
import json, time
from bot.engine.errors import FlowLoadError
from bot.engine.loader import load_flow
source = open(sys.argv[1], encoding="utf-8").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    load_flow(source)
    outcome = {"kind": "loaded"}
except FlowLoadError as exc:
    outcome = {"kind": "FlowLoadError", "problems": [[p.path, p.message, p.line] for p in exc.problems]}
except BaseException as exc:
    outcome = {"kind": type(exc).__name__}
outcome["seconds"] = time.perf_counter() - started
outcome["grew_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps(outcome))
"""


def test_attack_5_alias_bomb_refused_fast(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    assert len(alias_bomb().encode()) < 600
    child = run_limited(MEASURE, str(bomb))
    assert child.returncode == 0, child.stderr[-500:]
    outcome = json.loads(child.stdout)
    assert outcome["kind"] == "FlowLoadError", outcome
    [(path, message, line)] = outcome["problems"]
    assert (path, line) == ("lol", 3) and "aliases" in message  # at the first anchor, before any expansion
    assert outcome["seconds"] < 0.5 and outcome["grew_kb"] < 50 * 1024

    # The command line too: `flows check` names the place and fails, in a child with the same limit.
    cli = run_limited("import main\nsys.exit(main.main(sys.argv[1:]))", "flows", "check", str(bomb))
    assert cli.returncode == 1 and "lol: anchors (&name) and aliases (*name) are not allowed" in cli.stdout
    assert "(line 3)" in cli.stdout


def test_attack_5_self_alias_is_located_error() -> None:
    found = problems(HEAD + "  - &step [*step]\n")
    assert [(p.path, p.line) for p in found] == [("steps[0]", 5)]
    assert "aliases" in found[0].message
    # Anchors alone are refused too: a flow file is written out in full.
    found = problems(HEAD + "  - &first {id: done, kind: end, text: {en: Bye, ur: بائے}}\n")
    assert [(p.path, p.line) for p in found] == [("steps[0]", 5)]


def test_attack_5_python_tag_is_located_error() -> None:
    source = HEAD + "  - id: done\n    kind: end\n    text: {en: !!python/name:os.system '', ur: بائے}\n"
    found = problems(source)
    assert [str(p) for p in found] == [
        "steps[0].text.en: the tag '!!python/name:os.system' is not allowed; remove it (line 7)"
    ]
    source = HEAD + "  - !!python/object/apply:os.system ['echo hacked']\n" + END
    assert (problems(source)[0].path, problems(source)[0].line) == ("steps[0]", 5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!!binary 'not base64!'", "the tag '!!binary' is not allowed"),
        ("!!timestamp 'nope'", "the tag '!!timestamp' is not allowed"),
        ("!!timestamp 2024-01-01", "the tag '!!timestamp' is not allowed"),  # even a good one: no dates objects
        ("!!set {a}", "the tag '!!set' is not allowed"),
        ("!!int twelve", "'twelve' is not a valid !!int"),
        ("0b_", "'0b_' is not a number this file can hold"),  # YAML's pattern for an int, but int() fails
        ("1" * 5000, "(5000 characters) is not a number this file can hold"),  # more digits than Python reads
    ],
)
def test_attack_5_bad_binary_and_timestamp_are_located_errors(value: str, expected: str) -> None:
    source = HEAD + "  - id: done\n    kind: end\n    text: {en: Bye, ur: بائے}\n    max_attempts: " + value + "\n"
    found = problems(source)
    assert found[0].path == "steps[0].max_attempts" and found[0].line == 8
    assert expected in found[0].message and len(str(found[0])) < 200


async def test_attack_5_bad_binary_and_timestamp_are_located_errors_on_the_publish_path() -> None:
    # What the upload and `flows publish` call: before the fix these escaped `assess` as exceptions.
    for value in ("!!binary 'not base64!'", "!!timestamp 'nope'", "!!python/name:os.system ''", "0b_"):
        verdict = await assess(HEAD + "  - id: done\n    kind: end\n    text: {en: " + value + ", ur: بائے}\n", None)
        assert not verdict.publishable
        assert verdict.problems and all(p.line for p in verdict.problems), (value, verdict.problems)
    # An implicit date, "=" or "<<" is the text written, not a date object or a constructor error.
    flow = load_flow(HEAD + "  - id: done\n    kind: end\n    text: {en: 2024-13-45, ur: '='}\n")
    assert flow.steps["done"].text is not None and flow.steps["done"].text.by_lang == {"en": "2024-13-45", "ur": "="}


def test_attack_5_size_nesting_and_keys_are_capped() -> None:
    found = problems("a: '" + "x" * (600 * 1024) + "'\n")
    assert [str(p) for p in found] == ["the file is 600 KB; the limit is 512 KB (line 1)"]
    found = problems("steps: " + "[" * 40 + "]" * 40 + "\n")
    assert found[0].message == "nested more than 16 levels deep" and found[0].line == 1
    found = problems(HEAD + "".join(f"  - {{id: s{i}, kind: end, text: {{en: a, ur: b}}}}\n" for i in range(3000)))
    assert "more than 20000 values" in found[0].message and found[0].line is not None
    found = problems("spec_version: 1\n" + "k" * 1000 + ": 1\n")
    assert len(str(found[0])) < 200 and "(1000 characters) is too long for a name" in found[0].message
    found = problems("? [a, b]\n: c\n")
    assert [str(p) for p in found] == ["a key must be a name, not a list or a mapping (line 1)"]


def test_attack_5_routing_file_refuses_aliases() -> None:
    with pytest.raises(FlowLoadError) as info:
        load_routing("spec_version: 1\nfallback: &f [*f]\n")
    assert [(p.path, p.line) for p in info.value.problems] == [("fallback", 2)]


def test_attack_5_unhashable_values_are_located_errors() -> None:
    # A list where a name belongs raised TypeError (unhashable) out of the loader.
    found = problems(HEAD + "  - {id: done, kind: [end], text: {en: Bye, ur: بائے}}\n")
    assert str(found[0]).startswith("steps[0].kind: unknown kind ['end']")
    found = problems(HEAD.replace("steps:", "start: [done]\nsteps:") + END)
    assert [str(p) for p in found] == ["start: unknown step ['done'] (line 4)"]


def many_unknown_steps(count: int = 40, size: int = 10_000) -> str:
    steps = "".join(
        f"  - id: s{i}\n    kind: message\n    text: {{en: Hi, ur: سلام}}\n    next: {'x' * size}{i}\n"
        for i in range(count)
    )
    return HEAD + steps + END


def test_attack_5_many_errors_are_short_and_summarised() -> None:
    with pytest.raises(FlowLoadError) as info:
        load_flow(many_unknown_steps())
    assert len(info.value.problems) == 40
    assert all(len(str(p)) < 200 for p in info.value.problems)
    assert "(10001 characters)" in str(info.value.problems[0])
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "… and 20 more"


@pytest_asyncio.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Running]:
    api = FakeBotApi()
    await api.start()
    try:
        async with running_bot(api, tmp_path / "bot.sqlite3", ADMIN_IDS=str(ADMIN)) as running:
            yield running
    finally:
        await api.stop()


async def upload(admin: Citizen, content: bytes) -> list[str]:
    """Send a flow file and return every message the bot answered with, once it is quiet."""
    seen, before = len(admin.texts()), len(admin.api.calls)
    admin.user.send_document("report.yaml", content)
    await admin.api.wait_for(lambda: len(admin.texts()) > seen, within=60)
    await admin.settle(before)
    return admin.texts()[seen:]


async def test_attack_5_many_errors_summarised(bot: Running) -> None:
    admin = Citizen(bot.api, ADMIN, "en")
    replies = await upload(admin, many_unknown_steps().encode())
    assert len(replies) == 1, f"{len(replies)} messages"  # it was 90
    text = replies[0]
    assert "Not published: the file does not load." in text
    assert "steps[0].next: unknown step 'xxxxxxxx" in text and "(10001 characters) (line 8)" in text
    assert "… and 20 more." in text and len(text) < 4096
    # An alias and a Python tag get a located refusal, not the generic apology. (Not the bomb itself:
    # in this process the old code would expand it; test_attack_5_alias_bomb_refused_fast runs it apart.)
    replies = await upload(admin, (HEAD + "  - &step [*step]\n").encode())
    assert len(replies) == 1 and "steps[0]: anchors (&name) and aliases (*name) are not allowed" in replies[0]
    replies = await upload(admin, (HEAD + "  - !!python/name:os.system ''\n" + END).encode())
    assert len(replies) == 1 and "steps[0]: the tag '!!python/name:os.system' is not allowed" in replies[0]


async def test_attack_5_upload_is_judged_off_the_event_loop(bot: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []

    async def judged(content: str, live: object, scripts_dir: Path | None = None) -> Assessment:
        threads.append(threading.get_ident())
        return Assessment(None, problems=[])

    monkeypatch.setattr("bot.cases.publishing.assess", judged)  # imported when an upload comes
    admin = Citizen(bot.api, ADMIN, "en")
    await upload(admin, b"spec_version: 1\n")
    assert threads and threads[0] != threading.get_ident()  # the bot's event loop runs in this thread


# ---- finding 6: catastrophic patterns --------------------------------------------------------------------

NESTED = ["(a+)+", "(a*)*", "(a|a)*", "(a|aa)+", r"(\w+\s?)+", "(x+x+)+y", "(?:a?){2,}", r"(\d+-?)+$"]


@pytest.mark.parametrize("regex", NESTED)
def test_attack_6_nested_quantifier_refused_at_publish(
    regex: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "demo.yaml"
    # Not the flow "report": its golden scripts would feed the old code's pattern long answers, for hours.
    flow.write_text(HEAD.replace("id: report", "id: demo") + text_step(regex) + END, encoding="utf-8")
    started = time.perf_counter()
    assert main(["flows", "publish", str(flow), "--db", str(tmp_path / "bot.sqlite3")]) == 1
    assert time.perf_counter() - started < 5
    out = capsys.readouterr().out
    assert "error: steps[0].validators[0].regex: this pattern could freeze the bot" in out
    assert "(step 'code') (line 11)" in out and "not published" in out


@pytest.mark.parametrize(
    "regex",
    [
        "a?" * 21 + "a" * 21,  # 2 million ways to split an answer
        r"\w*\w*\w*\w*!",  # four repeats that overlap: 70 million ways in 200 characters
        r"(a)\1",  # back-references are outside what the check can reason about
        "x" * 201,
    ],
)
def test_attack_6_polynomial_and_unanalysable_patterns_refused(regex: str) -> None:
    found = problems(HEAD + text_step(regex) + END)
    assert found[0].path == "steps[0].validators[0].regex" and found[0].line == 11


SAFE = [
    r"^\d{5}-\d{7}-\d$",  # a CNIC
    r"(?:\+92|0)?3\d{2}-?\d{7}",  # a mobile number
    r"@?[A-Za-z0-9_]{5,32}",  # a Telegram username
    r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+",  # an email address: three repeats in a row are fine
    r"[A-Z]{2,3}-\d+",
    r"(cat|dog)+",  # alternatives that each start with their own letter
    r"(\d{3}-)+\d{3}",  # a repeat of fixed count inside a repeat is only shorthand
    r"\w*\w*\w*!",
    "[a-z]+",
]


@pytest.mark.parametrize("regex", SAFE)
def test_attack_6_safe_patterns_still_allowed(regex: str) -> None:
    from bot.engine.validators import MAX_PATTERN_INPUT, pattern_problem

    assert pattern_problem(regex) is None
    flow = load_flow(HEAD + text_step(regex) + END)
    spec = flow.steps["code"].validators[0]  # type: ignore[attr-defined]
    started = time.perf_counter()
    check(spec, "a" * MAX_PATTERN_INPUT, TODAY)
    check(spec, "a" * (MAX_PATTERN_INPUT - 1) + "!", TODAY)
    assert time.perf_counter() - started < 0.5


def test_attack_6_long_answer_is_not_matched() -> None:
    # Defence in depth: whatever the pattern, it never runs on more than 200 characters.
    spec = ValidatorSpec("pattern", {"regex": "[a-z]+"})
    assert check(spec, "a" * 200, TODAY) == Valid("a" * 200)
    outcome = check(spec, "a" * 201, TODAY)
    assert isinstance(outcome, Invalid) and outcome.reason.msgid == TOO_LONG
    assert outcome.reason.params == {"length": 201, "max": 200}
