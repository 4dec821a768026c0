"""Dev mode: build a skill folder with the pinned toolchain and install the result.

Each build is a line with its time, size and whether it came from the cache, or
the build error (file:line). Watching the folder and hot reload build on this.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from engine.errors import SkillError
from skill_tui.messages import SkillsChanged
from skill_tui.widgets.log_view import LogView


class DevScreen(Screen[None]):
    DEFAULT_CSS = """
    DevScreen Horizontal { height: auto; padding: 1 1 0 1; }
    DevScreen Input { width: 1fr; }
    DevScreen LogView { height: 1fr; border: round $border-blurred; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Back"), Binding("ctrl+r", "build", "Build & install")]

    def __init__(self, folder: str = "") -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Input(self.folder, placeholder="skill folder (with skill.yaml and skill.js)", id="dev-folder")
            yield Button("Build & install", id="dev-build", variant="primary")
        yield LogView(id="dev-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Dev mode"
        self.sub_title = "build a skill folder and install it"
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed)
    def action_build(self) -> None:
        folder = self.query_one(Input).value.strip()
        if folder:
            self._build(Path(folder).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _build(self, folder: Path) -> None:
        log = self.query_one(LogView)
        stamp = time.strftime("%H:%M:%S")

        def say(kind: str, text: str) -> None:
            self.app.call_from_thread(log.append, kind, text, stamp)

        say("start", f"▶ building {folder}")
        try:
            result = self.app.engine.build(folder, progress=lambda msg: say("info", msg))
            how = "from cache" if result.cached else "built"
            say("ok", f"✔ {how} in {result.seconds:.1f} s: {result.wasm_path} ({result.size / 1e6:.1f} MB)")
            report = self.app.engine.install(folder, force=True, progress=lambda msg: say("info", msg))
            say("ok", f"✔ {report.skill.name} {report.skill.version} {report.status}")
            self.app.post_message(SkillsChanged())
        except SkillError as e:
            say("error", f"✘ {e}")
