"""The help screen: every key binding, as remapped, and how to remap them."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 80%; border: thick $primary; background: $surface;
                                  padding: 1 2; }
    """
    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str, str]], keymap_path: str) -> None:
        super().__init__()
        self.bindings_shown = bindings
        self.keymap_path = keymap_path

    def compose(self) -> ComposeResult:
        table = Table(title="skill-tui keys", expand=True, box=None, padding=(0, 2))
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        table.add_column("binding id (for remapping)", style="dim")
        for key, description, binding_id in self.bindings_shown:
            table.add_row(key, description, binding_id)
        note = Text.assemble(
            "\nRemap any key in ",
            (self.keymap_path, "bold"),
            ":\n\n",
            ('    [keys]\n    rerun = "f6"\n    cancel = "ctrl+k"\n', "dim"),
            "\nEvery action is also in the command palette (ctrl+p).",
        )
        with VerticalScroll():
            yield Static(table)
            yield Static(note)
