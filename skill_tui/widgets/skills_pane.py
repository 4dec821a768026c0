"""The skills pane: installed skills with a filter box.

The box is a compact (borderless) Input: a bordered one grows to three lines on focus in a
one-line slot, hides the text and moves the table, so a click lands on the wrong row.
Enter keeps the filter and goes to the table; Esc clears it and goes to the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input


@dataclass(frozen=True)
class SkillRow:
    name: str
    version: str
    tools: int
    instances: int
    status: str  # "✔" when the default instance is ready, else "⚠ config"


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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[SkillRow] = []
        self.border_title = "Skills"

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter skills  /", id="skill-filter", compact=True)
        yield DataTable(id="skills-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("skill", "version", "tools", "inst", "")

    @property
    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def select(self, name: str) -> None:
        """Put the cursor on `name` (when it is listed under the current filter)."""
        table = self.query_one(DataTable)
        try:
            table.move_cursor(row=table.get_row_index(name))
        except Exception:  # filtered out: the selection still changes elsewhere
            pass

    def show(self, rows: list[SkillRow]) -> None:
        self._rows = rows
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = self.selected
        words = self.query_one(Input).value.lower().split()
        table.clear()
        for r in self._rows:
            if all(w in r.name for w in words):
                table.add_row(r.name, r.version, str(r.tools), str(r.instances), r.status, key=r.name)
        self.border_subtitle = f"{table.row_count}/{len(self._rows)}"
        if keep is not None:
            self.select(keep)

    @on(Input.Changed, "#skill-filter")
    def _filter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#skill-filter")
    def _to_table(self) -> None:
        self.query_one(DataTable).focus()

    def key_escape(self, event) -> bool:
        """Esc in the filter box: clear it and go back to the table (the selected skill stays)."""
        box = self.query_one("#skill-filter", Input)
        if not box.has_focus:
            return False  # not ours: the screen's Esc (log search, run form) goes on
        event.stop()
        box.value = ""  # its Changed refills the table
        self.query_one(DataTable).focus()
        return True

    @on(DataTable.RowHighlighted, "#skills-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.post_message(self.Selected(str(event.row_key.value)))
