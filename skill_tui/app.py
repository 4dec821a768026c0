"""skill-tui: the full-screen control panel over the skill engine.

Start-up stays light: the engine object reads nothing until a worker asks it to,
wasmtime loads with the first run, and nothing of the search stack is imported.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.keys import format_key
from textual.screen import Screen
from textual.worker import Worker

from engine import Engine, SkillError, Step
from skill_tui import STARTED_AT
from skill_tui.messages import SkillsChanged
from skill_tui.screens.dev import DevScreen
from skill_tui.screens.help import HelpScreen
from skill_tui.screens.history import HistoryScreen
from skill_tui.screens.install import InstallPrompt
from skill_tui.screens.main import MainScreen, clock
from skill_tui.screens.prompts import Confirm, TextPrompt
from skill_tui.screens.review import ask_review
from skill_tui.screens.search import Chosen, SearchScreen
from skill_tui.screens.wizard import ConfigWizard
from skill_tui.settings import Settings
from skill_tui.themes import DEFAULT_THEME, load_themes
from skill_tui.widgets.log_view import LogView
from skill_tui.widgets.run_form import RunForm

if TYPE_CHECKING:
    from textual.theme import Theme
from skill_tui.workers import ShowsWorkerFailures


class SkillTui(ShowsWorkerFailures, App[None]):
    TITLE = "skill-tui"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("i", "install", "Install", id="install"),
        Binding("s", "search", "Search", id="search"),
        Binding("h", "history", "History", id="history", show=False),
        Binding("d", "dev", "Dev", id="dev", show=False),
        Binding("t", "next_theme", "Theme", id="theme", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, engine: Engine | None = None) -> None:
        super().__init__()
        self.engine = engine or Engine()
        self.settings = Settings.load(self.engine.home.root / "tui.toml")
        self.theme_names: list[str] = []
        self._stop_watching = threading.Event()

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
            self.theme_names.append(theme.name)
        wanted = self.settings.theme or DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME
        for name in list(self.available_themes):  # one picker (ctrl+p, "Theme") lists the app's own themes
            if name not in self.theme_names:
                self.unregister_theme(name)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.set_keymap(self.settings.keys)
        if self.settings.problem:
            self.notify(self.settings.problem, severity="warning", timeout=10)
        self.push_screen(MainScreen())
        self.call_after_refresh(self._report_start)
        self._watch_store()

    @work(thread=True, group="watch", exit_on_error=False)
    def _watch_store(self) -> None:
        """Reload the panes when another process installs a skill or adds/configures an instance."""
        stop = self._stop_watching
        for _ in self.engine.changes(stop):
            self.main.post_message(SkillsChanged())

    def on_unmount(self) -> None:
        self._stop_watching.set()

    def worker_failed(self, worker: Worker[Any]) -> None:
        """A worker failed: a SkillError as its own one-line message, anything else as an internal
        error with the traceback in the log. The app keeps running either way."""
        error = worker.error
        if isinstance(error, SkillError):
            self.notify(str(error), severity="error", timeout=8)
            return
        self.notify(
            f"internal error in {worker.name or 'a background task'}: {error!r} (traceback in the log)",
            title="Bug",
            severity="error",
            timeout=10,
        )
        trace = "".join(traceback.format_exception(error)).rstrip()
        self.main.query_one(LogView).append("error", f"internal error: {error!r}\n{trace}", clock())

    def _report_start(self) -> None:
        ms = (time.perf_counter() - STARTED_AT) * 1000
        self.notify(f"skill-tui started in {ms:.0f} ms", timeout=3)

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name == self.settings.theme:
            return
        if not self.settings.save_theme(theme.name):
            self.notify(f"{self.settings.path} does not parse; theme not saved", severity="warning")

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    # ---- actions (every one is in the command palette too) ---------------------------------

    def action_help(self) -> None:
        rows, seen = [], set()
        for screen_bindings in (self.main.BINDINGS, self.BINDINGS):
            for b in screen_bindings:
                if isinstance(b, Binding) and b.id and b.id not in seen:  # only a Binding has an id
                    seen.add(b.id)
                    keys = self._keymap.get(b.id, b.key)
                    shown = " / ".join(format_key(k.strip()) for k in keys.split(","))  # "slash" -> "/"
                    rows.append((shown, b.tooltip or b.description, b.id))
        rows.append(("enter / ctrl+r", "Run the tool in the run form", "run"))
        rows.append(("ctrl+p", "Command palette: every action", "command_palette"))
        self.push_screen(HelpScreen(rows, str(self.settings.path)))

    def action_install(self) -> None:
        self.push_screen(InstallPrompt(self._install))

    def _install(self, source: str, allow_scripts: bool, on_step: Callable[[Step], None]) -> None:
        """Runs in the dialog's worker: a refusal shows in the dialog, which keeps the text. What the
        skill asks for is reviewed in a dialog of its own before anything is installed."""
        report = self.engine.install(
            os.path.expanduser(source),
            review=partial(ask_review, self),
            on_step=on_step,
            allow_scripts=allow_scripts,
        )
        s = report.skill
        self.call_from_thread(
            self.notify, f"{s.name} {s.version} {report.status}: {len(s.tools)} tools", title="Installed"
        )
        self.main.post_message(SkillsChanged())

    def update_skill(self, name: str) -> None:
        """Update `name` from its source in a worker: the review asks again about anything wider."""
        self.notify(f"updating {name}…", timeout=3)
        self.run_worker(partial(self._update, name), thread=True, group="store", exit_on_error=False)

    def _update(self, name: str) -> None:
        try:
            report = self.engine.update(name, review=partial(ask_review, self))
        except SkillError as e:
            self.call_from_thread(self.notify, str(e), title=f"{name} not updated", severity="error", timeout=8)
            return
        s = report.skill
        done = f"from {report.previous_version} to {s.version}" if report.status == "upgraded" else report.status
        self.call_from_thread(self.notify, f"{s.name} {done}", title="Updated")
        self.main.post_message(SkillsChanged())
        self.call_from_thread(self.main.check_updates)

    def action_remove_skill(self, name: str) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_worker(partial(self._remove, name), thread=True, group="store", exit_on_error=False)

        self.push_screen(Confirm(f"Remove {name}? Its instances and their data are kept."), confirmed)

    def _remove(self, name: str) -> None:
        try:
            self.engine.remove(name)
        except SkillError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, f"removed {name}")
        self.main.post_message(SkillsChanged())

    def action_new_instance(self, skill: str) -> None:
        def create(name: str) -> None:
            """Runs in the dialog's worker: the engine checks the name; a refusal keeps the dialog open."""
            self.engine.add_instance(skill, name)
            self.call_from_thread(self.notify, f"created {skill}@{name}")
            self.main.post_message(SkillsChanged(select_instance=name))

        self.push_screen(
            TextPrompt(
                f"Name of the new instance of {skill}:",
                placeholder="e.g. work (a-z, 0-9, -)",
                verb="create",
                busy="creating…",
                submit=create,
            )
        )

    def configure(self, skill: str, instance: str) -> None:
        """Open the configuration wizard; the panes reload when it saved."""

        def done(saved: bool | None) -> None:
            if saved:
                self.main.post_message(SkillsChanged(select_instance=instance))

        self.push_screen(ConfigWizard(skill, instance), done)

    def action_search(self) -> None:
        def chosen(hit: Chosen | None) -> None:
            if hit is None:
                return
            if hit.tool is None:
                self.main.open_docs(hit.skill, hit.path)
            else:
                self.main.open_tool(hit.skill, hit.tool, hit.values)

        self.push_screen(SearchScreen(list(self.main.skills.values())), chosen)

    def action_history(self) -> None:
        def chosen(run: dict[str, Any] | None) -> None:
            if run:
                self.main.open_tool(run["skill"], run["tool"], values=run.get("args"))

        self.push_screen(HistoryScreen(), chosen)

    def action_dev(self) -> None:
        self.push_screen(DevScreen())

    def action_next_theme(self) -> None:
        names = self.theme_names
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.notify(f"theme: {self.theme}", timeout=2)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        current = main.current
        yield SystemCommand(
            "Install skill…", "Install a skill from a folder, a registry, git or a URL", self.action_install
        )
        yield SystemCommand("Search tools", "Find a tool across installed skills", self.action_search)
        yield SystemCommand("Show history", "Every run, newest first", self.action_history)
        yield SystemCommand("Dev mode", "Watch a skill folder: hot reload on save, re-run a tool", self.action_dev)
        yield SystemCommand("Re-run last", "Run the last tool again", main.action_rerun)
        yield SystemCommand("Stop run", "Stop the latest running tool", main.action_cancel)
        yield SystemCommand("Runs in flight", "What is running, for how long; stop any of them", main.action_runs)
        yield SystemCommand("Clear log", "Empty the execution log", main.query_one("#log", LogView).clear)
        yield SystemCommand("Help", "Key bindings and how to remap them", self.action_help)
        if current:
            yield SystemCommand(
                f"Run a tool of {current}", "Focus the run form", main.query_one("#run-form", RunForm).focus_first_field
            )
            yield SystemCommand(f"New instance of {current}", "Create a named instance", main.action_new_instance)
            yield SystemCommand(f"Configure instance of {current}", "The configuration wizard", main.action_configure)
            yield SystemCommand(f"Remove {current}", "Uninstall the selected skill", main.action_remove)
            yield SystemCommand(f"Validate {current}", "Check it against the Agent Skills spec", main.action_validate)
            yield SystemCommand(f"Export {current}", "Write it to .claude/skills or .agents/skills", main.action_export)
            yield SystemCommand(
                f"SKILL.md of {current}", "Its SKILL.md and files, or the run form", main.action_toggle_docs
            )


def main() -> None:
    import gc

    from engine import use_warm_slots

    # Everything imported so far lives as long as the app: keep it out of every GC pass,
    # which otherwise shows up as the worst frame times of a busy log.
    gc.freeze()
    use_warm_slots()
    SkillTui().run()
