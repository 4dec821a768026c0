"""Runs in flight: what is running, for how long, and a stop for any of them."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from skill_tui.widgets.tables import refill


@dataclass(eq=False)
class ActiveRun:
    """One run the app started and that has not ended yet."""

    ref: str
    args: dict[str, Any]
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    run_id: str | None = None  # the engine's id, once it started the run
    number: int | None = None  # the #n it has in the log

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def stopping(self) -> bool:
        return self.cancel.is_set()


def elapsed_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


class RunsScreen(ModalScreen[None]):
    """Lists `runs` (the app's live list) with their elapsed time; enter or x stops the highlighted one."""

    DEFAULT_CSS = """
    RunsScreen { align: center middle; }
    RunsScreen > Vertical { width: 90%; max-width: 120; height: auto; max-height: 80%;
                            border: thick $primary; background: $surface; padding: 0 1; }
    RunsScreen DataTable { height: auto; max-height: 20; }
    RunsScreen .hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,r", "dismiss", "Close"), Binding("x,delete", "stop", "Stop run")]

    def __init__(self, runs: list[ActiveRun]) -> None:
        super().__init__()
        self.runs = runs  # the main screen's own list: runs leave it as they end
        self._shown_empty = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Runs in flight"
            yield DataTable(cursor_type="row", id="runs-table")
            yield Static("", id="runs-empty")
            yield Static("enter / x: stop the highlighted run · esc: close", classes="hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("#", "run", "arguments", "elapsed", "")
        self._refresh_rows()
        self.set_interval(0.5, self._refresh_rows)

    def _refresh_rows(self) -> None:
        if not self.runs and self._shown_empty:
            return  # nothing ran and nothing runs: no repaint every half second
        self._shown_empty = not self.runs
        table = self.query_one(DataTable)
        keep = table.cursor_row
        refill(table, [(str(id(run)), self._cells(run)) for run in self.runs])
        if self.runs:
            table.move_cursor(row=min(keep, len(self.runs) - 1))
        self.query_one("#runs-empty", Static).update("" if self.runs else "nothing is running")

    @staticmethod
    def _cells(run: ActiveRun) -> tuple[str, ...]:
        args = json.dumps(run.args, ensure_ascii=False)
        return (
            f"#{run.number}" if run.number else "",
            run.ref,
            args if len(args) <= 40 else args[:39] + "…",
            elapsed_text(run.elapsed),
            "stopping…" if run.stopping else "",
        )

    def _highlighted_run(self) -> ActiveRun | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.runs if str(id(r)) == key), None)

    @on(DataTable.RowSelected)
    def action_stop(self) -> None:
        run = self._highlighted_run()
        if run is None:
            self.notify("nothing is running")
            return
        run.cancel.set()
        self._refresh_rows()
