"""Accuracy and cost of ``bot.cases.language.detect_language`` on the shared phrase table.

For each category of ``testing/language_phrases.py`` (Urdu script, Roman Urdu, English; short and long)
it prints how many phrases came out in the expected language and the median and p95 time of one
decision in microseconds, measured warm (every phrase is run once before timing, then ``--repeats``
times). No prior is passed, so the text alone decides.

Why: the detector runs on every first message, and the one slow path, langdetect, is loaded lazily.
The cold cost (importing langdetect and loading its 55 profiles on first need) is printed apart, from
a fresh process, together with the warm cost of a decision that goes through langdetect, because
the phrase table itself is meant to be settled by script and word lists.

Run from the repository root: ``python bench/language.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Long Latin text that neither word list settles, so it is decided by langdetect.
LANGDETECT_SAMPLE = "Respected officer, kindly investigate fraudulent activity regarding unauthorised transfers"


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed runs of every phrase (default 200)")
    args = parser.parse_args()

    started = time.perf_counter()
    from bot.cases.language import detect_language
    from testing.language_phrases import CATEGORIES

    import_ms = (time.perf_counter() - started) * 1e3
    langdetect_at_import = "langdetect" in sys.modules

    started = time.perf_counter()
    cold = detect_language(LANGDETECT_SAMPLE)
    cold_ms = (time.perf_counter() - started) * 1e3
    assert cold.reason == "langdetect", cold
    warm_ld: list[float] = []
    for _ in range(max(20, args.repeats // 10)):
        t0 = time.perf_counter_ns()
        detect_language(LANGDETECT_SAMPLE)
        warm_ld.append((time.perf_counter_ns() - t0) / 1e3)

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.repeats} timed runs per phrase")
    loaded = "yes" if langdetect_at_import else "no"
    print(f"import bot.cases.language: {import_ms:.1f} ms (langdetect imported: {loaded})")
    print(f"first langdetect decision (import + load profiles): {cold_ms:.0f} ms")
    print(f"warm langdetect decision: median {statistics.median(warm_ld):.0f} us\n")

    header = f"{'category':<20} {'right':>9} {'accuracy':>9} {'median us':>10} {'p95 us':>8}  reasons"
    print(header)
    print("-" * len(header))
    all_times: list[float] = []
    all_right = all_total = 0
    misses: list[str] = []
    for name, (expected, phrases) in CATEGORIES.items():
        right = 0
        reasons: Counter[str] = Counter()
        times: list[float] = []
        for phrase in phrases:
            found = detect_language(phrase)  # warm-up, and the answer that is scored
            reasons[found.reason] += 1
            if found.lang == expected:
                right += 1
            else:
                misses.append(f"  {name}: {phrase!r} -> {found}")
            for _ in range(args.repeats):
                t0 = time.perf_counter_ns()
                detect_language(phrase)
                times.append((time.perf_counter_ns() - t0) / 1e3)
        times.sort()
        all_times.extend(times)
        all_right += right
        all_total += len(phrases)
        why = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
        print(
            f"{name:<20} {f'{right}/{len(phrases)}':>9} {right / len(phrases):>9.0%} "
            f"{statistics.median(times):>10.1f} {_percentile(times, 0.95):>8.1f}  {why}"
        )
    all_times.sort()
    print("-" * len(header))
    print(
        f"{'overall':<20} {f'{all_right}/{all_total}':>9} {all_right / all_total:>9.0%} "
        f"{statistics.median(all_times):>10.1f} {_percentile(all_times, 0.95):>8.1f}"
    )
    if misses:
        print("\nmisses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
