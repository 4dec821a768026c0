"""Run history: every run the CLI, the app or the MCP server made, newest first."""

from __future__ import annotations

import json
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from engine import RequestRecord, ToolRef
from skill_tui import HEADER_ICON
from skill_tui.host import skill_app
from skill_tui.requests import request_entry
from skill_tui.widgets.footer import Footer
from skill_tui.widgets.tables import refill
from skill_tui.workers import ShowsWorkerFailures

LIMIT = 1000


def started(timestamp: float) -> str:
    """When a run started, in local time (a module function: snapshot tests fix it)."""
    return time.strftime("%m-%d %H:%M:%S", time.localtime(timestamp))


def milliseconds(ms: float) -> str:
    return f"{ms:.0f}"


class HistoryScreen(ShowsWorkerFailures, Screen[dict[str, Any] | None]):
    """Dismisses with the chosen run record (Enter), so the app can open it in the run form."""

    DEFAULT_CSS = """
    HistoryScreen DataTable { height: 1fr; }
    HistoryScreen VerticalScroll { height: 12; border-top: hkey $border-blurred; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Back"), Binding("r", "reload", "Reload")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header(icon=HEADER_ICON)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll():
            yield Static(id="run-details")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "History"
        self.sub_title = "enter: open in the run form"
        self.query_one(DataTable).add_columns("when", "", "run", "ms", "result")
        self.action_reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def action_reload(self) -> None:
        rows = list(reversed(skill_app(self).engine.history(limit=LIMIT)))
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        refill(table, [(None, self._cells(r)) for r in rows])
        self.sub_title = f"{len(rows)} run{'' if len(rows) == 1 else 's'} · enter: open in the run form"
        if not rows:
            self.query_one("#run-details", Static).update("no runs yet")

    @staticmethod
    def _cells(r: dict[str, Any]) -> tuple[str | Text, ...]:
        mark = Text("✔", "green") if r.get("ok") else Text("✘", "red")
        summary = " ".join(str(r.get("output") if r.get("ok") else r.get("error")).split())[:60]
        ref = ToolRef(r["skill"], r["tool"], r["instance"])
        return started(r.get("started_at", 0)), mark, str(ref), milliseconds(r.get("duration_ms", 0)), summary

    @on(DataTable.RowHighlighted)
    def _details(self, event: DataTable.RowHighlighted) -> None:
        r = self.rows[event.cursor_row]  # rows are shown in this order, never sorted
        parts = [
            ("args    ", json.dumps(r.get("args", {}), ensure_ascii=False)),
            ("output  " if r.get("ok") else "error   ", str(r.get("output") if r.get("ok") else r.get("error"))),
            ("stdout  ", r.get("stdout", "")),
            ("stderr  ", r.get("stderr", "")),
        ]
        text = Text()
        for label, value in parts:
            if value:
                text.append(label, style="bold").append(value + "\n")
        requests = r.get("requests") or []
        if requests:
            text.append("requests\n", style="bold")
        for item in requests:
            record = RequestRecord.from_json(item)
            kind, line = request_entry(record, f"{milliseconds(record.duration_ms)} ms")
            text.append("  " + line.replace("\n", "\n  ") + "\n", style="red" if kind == "denied" else "")
        self.query_one("#run-details", Static).update(text)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(self.rows[event.cursor_row])
