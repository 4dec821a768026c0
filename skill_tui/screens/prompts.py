"""Small modal dialogs: ask for one line of text, or confirm.

A dialog never loses what was typed. TextPrompt runs the caller's `submit` (the engine's own
check, or the action itself) in a worker: when the engine refuses, the reason shows under the
box, the text stays and the dialog stays open. Every dialog says which keys accept and leave.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from engine import SkillError

DIALOG_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{ width: 72; max-width: 100%; height: auto; padding: 1 2; border: thick $primary; background: $surface; }}
{cls} Label {{ width: 100%; margin-bottom: 1; }}
{cls} Horizontal {{ height: auto; align-horizontal: right; margin-top: 1; }}
{cls} Button {{ margin-left: 1; }}
{cls} .dialog-note {{ height: auto; color: $text-muted; }}
{cls} .dialog-note.-error {{ color: $text-error; }}
{cls} .dialog-hint {{ height: auto; margin-top: 1; color: $text-muted; }}
"""

SHOWN_CANDIDATES = 12


def complete_path(text: str) -> tuple[str, list[str]]:
    """Complete `text` from the file system as a shell does on Tab.

    Returns the completed text (as far as every match agrees; a folder gets its "/") and
    the names that match (folders end in "/"): none, one, or the choices left. Hidden
    entries match only when the typed name starts with a dot; "~" stays as typed.
    """
    head, sep, prefix = text.rpartition("/")
    folder = os.path.expanduser(head + sep) if sep else "."
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                e.name + ("/" if e.is_dir() else "")
                for e in entries
                if e.name.startswith(prefix) and (prefix.startswith(".") or not e.name.startswith("."))
            )
    except OSError:
        return text, []
    if not names:
        return text, []
    return head + sep + os.path.commonprefix(names), names


class PathInput(Input):
    """An Input whose Tab completes a path instead of moving focus."""

    BINDINGS = [Binding("tab", "complete", "Complete the path", show=False)]

    class Completed(Message):
        """After a Tab: the names that matched what was typed."""

        def __init__(self, matches: list[str]) -> None:
            super().__init__()
            self.matches = matches

    def action_complete(self) -> None:
        completed, matches = complete_path(self.value)
        self.value = completed
        self.cursor_position = len(completed)
        self.post_message(self.Completed(matches))


class NotedDialog(ModalScreen[Any]):
    """A dialog whose action runs in a worker (`working` meanwhile), with one line under its controls
    (class dialog-note) for progress or the engine's refusal; a refusal keeps the dialog open."""

    working = False

    def note(self, text: str, error: bool = False) -> None:
        """The line under the box: an error, the candidates of a completion, or progress."""
        note = self.query_one(".dialog-note", Static)
        note.update(text)
        note.set_class(error, "-error")

    def _refused(self, message: str) -> None:
        self.working = False
        if self.is_attached:
            self.note(message, error=True)


class TextPrompt(NotedDialog):
    """One line of text; Enter accepts, Escape cancels.

    With `submit`, Enter runs submit(text) in a worker: a SkillError keeps the dialog open
    with the message under the box; anything else it returns is the dialog's result.
    Without it, the dialog returns the text.
    """

    DEFAULT_CSS = DIALOG_CSS.format(cls="TextPrompt")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        question: str,
        value: str = "",
        placeholder: str = "",
        *,
        verb: str = "accept",
        submit: Callable[[str], Any] | None = None,
        busy: str = "working…",
        paths: bool = False,
    ) -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder
        self.verb, self.submit, self.busy, self.paths = verb, submit, busy, paths
        self.working = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield (PathInput if self.paths else Input)(self.value, placeholder=self.placeholder)
            yield Static("", classes="dialog-note", markup=False)
            keys = [f"enter: {self.verb}", *(["tab: complete the path"] if self.paths else []), "esc: cancel"]
            yield Static(" · ".join(keys), classes="dialog-hint")

    @on(Input.Changed)
    def _edited(self) -> None:
        if not self.working:
            self.note("")  # an error was about the text as it was

    @on(PathInput.Completed)
    def _completed(self, event: PathInput.Completed) -> None:
        """Like a shell: nothing more to say for one match, the choices for several."""
        if not event.matches:
            self.note("no file or folder starts with that", error=True)
        elif len(event.matches) > 1:
            shown = event.matches[:SHOWN_CANDIDATES]
            more = len(event.matches) - len(shown)
            self.note("  ".join(shown) + (f"  … and {more} more" if more > 0 else ""))

    @on(Input.Submitted)
    def _accept(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self.working:
            return
        if not text:
            self.note("type something first, or esc to cancel", error=True)
        elif self.submit is None:
            self.dismiss(text)
        else:
            self.working = True
            self.note(self.busy)
            self._submit(self.submit, text)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _submit(self, submit: Callable[[str], Any], text: str) -> None:
        try:
            result = submit(text)
        except SkillError as e:
            self.app.call_from_thread(self._refused, str(e))
        except Exception as e:  # a bug must not leave the dialog spinning
            self.app.call_from_thread(self._refused, f"internal error: {e!r}")
        else:
            self.app.call_from_thread(self._done, result)

    def _done(self, result: Any) -> None:
        self.working = False
        if self.is_attached:  # not when the person left with Esc meanwhile
            self.dismiss(result)


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
            yield Static("y: yes · enter: the focused button · esc: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
