"""Refilling a DataTable so that the very next frame is right.

DataTable measures the cells of new rows only when its message queue goes idle. A frame painted
before that (during a burst of keys, or on a busy machine) drew every column at its header's
width: "textkit" showed as "textk" and a column with an empty header (the ready ✔) vanished.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


def refill(table: DataTable[Any], rows: Iterable[tuple[str | None, Sequence[Cell]]]) -> None:
    """Replace the rows ((key, cells); key None for none) and widen each column to its cells at once.
    The caller puts the cursor where it wants it (clear() and add_row() move it to row 0)."""
    table.clear()
    columns = table.ordered_columns
    for key, cells in rows:
        table.add_row(*cells, key=key)
        for column, cell in zip(columns, cells, strict=False):
            width = cell.cell_len if isinstance(cell, Text) else cell_len(cell)
            column.content_width = max(column.content_width, width)
