"""The validation panel (`v`): the selected skill's package checked against the Agent Skills spec.

The engine's `validate_installed` runs in a worker (it reads the package's files); the panel says
"checking…" meanwhile and then lists each error and warning with the field or file it is about and
what to do, as `skill validate` prints them.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from engine import Finding, InstalledSkill, SkillError, Validation
from skill_tui.host import skill_app
from skill_tui.workers import ShowsWorkerFailures

LEVEL_STYLE = {"error": "bold red", "warning": "yellow"}


def summary(validation: Validation) -> str:
    errors, warnings = len(validation.errors), len(validation.warnings)
    if not validation.findings:
        return "valid: no errors, no warnings"
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return ("valid with " if validation.passed() else "not valid: ") + counts


def where(finding: Finding, package: Path) -> str:
    """The field at fault, else the file, relative to the package (the store's folder means nothing)."""
    if finding.field:
        return finding.field
    try:
        return str(Path(finding.file).relative_to(package))
    except ValueError:
        return finding.file


def findings_table(validation: Validation, package: Path) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(style="bold", no_wrap=True, max_width=24)
    table.add_column(ratio=1)
    for f in sorted(validation.findings, key=lambda f: f.level != "error"):
        table.add_row(Text(f.level, LEVEL_STYLE[f.level]), where(f, package), f.message)
    return table


class ValidationPanel(ShowsWorkerFailures, ModalScreen[None]):
    DEFAULT_CSS = """
    ValidationPanel { align: center middle; }
    ValidationPanel > Vertical { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $primary;
                                 background: $surface; padding: 0 1; }
    ValidationPanel #validation-summary { width: 100%; margin-bottom: 1; }
    ValidationPanel #validation-summary.-failed { color: $text-error; }
    ValidationPanel VerticalScroll { height: auto; max-height: 20; }
    ValidationPanel .dialog-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,v,q", "dismiss(None)", "Close")]

    def __init__(self, skill: InstalledSkill) -> None:
        super().__init__()
        self.skill = skill
        self.validation: Validation | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Validate {self.skill.name}"
            yield Label("checking the package against the Agent Skills spec…", id="validation-summary")
            with VerticalScroll():
                yield Static(id="findings")
            yield Static("esc: close · `skill validate DIR --strict` counts warnings as errors", classes="dialog-hint")

    def on_mount(self) -> None:
        self._check()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self) -> None:
        try:
            validation = skill_app(self).engine.validate_installed(self.skill.name)
        except SkillError as e:
            self.app.call_from_thread(self._say, str(e), True)
            return
        self.app.call_from_thread(self._show, validation)

    def _say(self, text: str, failed: bool) -> None:
        label = self.query_one("#validation-summary", Label)
        label.update(text)
        label.set_class(failed, "-failed")

    def _show(self, validation: Validation) -> None:
        self.validation = validation
        self._say(f"{self.skill.name}: {summary(validation)}", not validation.passed())
        self.query_one("#findings", Static).update(findings_table(validation, self.skill.package_dir))
