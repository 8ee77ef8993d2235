"""The authorisation matrix of ``tests/e2e/test_authorisation.py``: who may do what, as the tests check it.

    python bench/authorisation_table.py [--markdown]

Rows are the commands, messages and buttons the bot handles (and forged variants of its buttons),
grouped by section; columns are the roles; each cell is what a secure bot answers there, and each cell
is one test case. A cell marked ``[defect]`` is what the bot should do but does not yet (its test is
``xfail(strict=True)``); the defects are listed under the table.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testing.authorisation import CELLS, PLACES, ROLE_TITLES, ROLES, ROWS, Row

DEFECT_MARK = " [defect]"


def cell_text(row: Row, role_index: int) -> str:
    expect = row.cells[ROLES[role_index]]
    return expect.label + (DEFECT_MARK if expect.defect else "")


def table(markdown: bool) -> list[str]:
    header = ["", "where", *(ROLE_TITLES[role] for role in ROLES)]
    lines: list[str] = []
    sections: list[str] = []
    for row in ROWS:
        if row.section not in sections:
            sections.append(row.section)
    for section in sections:
        rows = [row for row in ROWS if row.section == section]
        body = [[row.label, row.where, *(cell_text(row, i) for i in range(len(ROLES)))] for row in rows]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

        def fmt(values: list[str], widths: list[int] = widths) -> str:
            cells = [value.ljust(width) for value, width in zip(values, widths, strict=True)]
            return "| " + " | ".join(cells) + " |" if markdown else "  ".join(cells).rstrip()

        lines += ["", f"## {section}" if markdown else section.upper(), ""]
        lines.append(fmt(header))
        lines.append(("|" + "|".join("-" * (w + 2) for w in widths) + "|") if markdown else "-" * sum(widths))
        lines += [fmt(line) for line in body]
    return lines


def main(argv: list[str]) -> None:
    markdown = "--markdown" in argv
    print("Authorisation matrix (tests/e2e/test_authorisation.py); one test case per cell")
    print("Roles: " + "; ".join(f"{ROLE_TITLES[r]}" for r in ROLES))
    print()
    print("Where each role acts (the row's 'where'):")
    width = max(len(place) for place in PLACES)
    for place, roles in PLACES.items():
        print(f"  {place.ljust(width)}  " + "; ".join(f"{ROLE_TITLES[r]}: {roles[r]}" for r in ROLES))
    for line in table(markdown):
        print(line)
    defects = Counter(cell.expect.defect for cell in CELLS if cell.expect.defect)
    labels = Counter(cell.expect.label for cell in CELLS)
    print()
    print(
        f"{len(ROWS)} rows x {len(ROLES)} roles = {len(CELLS)} cells ({len(CELLS) - sum(defects.values())} pass, "
        f"{sum(defects.values())} xfail on {len(defects)} defects)"
    )
    print("Answers: " + ", ".join(f"{label} {count}" for label, count in labels.most_common()))
    print()
    for defect, count in defects.items():
        print(f"[defect] {count} cells: {defect}")


if __name__ == "__main__":
    main(sys.argv[1:])
