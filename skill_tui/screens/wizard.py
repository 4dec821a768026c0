"""The configuration wizard of one instance: every field of the skill's config schema,
required ones first, with descriptions, defaults and inline checks; secrets in password
inputs with a reveal toggle; "Test" asks the skill's validate-config without saving;
"Save" writes through the engine (secrets to the secret store) and returns. Below the fields, the
Network section (skill_tui/widgets/network_section.py) lists and changes the instance's grants.

Both ask the skill's validate-config, which may call the service to check a token and so take
seconds: they run in a worker with a spinner beside the status, and the screen keeps taking keys
(edit, move, leave with Esc). A newer Test or Save supersedes an older one: only the latest answer
is shown, and none once the wizard is closed.

It opens on the first required field that is still missing, so a person can type at once;
values and defaults are shown as typed on the command line (true, 8080), never as Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalGroup, VerticalGroup, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Input, LoadingIndicator, Select, Static, Switch
from textual.worker import Worker, WorkerState, get_current_worker

from engine import (
    ConfigEntry,
    ConfigReport,
    Configuration,
    NetworkAccess,
    SkillError,
    UsageError,
    as_text,
    parse_config_text,
)
from skill_tui import HEADER_ICON
from skill_tui.focus import focus_now
from skill_tui.host import skill_app
from skill_tui.typing_keys import KeepsTypedKeys
from skill_tui.widgets.footer import Footer
from skill_tui.widgets.network_section import NetworkSection
from skill_tui.workers import ShowsWorkerFailures


class FieldRow(VerticalGroup):
    """One config field: label, control, description, inline error."""

    def __init__(self, entry: ConfigEntry) -> None:
        super().__init__(classes="wz-field")
        self.field = entry.field
        self.entry = entry
        f = entry.field
        current = entry.value if entry.source in ("config.toml", "default") and not f.secret else None
        if f.type == "boolean":
            self.control: Input | Switch | Select[Any] = Switch(bool(current), animate=False)
        elif f.enum:
            self.control = Select(
                [(as_text(v), v) for v in f.enum],
                allow_blank=True,
                value=current if current in f.enum else Select.NULL,
                prompt=self._hint(entry),
            )
        else:
            value = "" if f.secret or current is None or entry.source == "default" else as_text(current)
            self.control = Input(value, placeholder=self._hint(entry), password=f.secret)
        self.error = Static("", classes="wz-error", markup=False)

    @staticmethod
    def _hint(entry: ConfigEntry) -> str:
        f = entry.field
        if f.secret and entry.source:
            return "set: type to replace, leave empty to keep"
        if f.default is not None:
            return f"default: {as_text(f.default)}"
        verb = "choose" if f.enum else "type"
        return f"required {f.type}: {verb} a value" if f.required else f"{f.type}, optional"

    def compose(self) -> ComposeResult:
        f = self.field
        with HorizontalGroup():
            with VerticalGroup(classes="wz-label"):
                yield Static(Text(f.name, style="bold"))
                yield Static(
                    f.type + (" · required" if f.required else "") + (" · secret" if f.secret else ""),
                    classes="wz-type -required" if f.required else "wz-type",
                )
            with VerticalGroup(classes="wz-body"):
                with HorizontalGroup():
                    yield self.control
                    if isinstance(self.control, Switch):
                        yield Static(self._on_off(self.control.value), classes="wz-switch-state")
                    if f.secret:
                        yield Button("show", classes="wz-reveal")
                desc = f.description + (f"  (env {f.env_var})" if f.env_var else "")
                yield Static(desc, classes="wz-desc", markup=False)
                yield self.error

    @staticmethod
    def _on_off(value: bool) -> str:
        return "on" if value else "off"

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        self.query_one(".wz-switch-state", Static).update(self._on_off(event.value))

    def change(self) -> tuple[str, Any] | None:
        """("set", value) / ("unset", None) / None when left as it was; raises UsageError."""
        f, control, entry = self.field, self.control, self.entry
        stored = entry.source in ("config.toml", "secret store")
        if isinstance(control, Switch):
            return ("set", control.value) if control.value != bool(entry.value) else None
        if isinstance(control, Select):
            if control.is_blank():
                return ("unset", None) if stored else None
            return ("set", control.value) if control.value != entry.value or not stored else None
        text = control.value
        if not text:
            return ("unset", None) if stored and not f.secret else None
        value = parse_config_text(f, text)
        return ("set", value) if f.secret or value != entry.value or not stored else None

    def check(self) -> str | None:
        try:
            self.change()
            message = None
        except UsageError as e:
            message = str(e)
        self.error.update(message or "")
        self.set_class(message is not None, "-invalid")
        return message


class ConfigWizard(KeepsTypedKeys, ShowsWorkerFailures, Screen[bool]):
    DEFAULT_CSS = """
    ConfigWizard VerticalScroll { padding: 0 2; }
    ConfigWizard .wz-group { text-style: bold; color: $text-accent; margin: 1 0 0 0; }
    ConfigWizard .wz-field { height: auto; margin-bottom: 1; border-left: blank; }
    ConfigWizard .wz-field:focus-within { border-left: outer $primary; }
    ConfigWizard .wz-label { width: 28; height: auto; padding: 1 2 0 0; }
    ConfigWizard .wz-body { width: 1fr; height: auto; }
    ConfigWizard .wz-type { color: $text-muted; }
    ConfigWizard .wz-type.-required { color: $text-warning; }
    ConfigWizard .wz-desc { color: $text-muted; }
    ConfigWizard .wz-error { color: $text-error; display: none; }
    ConfigWizard .-invalid .wz-error { display: block; }
    ConfigWizard Input, ConfigWizard Select { width: 1fr; }
    ConfigWizard .wz-switch-state { width: auto; padding: 1 1; }
    ConfigWizard .wz-reveal { min-width: 8; margin-left: 1; }
    ConfigWizard #wz-status-row { height: auto; padding: 0 2; margin-top: 1; }
    ConfigWizard #wz-status { width: 1fr; height: auto; }
    ConfigWizard #wz-spinner { width: 4; height: 1; min-height: 1; content-align: left top; display: none; }
    ConfigWizard.-busy #wz-spinner { display: block; }
    ConfigWizard #wz-actions { height: auto; padding: 0 2; }
    ConfigWizard #wz-actions Button { margin-right: 2; }
    ConfigWizard #wz-hint { height: auto; padding: 0 2; color: $text-muted; }
    """
    # f3/f2, not ctrl+t: on the main screen ctrl+t stops a run, and one key means one thing
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel"),
        Binding("f3", "test", "Test config"),
        Binding("f2", "save", "Save"),
    ]
    HINT = "enter: next field · f3: test with the skill · f2: save · esc: cancel"

    def __init__(self, skill: str, instance: str) -> None:
        super().__init__()
        self.skill, self.instance = skill, instance
        self.rows: list[FieldRow] = []

    def compose(self) -> ComposeResult:
        yield Header(icon=HEADER_ICON)
        yield VerticalScroll(id="wz-fields")
        with Horizontal(id="wz-status-row"):
            yield LoadingIndicator(id="wz-spinner")
            yield Static(id="wz-status")
        with Horizontal(id="wz-actions"):
            yield Button("Test (f3)", id="wz-test")
            yield Button("Save (f2)", id="wz-save", variant="primary")
            yield Button("Cancel (esc)", id="wz-cancel")
        yield Static(self.HINT, id="wz-hint")
        yield Footer()

    @property
    def config(self) -> Configuration:
        """The engine's configuration service (the app holds the one Engine)."""
        return skill_app(self).engine.config

    def on_mount(self) -> None:
        self.title = f"Configure {self.skill}@{self.instance}"
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            entries = self.config.entries(self.skill, self.instance)
            report = self.config.report(self.skill, self.instance)
            access = skill_app(self).engine.network_access(self.skill, self.instance)
        except SkillError as e:
            self.app.call_from_thread(self._status, f"✘ {e}", "error")
            return
        # call_from_thread awaits a coroutine function; mypy cannot solve its `T | Awaitable[T]` for one.
        self.app.call_from_thread(self._show, entries, report, access)  # type: ignore[arg-type]

    async def _show(self, entries: list[ConfigEntry], report: ConfigReport, access: NetworkAccess) -> None:
        box = self.query_one("#wz-fields", VerticalScroll)
        widgets: list[Widget] = []
        rows: list[FieldRow] = []  # in the order shown: required first
        for title, wanted in (("Required", True), ("Optional", False)):
            group = [FieldRow(e) for e in entries if e.field.required == wanted]
            if group:
                widgets.append(Static(title, classes="wz-group"))
                widgets.extend(group)
                rows.extend(group)
        if not rows:
            widgets.append(Static(f"{self.skill} has no configuration: it is ready as it is."))
        widgets.append(NetworkSection(access))
        await box.mount_all(widgets)
        self.rows = rows  # only once mounted: from here on they can take focus and input
        self._show_report(report, saved=True)
        missing = [r for r in rows if r.field.name in report.missing]
        if rows:
            (missing or rows)[0].control.focus()
        else:
            self.query_one("#net-input", Input).focus()

    def _show_report(self, report: ConfigReport, saved: bool) -> None:
        if report.ready:
            self._status("✔ ready" + ("" if saved else ": the skill accepts this configuration"), "success")
        else:
            parts = ([f"missing {', '.join(report.missing)}"] if report.missing else []) + list(report.problems)
            self._status("✘ not ready: " + "; ".join(parts), "warning")

    def _status(self, text: str, kind: str) -> None:
        status = self.query_one("#wz-status", Static)
        status.update(Text(text, style={"success": "green", "warning": "yellow", "error": "red"}[kind]))

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Switch.Changed | Select.Changed) -> None:
        row = next((r for r in self.rows if r.control is event.control), None)
        if row is not None:
            row.check()

    @on(Button.Pressed, ".wz-reveal")
    def _reveal(self, event: Button.Pressed) -> None:
        row = next(r for r in self.rows if event.button in r.walk_children())
        if isinstance(row.control, Input):  # only a secret's Input has the button
            row.control.password = not row.control.password
            event.button.label = "show" if row.control.password else "hide"

    @on(Button.Pressed, "#wz-test")
    def _test_pressed(self) -> None:
        self.action_test()

    @on(Button.Pressed, "#wz-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#wz-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter goes to the next field (past the reveal button), after the last one to Save."""
        index = next((i for i, r in enumerate(self.rows) if r.control is event.input), None)
        if index is None or index + 1 == len(self.rows):
            focus_now(self.query_one("#wz-save", Button))
        else:  # at once: the keys typed right behind Enter belong to the next field
            focus_now(self.rows[index + 1].control)

    def _changes(self) -> tuple[dict[str, Any], list[str]] | None:
        """(values to set, keys to unset), or None after showing the first bad field."""
        bad = [r for r in self.rows if r.check()]
        if bad:
            bad[0].control.focus()
            self._status(f"✘ {bad[0].error.render()}", "error")
            return None
        typed, unset = {}, []
        for row in self.rows:
            change = row.change()
            if change is not None:
                action, value = change
                if action == "set":
                    typed[row.field.name] = value
                else:
                    unset.append(row.field.name)
        return typed, unset

    @property
    def busy(self) -> bool:
        """A Test or Save is waiting for the skill (the spinner shows)."""
        return self.has_class("-busy")

    def action_test(self) -> None:
        changes = self._changes()
        if changes is not None:
            self._ask("asking the skill… (keys keep working; esc leaves)")
            self._run(*changes, save=False)

    def action_save(self) -> None:
        changes = self._changes()
        if changes is not None:
            self._ask("saving: the skill checks the configuration…")
            self._run(*changes, save=True)

    def _ask(self, text: str) -> None:
        self.add_class("-busy")
        self._status(text, "warning")

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run(self, typed: dict[str, Any], unset: list[str], save: bool) -> None:
        """Off the UI thread: validate-config may wait on the service. `exclusive`: a newer Test or
        Save cancels this worker, and `_answer` then drops what it would have shown."""
        worker = get_current_worker()
        config = self.config
        try:
            if save:
                report = config.save(self.skill, self.instance, typed, unset)
            else:
                report = config.test(self.skill, self.instance, typed, unset)
        except SkillError as e:
            self.app.call_from_thread(self._answer, worker, self._status, f"✘ {e}", "error")
            return
        if save:
            self.app.call_from_thread(self._answer, worker, self._saved, report)
        else:
            self.app.call_from_thread(self._answer, worker, self._show_report, report, False)

    def _answer(self, worker: Worker[None], show: Callable[..., None], *args: Any) -> None:
        """On the UI thread: show the answer of the latest Test/Save, while the wizard is open."""
        if worker.is_cancelled or not self.is_attached:
            return
        self.remove_class("-busy")
        show(*args)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A Test/Save that failed with a bug stops the spinner (Textual calls the mixin's handler
        too, once per class in the MRO: that one reports the failure)."""
        if event.state == WorkerState.ERROR and event.worker.name == "_run":
            self.remove_class("-busy")

    def _saved(self, report: ConfigReport) -> None:
        state = "ready" if report.ready else "saved, not ready yet"
        self.app.notify(f"{self.skill}@{self.instance}: {state}", title="Saved")
        self.dismiss(True)
