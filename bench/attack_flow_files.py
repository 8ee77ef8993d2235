"""Hostile flow files (issue 20, findings 5 and 6): what refusing them costs, and what they cost before.

    python bench/attack_flow_files.py [--runs N] [--old-n 18-24]

Prints:

1. the alias bomb (nine levels of nine aliases, 371 bytes, 387 million strings once expanded):
   the time ``load_flow`` takes to refuse it and the peak memory it allocates meanwhile
   (``tracemalloc``) and the growth of the process's peak RSS (targets: < 100 ms, < 50 MB);
2. the time ``load_flow`` takes to refuse a flow whose text step has ``pattern: (a+)+``;
3. for scale, the parse of the default flow (``flows/report.yaml``) now, and libyaml's own
   ``yaml.compose`` of it, since every start-up and upload pays for the parse;
4. the worst pattern the check still allows, on an answer of the longest length a pattern is run on;
5. the old behaviour, which the loader now refuses: ``re.fullmatch("(a+)+", "a" * n + "!")`` for
   small n, the factor per extra "a", and the extrapolation to the 29 of the finding. Not the old
   alias expansion itself: it took 33 s and 2.7 GB on the reviewer's machine.

Times are the median of ``--runs`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.engine.errors import FlowLoadError  # noqa: E402
from bot.engine.loader import load_flow  # noqa: E402
from bot.engine.validators import MAX_PATTERN_INPUT, pattern_problem  # noqa: E402
from bot.engine.yamltree import parse  # noqa: E402
from testing.hostile import alias_bomb  # noqa: E402  # the same bomb the test refuses

HEAD = "spec_version: 1\nid: demo\nname: {en: Demo, ur: ڈیمو}\nsteps:\n"
NESTED = (
    HEAD + "  - id: code\n    kind: text\n    label: {en: Code, ur: کوڈ}\n    text: {en: Code?, ur: کوڈ؟}\n"
    "    validators:\n      - {kind: pattern, regex: '(a+)+'}\n    next: done\n"
    "  - id: done\n    kind: end\n    text: {en: Bye, ur: خدا حافظ}\n"
)


def median_ms(action: object, runs: int) -> float:
    assert callable(action)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def refuse(source: str) -> str:
    try:
        load_flow(source)
    except FlowLoadError as exc:
        return str(exc.problems[0])
    raise SystemExit("not refused: the fix is missing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--old-n", default="18-24", help="range of n for the old (a+)+ matching, e.g. 18-24")
    args = parser.parse_args()
    low, high = (int(x) for x in args.old_n.split("-"))
    print(f"Python {sys.version.split()[0]}, PyYAML {yaml.__version__}, libyaml: {hasattr(yaml, 'CSafeLoader')}")

    bomb = alias_bomb()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    problem = refuse(bomb)
    first_ms = (time.perf_counter() - started) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    print(f"\n1. alias bomb, {len(bomb.encode())} bytes: {problem}")
    print(f"   refused in {median_ms(lambda: refuse(bomb), args.runs):.3f} ms (median; first run {first_ms:.3f} ms)")
    print(f"   peak allocated while refusing: {peak / 1024:.1f} KB; peak RSS growth: {rss_growth} KB")

    print(f"\n2. flow with pattern (a+)+: {refuse(NESTED)}")
    print(f"   refused in {median_ms(lambda: refuse(NESTED), args.runs):.3f} ms (median)")

    report = (ROOT / "flows" / "report.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    print(f"\n3. default flow, {len(report.encode()) // 1024} KB:")
    parse_ms = median_ms(lambda: parse(report), args.runs)
    compose_ms = median_ms(lambda: yaml.compose(report, Loader=loader), args.runs)
    load_ms = median_ms(lambda: load_flow(report), args.runs)
    print(f"   yamltree.parse {parse_ms:.2f} ms; libyaml's yaml.compose alone {compose_ms:.2f} ms;", end=" ")
    print(f"load_flow {load_ms:.2f} ms")

    print(f"\n4. worst allowed patterns, each on its worst answer (at most {MAX_PATTERN_INPUT} characters):")
    for regex, answer in (
        ("a?" * 20 + "a" * 20, "a" * 19 + "!"),
        (r"\w*\w*\w*!", "a" * MAX_PATTERN_INPUT),
        (r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+", "a" * 100 + "@" + "a" * 98 + "!"),
    ):
        assert pattern_problem(regex) is None
        shown = regex if len(regex) < 40 else regex[:18] + "…" + regex[-18:]
        print(f"   {shown:40} {median_ms(lambda r=regex, a=answer: re.fullmatch(r, a), 5):8.1f} ms")

    print('\n5. before the fix: re.fullmatch("(a+)+", "a" * n + "!")')
    previous = None
    for n in range(low, high + 1):
        ms = median_ms(lambda n=n: re.fullmatch("(a+)+", "a" * n + "!"), 1 if n > 21 else 3)
        factor = f"  x{ms / previous:.2f}" if previous else ""
        print(f"   n={n:2}  {ms:9.1f} ms{factor}")
        previous, last_n, last_ms = ms, n, ms
    seconds = last_ms * 2 ** (29 - last_n) / 1000
    print(f"   n=29 extrapolated (x2 per 'a'): {seconds:.0f} s, every chat frozen meanwhile")


if __name__ == "__main__":
    main()
