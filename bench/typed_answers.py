"""How well typed answers are understood: a table per question kind and language.

Every line of ``bench/corpus/typed_answers.tsv`` (written blind, before the flow's alias tables; see
its git history) is typed at its question of ``flows/report.yaml`` through the real runner, from a
session waiting at that question. Each answer lands in one column:

* understood: the answer meant was taken (a place counts when the one-tap confirmation it brings
  proposes the right province; a "no" to consent, asked on the review, counts when the bot asks
  for the "Do not send" tap, since typing never deletes a report); for a line marked ``reask``,
  being asked again is understanding;
* re-asked: asked again although the answer meant could have been taken (costs one more message);
* misunderstood: an answer other than the one meant was taken (the failure that matters).

Run from the repository root: ``python bench/typed_answers.py [--misses]``. Prints the table and,
with ``--misses``, every line not understood.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.engine import runner  # noqa: E402 - after the path set-up above
from bot.engine.events import CONFIRM, Answered, Notice  # noqa: E402
from bot.engine.loader import load_flow  # noqa: E402
from bot.engine.model import Flow  # noqa: E402
from bot.engine.runner import TAP_TO_DECLINE  # noqa: E402
from bot.engine.session import COMPLETED, SUBMITTING, Session  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "typed_answers.tsv"
TODAY = date(2026, 11, 30)
UNDERSTOOD, REASKED, MISUNDERSTOOD = "understood", "re-asked", "misunderstood"
# Answers given before each question, so that it is asked as in a real report (not the self lane).
BEFORE: dict[str, dict[str, object]] = {
    "reporter": {"language": "en"},
    "minor": {"language": "en", "reporter": "someone_else"},
    "category": {"language": "en", "reporter": "someone_else", "minor": "no", "account": None},
    "contact": {"language": "en", "reporter": "someone_else", "minor": "no", "suspects": None},
}
LINK = [{"url": "https://www.facebook.com/some.profile", "platform": "facebook"}]


@dataclass(frozen=True, slots=True)
class Row:
    step: str
    lang: str
    expect: str
    text: str


def load(path: Path = CORPUS) -> list[Row]:
    rows: list[Row] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("step\t"):
            continue
        step, lang, expect, text = line.split("\t")
        rows.append(Row(step, lang, expect, text))
    return rows


def _session(flow: Flow, row: Row) -> Session:
    answers: dict[str, object] = dict(BEFORE.get(row.step, {"language": "en", "reporter": "someone_else"}))
    step = row.step
    if row.step == "evidence_done":
        step, answers["evidence"] = "evidence", LINK
    elif row.step in ("review_send", "consent"):
        # Consent is asked on the review itself: "May we send it?" under the report, Send / Do not send.
        step = "review"
        answers.update({"minor": "no", "category": "hacking", "province": "punjab"})
    lang = row.lang if row.lang in flow.languages else "en"
    return Session(flow.id, 1, lang, step=step, answers=answers, history=("reporter",), id="bench")


def judge(flow: Flow, row: Row) -> str:
    session = _session(flow, row)
    assert session.step is not None  # _session always asks a question
    turn = runner.resume(flow, session, runner.Input(text=row.text), today=TODAY)
    after = turn.session
    taken = next((e for e in turn.events if isinstance(e, Answered) and e.step == session.step), None)
    if row.step == "review_send":
        sent = after.status in (SUBMITTING, COMPLETED)
        return UNDERSTOOD if sent == (row.expect == "send") else (REASKED if not sent else MISUNDERSTOOD)
    if row.step == "consent":
        # "yes" sends; "no" is understood when the bot asks for the "Do not send" tap (typing never deletes).
        sent = after.status in (SUBMITTING, COMPLETED)
        declining = any(isinstance(e, Notice) and e.reason.msgid == TAP_TO_DECLINE for e in turn.events)
        said = "yes" if sent else "no" if declining else "reask"
        if said == row.expect:
            return UNDERSTOOD
        return REASKED if said == "reask" else MISUNDERSTOOD
    if row.step == "evidence_done":
        done = taken is not None
        return UNDERSTOOD if done == (row.expect == "done") else (REASKED if not done else MISUNDERSTOOD)
    if taken is None:
        proposed = after.draft[1] if len(after.draft) == 2 and after.draft[0] == CONFIRM else None
        if proposed is not None:
            return UNDERSTOOD if proposed == row.expect else MISUNDERSTOOD
        if row.step == "language" and after.lang != session.lang:
            return UNDERSTOOD if after.lang == row.expect else MISUNDERSTOOD
        return UNDERSTOOD if row.expect == "reask" else REASKED
    value = after.answers.get(session.step)
    got = ",".join(value) if isinstance(value, list) else str(value)
    return UNDERSTOOD if got == row.expect else MISUNDERSTOOD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every answer not understood")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="typed answers (default: %(default)s)")
    args = parser.parse_args()
    flow = load_flow((ROOT / "flows" / "report.yaml").read_text(encoding="utf-8"))
    rows = load(args.corpus)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    for row in rows:
        verdict = judge(flow, row)
        for key in ((row.step, row.lang), (row.step, "all"), ("all", row.lang), ("all", "all")):
            cells[key][verdict] += 1
        if verdict != UNDERSTOOD:
            misses.append(f"{verdict:<13} {row.step:<13} {row.lang:<5} want {row.expect:<22} {row.text}")
    steps = [*dict.fromkeys(r.step for r in rows), "all"]
    print(f"{len(rows)} typed answers from {args.corpus.name}, typed at their question of flows/report.yaml\n")
    header = f"{'question':<14} {'lang':<6} {'n':>4} {'understood':>11} {'re-asked':>9} {'misunderstood':>14}"
    print(header)
    print("-" * len(header))
    for step in steps:
        for lang in ("en", "ur", "roman", "all"):
            cell = cells.get((step, lang))
            if not cell:
                continue
            n = sum(cell.values())
            shares = [100 * cell[v] / n for v in (UNDERSTOOD, REASKED, MISUNDERSTOOD)]
            print(f"{step:<14} {lang:<6} {n:>4} {shares[0]:>10.1f}% {shares[1]:>8.1f}% {shares[2]:>13.1f}%")
        print()
    if args.misses:
        print("Not understood:")
        print("\n".join(sorted(misses)))


if __name__ == "__main__":
    main()
