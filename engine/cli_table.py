"""The one table printer of the `skill` commands that list things (list, instances, history,
find, doctor, init --list).

A header row, then one line per row; each column as wide as its widest cell, two spaces
apart, no trailing blanks, so `awk`/`cut` and eyes both read it. A cell is one line
(newlines and runs of blanks become one space). On a terminal the widest cells are cut
with … until each line fits its width; piped output is never cut.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Collection, Sequence
from typing import TextIO

GAP = "  "
MIN_WIDTH = 8  # a column is never cut narrower than this (or its header)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, right: Collection[int] = (),
                out: TextIO | None = None) -> None:
    """Print `rows` under `header`; columns whose index is in `right` are right-aligned (numbers)."""
    out = out or sys.stdout
    cells = [[" ".join(str(c).split()) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    if out.isatty():
        widths = fit(widths, [len(h) for h in header], shutil.get_terminal_size().columns)
    for row in cells:
        parts = [cut(c, w).rjust(w) if i in right else cut(c, w).ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print(GAP.join(parts).rstrip(), file=out)


def fit(widths: list[int], floors: list[int], columns: int) -> list[int]:
    """Narrow the column with the most to spare above its floor, one character at a time,
    until a line fits in `columns` (or every column is at its floor: the terminal wraps)."""
    widths = list(widths)
    floors = [max(f, MIN_WIDTH) for f in floors]
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - columns
    while excess > 0:
        i = max(range(len(widths)), key=lambda k: widths[k] - floors[k])
        if widths[i] <= floors[i]:
            break
        widths[i] -= 1
        excess -= 1
    return widths


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
