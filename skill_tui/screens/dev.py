"""Dev mode: watch a skill folder, hot-reload it on every save, optionally re-run a tool.

Pick a folder and start: the engine's :class:`engine.build.dev.DevSession` loads the
source into the prebuilt dev host (milliseconds per save) and builds + installs the
real component in the background. The status line shows the watch state, the live
version and the release build; the log gets one line per reload with its time (or
the build error, file:line), and the re-run output when auto re-run is on.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Static, Switch

from engine import SkillError
from skill_tui import HEADER_ICON
from skill_tui.host import skill_app
from skill_tui.messages import SkillsChanged
from skill_tui.typing_keys import KeepsTypedKeys
from skill_tui.widgets.footer import Footer
from skill_tui.widgets.log_view import LogView
from skill_tui.workers import ShowsWorkerFailures

if TYPE_CHECKING:  # imported where dev mode starts: the app's start-up does not pay for it
    from engine import DevEvent, DevSession


def clock() -> str:
    return time.strftime("%H:%M:%S")


class DevScreen(KeepsTypedKeys, ShowsWorkerFailures, Screen[None]):
    DEFAULT_CSS = """
    DevScreen .dev-row { height: auto; padding: 1 1 0 1; }
    DevScreen #dev-folder { width: 1fr; }
    DevScreen #dev-tool { width: 24; }
    DevScreen #dev-args { width: 1fr; }
    DevScreen .dev-row Label { padding: 1 1 0 2; }
    DevScreen #dev-status { height: 1; padding: 0 2; margin-top: 1; color: $text-muted; }
    DevScreen #dev-status.-live { color: $success; }
    DevScreen #dev-status.-error { color: $error; }
    DevScreen LogView { height: 1fr; border: round $border-blurred; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back"),
        Binding("ctrl+r", "toggle_watch", "Start/stop"),
        Binding("f4", "toggle_autorun", "Auto re-run"),  # ctrl+t stops a run elsewhere
        Binding("f5", "rerun", "Re-run now"),  # as on the main screen; ctrl+e is end-of-line in the box
    ]

    watching: reactive[bool] = reactive(False)

    def __init__(
        self, folder: str = "", tool: str = "", args: str = "{}", autorun: bool = True, release: bool = True
    ) -> None:
        super().__init__()
        self.folder = folder
        self.release = release
        self._tool, self._args, self._autorun = tool, args, autorun
        self.session: DevSession | None = None
        self._stop: threading.Event | None = None
        self.reloads = 0
        self.runs = 0
        self.release_state = ""

    def compose(self) -> ComposeResult:
        yield Header(icon=HEADER_ICON)
        with Horizontal(classes="dev-row"):
            yield Input(self.folder, placeholder="skill folder (skill.yaml, skill.js or skill.py)", id="dev-folder")
            yield Button("Start", id="dev-toggle", variant="primary")
        with Horizontal(classes="dev-row"):
            yield Input(self._tool, placeholder="tool to re-run", id="dev-tool")
            yield Input(self._args, placeholder='arguments as JSON, e.g. {"name": "Ada"}', id="dev-args")
            yield Label("auto re-run")
            yield Switch(self._autorun, id="dev-autorun")
        yield Static("idle: pick a skill folder and press Start (ctrl+r)", id="dev-status")
        yield LogView(id="dev-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Dev mode"
        self.sub_title = "hot reload on every save"
        self.query_one("#dev-folder", Input).focus()

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()

    # ---- state shown -------------------------------------------------------------------------

    def _status(self, text: str, cls: str = "") -> None:
        status = self.query_one("#dev-status", Static)
        status.update(text)
        status.set_class(cls == "live", "-live")
        status.set_class(cls == "error", "-error")

    def _log(self, kind: str, text: str) -> None:
        self.query_one(LogView).append(kind, text, clock())

    def watch_watching(self, on: bool) -> None:
        if not self.is_attached or not self.query("#dev-toggle"):
            return
        self.query_one("#dev-toggle", Button).label = "Stop" if on else "Start"
        self.query_one("#dev-folder", Input).disabled = on

    # ---- controls ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#dev-toggle")
    @on(Input.Submitted, "#dev-folder")
    def action_toggle_watch(self) -> None:
        if self.watching:
            self._halt()
            self._status("stopped")
            self._log("info", "■ stopped watching")
            return
        folder = self.query_one("#dev-folder", Input).value.strip()
        if not folder:
            self._status("give a skill folder first", "error")
            return
        self._start(Path(folder).expanduser())

    def action_toggle_autorun(self) -> None:
        sw = self.query_one("#dev-autorun", Switch)
        sw.value = not sw.value

    @on(Switch.Changed, "#dev-autorun")
    @on(Input.Changed, "#dev-tool")
    @on(Input.Changed, "#dev-args")
    def _sync_run(self) -> None:
        if self.session is None:
            return
        tool, args = self._run_target()
        self.session.run_tool = tool if self.query_one("#dev-autorun", Switch).value else None
        self.session.run_args = args or {}

    def _run_target(self) -> tuple[str | None, dict[str, Any] | None]:
        tool = self.query_one("#dev-tool", Input).value.strip() or None
        raw = self.query_one("#dev-args", Input).value.strip() or "{}"
        try:
            args = json.loads(raw)
        except json.JSONDecodeError:
            return tool, None
        return tool, args if isinstance(args, dict) else None

    @on(Input.Submitted, "#dev-tool")
    @on(Input.Submitted, "#dev-args")
    def action_rerun(self) -> None:
        if self.session is None or not self.session.live:
            self._status("start dev mode first (ctrl+r)", "error")
            return
        tool, args = self._run_target()
        if not tool:
            self._status("name a tool to run", "error")
            return
        if args is None:
            self._status("the arguments are not a JSON object", "error")
            return
        self._rerun(self.session, tool, args)

    @work(thread=True, group="dev-run", exit_on_error=False)
    def _rerun(self, session: DevSession, tool: str, args: dict[str, object]) -> None:
        """Run on `session`, the one live when asked (a restart may replace self.session meanwhile)."""
        try:
            session.run(tool, args)
        except SkillError as e:
            self.app.call_from_thread(self._log, "error", f"✘ {e}")

    # ---- the session -------------------------------------------------------------------------------

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self.watching = False

    def _start(self, folder: Path) -> None:
        from engine import DevSession

        tool, args = self._run_target()
        autorun = self.query_one("#dev-autorun", Switch).value
        try:
            self.session = DevSession(
                skill_app(self).engine,
                folder,
                on_event=self._event_from_thread,
                release=self.release,
                run_tool=tool if autorun else None,
                run_args=args or {},
            )
        except SkillError as e:
            self._status(str(e), "error")
            self._log("error", f"✘ {e}")
            return
        self.reloads = self.runs = 0
        self.release_state = ""
        self._stop = threading.Event()
        self.watching = True
        self._status(f"starting {folder} …")
        self._log("start", f"▶ dev mode: {folder}")
        self._watch(self.session, self._stop, str(folder))

    @work(thread=True, group="dev-watch", exit_on_error=False)
    def _watch(self, session: DevSession, stop: threading.Event, shown: str) -> None:
        say = self.app.call_from_thread
        try:
            session.start(progress=lambda msg: say(self._log, "info", msg))
            say(self._log, "info", f"watching {shown} for changes")
            say(self._show_state)
            session.watch(stop)
        except SkillError as e:
            say(self._log, "error", f"✘ {e}")
            say(self._status, str(e), "error")
        finally:
            session.close()
            if not stop.is_set():
                stop.set()
                say(self._halt)

    def _event_from_thread(self, event: DevEvent) -> None:
        try:
            self.app.call_from_thread(self.on_dev_event, event)
        except RuntimeError:
            self.on_dev_event(event)  # already on the app's thread (tests drive the session directly)

    def on_dev_event(self, event: DevEvent) -> None:
        from engine import (  # dev mode's module loads when dev mode starts, never at app start
            DevRunResult,
            ReleaseFailed,
            ReleaseInstalled,
            ReleaseStarted,
            Reloaded,
            ReloadFailed,
            describe_dev_event,
        )

        line = describe_dev_event(event)
        if isinstance(event, Reloaded):
            self.reloads += 1
            self._log("ok", f"✔ {line}")
        elif isinstance(event, ReloadFailed):
            self._log("error", f"✘ {line}")
        elif isinstance(event, DevRunResult):
            self.runs += 1
            self._log("stdout" if event.ok else "error", line)
        elif isinstance(event, ReleaseStarted):
            self.release_state = "release build running"
        elif isinstance(event, ReleaseInstalled):
            self.release_state = f"release installed ({'cached' if event.cached else f'{event.seconds:.1f} s'})"
            self._log("info", line)
            self.app.post_message(SkillsChanged())
        elif isinstance(event, ReleaseFailed):
            self.release_state = "release build failed"
            self._log("error", f"✘ {line}")
        self._show_state(error=isinstance(event, ReloadFailed))

    def _show_state(self, error: bool = False) -> None:
        s = self.session
        if s is None:
            return
        live = f"live: {len(s.tools)} tool(s)" if s.live else "no working version"
        parts = [f"● watching {s.name}" if self.watching else f"■ {s.name}", live, f"{self.reloads} reload(s)"]
        if self.release_state:
            parts.append(self.release_state)
        self._status("  ·  ".join(parts), "error" if error or not s.live else "live")
