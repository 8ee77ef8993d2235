"""The blind typed-answer sets, as a behaviour test: no yes/no or consent answer is ever misread.

``bench/typed_answers.py`` prints the whole table; this holds the line that must never move: a
"yes" read as "no" (or the reverse) on the under-18, still-happening and consent questions.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from bot.engine.model import Flow
from tests.conftest import ROOT

YES_NO_STEPS = ("minor", "ongoing", "consent")


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_typed_answers", ROOT / "bench" / "typed_answers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


CORPORA = sorted((ROOT / "bench" / "corpus").glob("typed_answers*.tsv"))


@pytest.mark.parametrize("corpus", CORPORA, ids=[p.stem for p in CORPORA])
def test_no_yes_no_or_consent_answer_is_misunderstood(report_flow: Flow, corpus: Path) -> None:
    bench = bench_module()
    rows = [r for r in bench.load(corpus) if r.step in YES_NO_STEPS]
    assert len(rows) >= 50
    verdicts: Counter[str] = Counter()
    wrong = []
    for row in rows:
        verdict = bench.judge(report_flow, row)
        verdicts[verdict] += 1
        if verdict == bench.MISUNDERSTOOD:
            wrong.append(f"{row.step} {row.lang} want {row.expect}: {row.text}")
    assert wrong == []
    assert verdicts[bench.UNDERSTOOD] > verdicts[bench.REASKED]  # and most are simply understood
