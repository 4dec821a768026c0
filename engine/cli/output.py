"""How `skill` commands print: JSON, tables, errors, progress lines and the one confirmation prompt.

Tables (list, instances, history, find, doctor, init --list): a header row, then one line
per row; each column as wide as its widest cell, two spaces apart, no trailing blanks, so
`awk`/`cut` and eyes both read it. A cell is one line (newlines and runs of blanks become
one space). On a terminal the widest cells are cut with … until each line fits its width;
piped output is never cut. Widths are terminal cells: a CJK character or an emoji takes
two (`unicodedata` is imported by the first table, not at start-up).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Collection, Sequence
from typing import Any, TextIO

from engine.errors import UsageError

GAP = "  "
MIN_WIDTH = 8  # a column is never cut narrower than this (or its header)


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, right: Collection[int] = (), out: TextIO | None = None
) -> None:
    """Print `rows` under `header`; columns whose index is in `right` are right-aligned (numbers)."""
    out = out or sys.stdout
    cells = [[" ".join(str(c).split()) for c in row] for row in [header, *rows]]
    widths = [max(width(row[i]) for row in cells) for i in range(len(header))]
    if out.isatty():
        import shutil

        widths = fit(widths, [len(h) for h in header], shutil.get_terminal_size().columns)
    for row in cells:
        parts = []
        for i, (text, w) in enumerate(zip(row, widths, strict=True)):
            text = cut(text, w)
            blank = " " * (w - width(text))
            parts.append(blank + text if i in right else text + blank)
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


def width(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK, emoji) characters take two."""
    from unicodedata import east_asian_width

    return len(text) + sum(east_asian_width(ch) in "WF" for ch in text if ord(ch) > 0x10FF)


def cut(text: str, cells: int) -> str:
    """`text` in at most `cells` terminal cells, ending in … if it had to be cut."""
    if width(text) <= cells:
        return text
    used = 0
    for end, ch in enumerate(text):
        used += width(ch)
        if used > cells - 1:
            return text[:end] + "…"
    return text


def print_json(data: Any) -> None:
    """What `--json` prints: one indented document, non-ASCII text as is."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_skills_json(skills: list[dict[str, Any]], failed: list[tuple[str, str, str]]) -> None:
    """--json of a command acting on several skills (update, sync): {"ok", "skills"}, and when some failed
    (`failed`: name, error code, message) the error object of every --json failure (the first one's code)."""
    out: dict[str, Any] = {"ok": not failed, "skills": skills}
    if failed:
        name, code, message = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        out["error"] = {"code": code, "message": f"{name}: {message}{more}"}
    print_json(out)


def fail(code: str, message: str, as_json: bool) -> None:
    """Report a failure: one `error:` line on stderr, or with --json the error object on stdout."""
    if as_json:
        print_json({"ok": False, "error": {"code": code, "message": message}})
    else:
        print(f"error: {message}", file=sys.stderr)


def progress(msg: str) -> None:
    """A step of a long command (install, build, test, dev), on stderr so stdout stays the result."""
    print(f"  {msg}", file=sys.stderr, flush=True)


def confirm(question: str, refusal: str, as_json: bool = False) -> bool:
    """Ask `question` on a terminal; in a script (or with `as_json`: stdout is for the JSON) refuse
    with `refusal`, a UsageError that says to pass --yes."""
    if as_json or not sys.stdin.isatty():
        raise UsageError(refusal)
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
