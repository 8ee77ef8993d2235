"""Language detection on first messages nobody tuned the detector on: accuracy per kind of writer.

``bench/corpus/first_messages.tsv`` was written blind and committed before the detector learned
Roman Urdu as a reply language of its own (see its git history). For each kind of message (Urdu
script, Roman Urdu, English, mixed, short) this prints how often ``detect_language`` picks the
reply language the writer reads best, twice: with no Telegram ``language_code`` and with
``language_code=en``, which most Pakistani phones report whatever their owner writes. It also
prints how often the bot would start without asking (a confident detection) and how often such a
confident start was wrong, the miss that costs a citizen most.

Run from the repository root: ``python bench/first_messages.py [--misses]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "bench" / "corpus" / "first_messages.tsv"
KINDS = ("urdu_script", "roman_urdu", "english", "mixed", "short")


def load(path: Path = CORPUS) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("kind\t"):
            continue
        kind, expected, text = line.split("\t")
        rows.append((kind, expected, text))
    return rows


def main() -> None:
    from bot.cases.language import confident, detect_language

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong detection")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="first messages (default: %(default)s)")
    args = parser.parse_args()
    rows = load(args.corpus)
    print(f"{len(rows)} first messages from {args.corpus.name}\n")
    half = f"{'sure':>6} {'sure+wrong':>10}"
    header = f"{'kind':<12} {'n':>4} | {'no code':>8} {half} | {'code=en':>8} {half}"
    print(header)
    print("-" * len(header))
    misses: list[str] = []
    for kind in (*KINDS, "all"):
        subset = [r for r in rows if kind in ("all", r[0])]
        cells: list[str] = []
        for code in (None, "en"):
            right = sure = sure_wrong = 0
            for row_kind, expected, text in subset:
                found = detect_language(text, code)
                right += found.lang == expected
                if confident(found):
                    sure += 1
                    sure_wrong += found.lang != expected
                if found.lang != expected and kind != "all":
                    misses.append(
                        f"{row_kind:<11} code={code or '-':<2} want {expected:<5} got {found.lang:<5} "
                        f"({found.reason}, {found.confidence:.2f}): {text[:90]}"
                    )
            n = len(subset) or 1
            cells.append(f"{100 * right / n:7.1f}% {100 * sure / n:5.0f}% {sure_wrong:>10}")
        print(f"{kind:<12} {len(subset):>4} | {cells[0]} | {cells[1]}")
    print("\n'sure': the bot starts in that language without asking (one-tap switch offered);")
    print("otherwise it asks, with the likely language first. 'sure+wrong' counts messages.")
    if args.misses:
        print("\nMisses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
