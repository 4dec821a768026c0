"""skill-tui: the terminal control panel.

This first version lists the installed skills and their tools, read from the
engine in a worker thread; the full control panel (runs, instances, log) is the
next step.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static

from engine.api import Engine
from engine.store import InstalledSkill


class SkillTui(App[None]):
    TITLE = "skill-tui"
    CSS = """
    #skills { width: 1fr; }
    #tools { width: 2fr; padding: 0 1; }
    """
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, engine: Engine | None = None):
        super().__init__()
        self.engine = engine or Engine()
        self._skills: dict[str, InstalledSkill] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield DataTable(id="skills", cursor_type="row")
            yield Static(id="tools")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#skills", DataTable).add_columns("skill", "version", "tools")
        self.load_skills()

    @work(thread=True, exclusive=True)
    def load_skills(self) -> None:
        skills = self.engine.skills()
        self.call_from_thread(self._show_skills, skills)

    def _show_skills(self, skills: list[InstalledSkill]) -> None:
        table = self.query_one("#skills", DataTable)
        self._skills = {s.name: s for s in skills}
        for s in skills:
            table.add_row(s.name, s.version, str(len(s.tools)), key=s.name)
        if not skills:
            self.query_one("#tools", Static).update("No skills installed: `skill install PATH`.")

    @on(DataTable.RowHighlighted, "#skills")
    def _show_tools(self, event: DataTable.RowHighlighted) -> None:
        skill = self._skills.get(str(event.row_key.value))
        if skill is None:
            return
        lines = [f"[b]{escape(skill.name)}[/b] {escape(skill.version)}  {escape(skill.description)}", ""]
        for tool in skill.tools:
            lines.append(f"[b]{escape(tool.name)}[/b]  {escape(tool.description)}")
            lines += [escape(f"    {p.name} ({p.type}{', required' if p.required else ''})  {p.description}")
                      for p in tool.params]
        self.query_one("#tools", Static).update("\n".join(lines))


def main() -> None:
    SkillTui().run()
