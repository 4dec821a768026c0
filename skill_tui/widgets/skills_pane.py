"""The skills pane: installed skills with a filter box, and a filter by kind (all, tools, knowledge).

The box is a compact (borderless) Input: a bordered one grows to three lines on focus in a
one-line slot, hides the text and moves the table, so a click lands on the wrong row.
Enter keeps the filter and goes to the table; Esc clears it and goes to the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input

from skill_tui.focus import focus_now
from skill_tui.widgets.tables import refill


@dataclass(frozen=True)
class SkillRow:
    name: str
    version: str
    tools: int
    instances: int
    status: str  # "✔" when the default instance is ready, "⚠ config" when not, KNOWLEDGE_MARK for a knowledge skill
    kind: str = "tools"  # "tools", "knowledge" or "both" (engine.KINDS)

    @property
    def figures(self) -> tuple[str, str, str, str]:
        return self.version, self.kind, str(self.tools), str(self.instances)


KNOWLEDGE_MARK = "≡"  # a knowledge skill's state: a document, with no config to be ready or not
COLUMNS = ("skill", "", "version", "kind", "tools", "inst")  # the second: the state (✔, ⚠ config, ≡)
# Left out in this order when the pane is narrow: the tools and instances panes list what the counts count.
DROPPED_FIRST = ("tools", "inst", "kind", "version")
PADDING = 2  # a DataTable cell's padding, both sides
KIND_FILTERS = ("all", "tools", "knowledge")  # `k` cycles them; "both" is listed under tools and knowledge


def kind_shown(kind: str, kind_filter: str) -> bool:
    return kind_filter == "all" or kind in (kind_filter, "both")


def fitting_columns(rows: list[tuple[str, ...]], room: int) -> tuple[int, ...]:
    """The columns (indexes into COLUMNS) that fit whole in `room` cells: all of them, or fewer, leaving
    out DROPPED_FIRST in order. Name and state always stay (≡ marks a knowledge skill without its kind)."""
    widths = [max([cell_len(label), *(cell_len(r[i]) for r in rows)]) + PADDING for i, label in enumerate(COLUMNS)]
    shown = list(range(len(COLUMNS)))
    for name in DROPPED_FIRST:
        if sum(widths[i] for i in shown) <= room:
            break
        shown.remove(COLUMNS.index(name))
    return tuple(shown)


class SkillsPane(Vertical):
    DEFAULT_CSS = """
    SkillsPane { height: 1fr; border: round $border-blurred; border-title-color: $text-muted; border-subtitle-color: $text-muted; }
    SkillsPane:focus-within { border: round $primary; border-title-color: $primary; }
    SkillsPane > #skill-filter { padding: 0 1; background: $surface; }
    SkillsPane > DataTable { height: 1fr; background: transparent; }
    """

    class Selected(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: list[SkillRow] = []
        self._announced: str | None = None  # the skill the screen was last told about
        self.kind_filter = "all"
        self.border_title = "Skills"
        self._columns: tuple[int, ...] = ()  # the COLUMNS shown

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter skills  /", id="skill-filter", compact=True)
        yield DataTable(id="skills-table", cursor_type="row", zebra_stripes=True)

    def on_resize(self) -> None:
        self._fill()

    @property
    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def select(self, name: str) -> None:
        """Put the cursor on `name` (when it is listed under the current filter) without announcing it:
        the screen chose it, so it already knows."""
        self._announced = name
        self._move_to(name)

    def _move_to(self, name: str) -> None:
        table = self.query_one(DataTable)
        if name in table.rows:
            table.move_cursor(row=table.get_row_index(name))

    def show(self, rows: list[SkillRow]) -> None:
        """List `rows`; the highlighted skill stays highlighted. Unchanged rows cost nothing."""
        if rows != self._rows:
            self._rows = rows
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self.selected or self._announced
        words = self.query_one(Input).value.lower().split()
        cells = {r.name: (r.name, r.status, *r.figures) for r in self._rows}
        # every row counts, not only the filtered ones, so the columns do not come and go while typing
        room = self.content_region.width - table.styles.scrollbar_size_vertical
        columns = fitting_columns(list(cells.values()), room) if room > 0 else tuple(range(len(COLUMNS)))
        with self.prevent(DataTable.RowHighlighted):  # clear() and add_row() highlight row 0 on the way
            if columns != self._columns:
                self._columns = columns
                table.clear(columns=True)
                table.add_columns(*(COLUMNS[i] for i in columns))
            shown = [r for r in self._rows if all(w in r.name for w in words) and kind_shown(r.kind, self.kind_filter)]
            refill(table, [(r.name, tuple(cells[r.name][i] for i in columns)) for r in shown])
            if keep is not None:
                self._move_to(keep)
        self.border_subtitle = f"{table.row_count}/{len(self._rows)}"
        self._announce()

    def cycle_kind(self) -> str:
        """Show the next kind (all → tools → knowledge → all); the pane's title says which."""
        self.kind_filter = KIND_FILTERS[(KIND_FILTERS.index(self.kind_filter) + 1) % len(KIND_FILTERS)]
        self.border_title = "Skills" if self.kind_filter == "all" else f"Skills · {self.kind_filter}"
        self._fill()
        return self.kind_filter

    @on(Input.Changed, "#skill-filter")
    def _filter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#skill-filter")
    def _to_table(self) -> None:
        focus_now(self.query_one(DataTable))

    def key_escape(self, event: events.Key) -> bool:
        """Esc in the filter box: clear it and go back to the table (the selected skill stays)."""
        box = self.query_one("#skill-filter", Input)
        if not box.has_focus:
            return False  # not ours: the screen's Esc (log search, run form) goes on
        event.stop()
        box.value = ""  # its Changed refills the table
        self.query_one(DataTable).focus()
        return True

    class Chosen(Message):
        """Enter on a skill: the screen moves on to its tools."""

    @on(DataTable.RowSelected, "#skills-table")
    def _chosen(self) -> None:
        self.post_message(self.Chosen())

    @on(DataTable.RowHighlighted, "#skills-table")
    def _highlighted(self) -> None:
        self._announce()

    def _announce(self) -> None:
        """Tell the screen when the highlighted skill differs from the one it was last told about.

        The cursor is read now, not from the event: a burst of keys queues one event per row
        passed, and only where the cursor ended up matters. Echoes of the screen's own `select`
        and of refills find nothing changed, so no selection can re-trigger itself.
        """
        name = self.selected
        if name is not None and name != self._announced:
            self._announced = name
            self.post_message(self.Selected(name))
