"""Find a tool among all installed skills and open it in the run form.

It matches every word of the query against tool and skill names, descriptions and
parameter names; ranking by meaning arrives with the engine's semantic search.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from engine.store import InstalledSkill


def matches(skills: list[InstalledSkill], query: str) -> list[tuple[str, str]]:
    """(skill, tool) pairs whose text holds every word of `query`, in install order."""
    words = query.lower().split()
    found = []
    for s in skills:
        for t in s.tools:
            text = " ".join([s.name, s.description, t.name, t.description, *(p.name for p in t.params)]).lower()
            if all(w in text for w in words):
                found.append((s.name, t.name))
    return found


class SearchScreen(ModalScreen[tuple[str, str] | None]):
    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical { width: 90; height: 70%; margin-top: 3; border: thick $primary; background: $surface; }
    SearchScreen OptionList { height: 1fr; border: none; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("down", "focus_results", show=False)]

    def __init__(self, skills: list[InstalledSkill]) -> None:
        super().__init__()
        self.skills = {s.name: s for s in skills}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="find a tool: words from its name, description or parameters")
            yield OptionList()

    def on_mount(self) -> None:
        self._refresh("")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._refresh(event.value)

    def _refresh(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for skill, tool in matches(list(self.skills.values()), query):
            t = self.skills[skill].tool(tool)
            label = Text.assemble((f"{skill}:{tool}", "bold"), "  ", (t.description if t else "", "dim"))
            options.add_option(Option(label, id=f"{skill}:{tool}"))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submit(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id:
            skill, tool = option_id.split(":", 1)
            self.dismiss((skill, tool))

    def action_focus_results(self) -> None:
        self.query_one(OptionList).focus()
