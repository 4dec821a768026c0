"""Small modal dialogs: ask for one line of text, or confirm."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

DIALOG_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{ width: 72; height: auto; padding: 1 2; border: thick $primary; background: $surface; }}
{cls} Label {{ width: 100%; margin-bottom: 1; }}
{cls} Horizontal {{ height: auto; align-horizontal: right; margin-top: 1; }}
{cls} Button {{ margin-left: 1; }}
"""


class TextPrompt(ModalScreen[str | None]):
    """One line of text; Enter accepts, Escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(cls="TextPrompt")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(self.value, placeholder=self.placeholder)

    @on(Input.Submitted)
    def _accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class Confirm(ModalScreen[bool]):
    DEFAULT_CSS = DIALOG_CSS.format(cls="Confirm")
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)", "Yes")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Cancel", id="no")
                yield Button("Yes (y)", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
