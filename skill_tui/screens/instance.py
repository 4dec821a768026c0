"""An instance's configuration: each field, its value or default, and what is missing.

Secrets are never shown, only whether they are set.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine.api import MASK


class InstanceScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    InstanceScreen { align: center middle; }
    InstanceScreen > VerticalScroll { width: 100; height: auto; max-height: 80%; border: thick $primary;
                                      background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, skill: str, instance: str) -> None:
        super().__init__()
        self.skill, self.instance = skill, instance

    def compose(self) -> ComposeResult:
        engine = self.app.engine
        installed = engine.skill(self.skill)
        values = engine.instances.values(self.skill, self.instance, installed.config)
        stored = engine.instances.stored_values(self.skill, self.instance)
        table = Table(title=f"{self.skill}@{self.instance}", expand=True, box=None, padding=(0, 2))
        for column in ("field", "type", "value", "from", "description"):
            table.add_column(column, style="bold" if column == "field" else None)
        for f in installed.config:
            value = values.get(f.name)
            if value in (None, ""):
                shown = Text("missing" if f.required else "not set", style="red" if f.required else "dim")
            else:
                shown = Text(MASK if f.secret else str(value))
            origin = "config.toml" if f.name in stored else ("default" if value is not None else "")
            kind = f.type + ("*" if f.required else "") + (" secret" if f.secret else "")
            table.add_row(f.name, kind, shown, origin, f"{f.description}  [env {f.env_var}]")
        if not installed.config:
            table.add_row("", "", Text("this skill has no configuration", style="dim"), "", "")
        where = engine.instances.config_path(self.skill, self.instance)
        with VerticalScroll():
            yield Static(table)
            yield Static(Text.assemble("\nvalues are read from ", (str(where), "bold"),
                                       "; the data folder the skill sees as /data is ",
                                       (str(engine.instances.dir(self.skill, self.instance) / "data"), "bold")))
