"""The export dialog (`e`): write the selected skill where agents load skills natively.

Two choices and a switch, as `skill export NAME --to claude|agents [--project] [--link]`: which agent's
folder (`~/.claude/skills` or `.agents/skills`), for the user or for the project the app was started in,
and a link to the store's package instead of a copy. The engine writes in a worker; a refusal shows in
the dialog, which stays open with the choices kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Label, RadioButton, RadioSet, Static

from engine import SkillError
from skill_tui.host import skill_app
from skill_tui.screens.prompts import DIALOG_CSS, NotedDialog
from skill_tui.workers import ShowsWorkerFailures

TARGETS = {"claude": "Claude Code (.claude/skills)", "agents": "other agents (.agents/skills)"}


class ExportDialog(ShowsWorkerFailures, NotedDialog):
    DEFAULT_CSS = DIALOG_CSS.format(cls="ExportDialog") + (
        # compact choices (no border, also when focused): the dialog fits in 80x24 and nothing moves under the pointer
        "ExportDialog RadioSet { width: 100%; margin-bottom: 1; }\nExportDialog Checkbox { width: 100%; }\n"
    )
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.skill = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.skill} for agents that load skills from a folder:")
            with RadioSet(id="export-to", compact=True):
                for n, (key, label) in enumerate(TARGETS.items()):
                    yield RadioButton(label, value=n == 0, name=key)
            with RadioSet(id="export-where", compact=True):
                yield RadioButton("for me (in my home folder)", value=True, name="user")
                yield RadioButton("for this project (the app's current folder)", name="project")
            yield Checkbox("link to the installed package instead of copying it", id="export-link", compact=True)
            yield Static("", classes="dialog-note", markup=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")
            yield Static("tab: next choice · enter: the focused button · esc: cancel", classes="dialog-hint")

    def choice(self, radios: str) -> str:
        pressed = self.query_one(radios, RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else ""

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif not self.working:
            self.working = True
            self.note("exporting…")
            project = Path.cwd() if self.choice("#export-where") == "project" else None
            self._export(self.choice("#export-to"), project, self.query_one("#export-link", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _export(self, to: str, project: Path | None, link: bool) -> None:
        try:
            written = skill_app(self).engine.export_skill(self.skill, to, project, link)
        except SkillError as e:
            self.app.call_from_thread(self._refused, str(e))
            return
        self.app.call_from_thread(self._done, written)

    def _done(self, written: Any) -> None:
        self.working = False
        self.notify(f"{self.skill} exported to {written}", title="Exported")
        if self.is_attached:
            self.dismiss(written)
