"""The tools pane: the selected skill's tools and the parameters of the highlighted one."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine import Param, Tool, UsageError, as_text, coerce_cli_value
from skill_tui.values import literal


def default_text(param: Param) -> str:
    """The default as JSON of the parameter's type: skills in the upstream style declare every
    default as a string ("defaultValue": "5"), which is the integer 5, not the text "5"."""
    if isinstance(param.default, str) and param.type in ("integer", "number", "boolean"):
        try:
            return literal(coerce_cli_value(param, param.default))
        except UsageError:
            pass
    return literal(param.default)


def tool_details(tool: Tool) -> Table:
    """Description and a parameter table (type, required, default) for one tool."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(tool.name), "", Text(tool.description))
    if not tool.params:
        grid.add_row("", "", Text("no parameters", style="dim italic"))
    for p in tool.params:
        kind = p.type + ("*" if p.required else "")
        note = Text(p.description)
        if p.enum:
            note.append(f" · one of: {', '.join(map(as_text, p.enum))}", style="dim")
        if p.default is not None:
            note.append(f" · default: {default_text(p)}", style="dim")
        grid.add_row(Text("  " + p.name), kind, note)
    return grid


class ToolsPane(Vertical):
    DEFAULT_CSS = """
    ToolsPane { border: round $border-blurred; border-title-color: $text-muted; border-subtitle-color: $text-muted; }
    ToolsPane:focus-within { border: round $primary; border-title-color: $primary; }
    ToolsPane > OptionList { height: auto; max-height: 45%; border: none; background: transparent; }
    ToolsPane > VerticalScroll { height: 1fr; border-top: hkey $border-blurred; padding: 0 1; }
    """

    class Highlighted(Message):
        def __init__(self, skill: str, tool: Tool) -> None:
            super().__init__()
            self.skill = skill
            self.tool = tool

    class Chosen(Message):
        """Enter on a tool: the app moves to the run form."""

        def __init__(self, tool: Tool) -> None:
            super().__init__()
            self.tool = tool

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "Tools"
        self._skill: str | None = None
        self._tools: tuple[Tool, ...] = ()
        self._announced: tuple[str, Tool] | None = None  # the (skill, tool) the screen was last told about
        self._compact = False  # names only, no descriptions

    def compose(self) -> ComposeResult:
        yield OptionList(id="tools-list")
        with VerticalScroll(id="tool-details-box"):
            yield Static(id="tool-details")

    def show(self, skill: str, tools: tuple[Tool, ...], selected: str | None = None) -> None:
        """List `skill`'s `tools` and highlight `selected` (else the one highlighted before, else the
        first); posts Highlighted when that changes which tool is shown. The same list costs nothing."""
        options = self.query_one(OptionList)
        names = [t.name for t in tools]
        if (skill, tools) != (self._skill, self._tools):
            keep = self.selected.name if self.selected and skill == self._skill else None
            self._skill, self._tools = skill, tools
            self._fill_options()
            self.border_subtitle = f"{skill} · {len(tools)}"
            selected = selected or keep
        if not tools:
            self._announced = None
            self.query_one("#tool-details", Static).update("no tools")
            return
        if selected in names or options.highlighted is None:
            with self.prevent(OptionList.OptionHighlighted):
                options.highlighted = names.index(selected) if selected in names else 0
        self._announce()

    def _fill_options(self) -> None:
        """One line per tool; with the description while the pane is wide enough to read it."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        with self.prevent(OptionList.OptionHighlighted):
            options.clear_options()
            options.add_options(
                [
                    Option(
                        Text.assemble((t.name, "bold"), *(("  ", (t.description, "dim")) if not self._compact else ())),
                        id=t.name,
                    )
                    for t in self._tools
                ]
            )
            if self._tools:  # a list without a highlight would ignore enter
                options.highlighted = highlighted if highlighted is not None and highlighted < len(self._tools) else 0

    def on_resize(self) -> None:
        compact = self.size.width < 32
        if compact != self._compact:
            self._compact = compact
            self._fill_options()

    @property
    def selected(self) -> Tool | None:
        index = self.query_one(OptionList).highlighted
        return self._tools[index] if index is not None and index < len(self._tools) else None

    @on(OptionList.OptionHighlighted, "#tools-list")
    def _highlighted(self) -> None:
        self._announce()

    def _announce(self) -> None:
        """Show the highlighted tool and tell the screen, once per change (see SkillsPane._announce)."""
        tool = self.selected
        if tool is not None and self._skill is not None and (self._skill, tool) != self._announced:
            self._announced = (self._skill, tool)
            self.query_one("#tool-details", Static).update(tool_details(tool))
            self.post_message(self.Highlighted(self._skill, tool))

    @on(events.DescendantFocus)
    def _keep_a_highlight(self) -> None:
        """A focused list always has a highlighted tool: enter on a list without one does nothing."""
        options = self.query_one(OptionList)
        if options.highlighted is None and self._tools:
            shown = self._announced[1].name if self._announced else None
            names = [t.name for t in self._tools]
            with self.prevent(OptionList.OptionHighlighted):
                options.highlighted = names.index(shown) if shown in names else 0

    @on(OptionList.OptionSelected, "#tools-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.post_message(self.Chosen(self._tools[event.option_index]))
