"""The "run a tool" form: pick a tool and an instance, fill in the parameters, press Enter.

One field per parameter, chosen by its declared type. Every field is checked with
the engine's own rules (`engine.values.coerce_cli_value`, then `check_value`), so
the TUI accepts exactly what `skill run --arg k=v` accepts. The form only posts
`RunForm.Submitted(ref, args)`; running the tool is the app's job.

What is sent: every non-empty field. An empty optional field is left out so the
skill applies its own default (shown as the placeholder). A switch is sent when the
parameter is required or when it differs from the declared default (no default
counts as off), so an untouched switch never overrides the skill.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalGroup, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch, TextArea

from engine import (
    DEFAULT,
    ArgumentError,
    InstalledSkill,
    Tool,
    UsageError,
    check_args,
)
from skill_tui.focus import focus_now
from skill_tui.typing_keys import KeepsTypedKeys
from skill_tui.widgets.param_field import FormSelect, ParamField

STACK_BELOW = 64  # columns: a narrower form puts each label above its control


class RunForm(KeepsTypedKeys, VerticalScroll, can_focus=False):
    """Fill in a tool's parameters and post `RunForm.Submitted(ref, args)`."""

    BINDINGS = [Binding("ctrl+r", "submit", "Run", tooltip="Run the tool with these arguments")]

    DEFAULT_CSS = """
    RunForm {
        height: 1fr;
        padding: 0 1;
        scrollbar-gutter: stable;

        .rf-heading { text-style: bold; color: $text-accent; }
        .rf-tool-desc { color: $text-muted; margin-bottom: 1; }
        .rf-row { height: auto; }
        .rf-label { width: 22; height: auto; padding-right: 1; }
        .rf-body { width: 1fr; height: auto; }
        .rf-name { text-style: bold; }
        .rf-type { color: $text-muted; }
        .rf-type.-required { color: $text-warning; }
        .rf-desc { color: $text-muted; }
        .rf-error { color: $text-error; display: none; }
        .rf-field { margin-bottom: 1; height: auto; border-left: blank; }
        .rf-field.-pick { margin-bottom: 0; }
        .rf-field.-invalid .rf-error { display: block; }
        .rf-field:focus-within { border-left: outer $primary; }
        .rf-field:focus-within .rf-name { color: $text-primary; }
        .rf-control { width: 1fr; }
        Input.rf-control { background: $surface; }
        Input.rf-control:focus { background: $boost; background-tint: $foreground 8%; }
        TextArea.rf-control { height: auto; max-height: 8; background: $surface; }
        Switch.rf-control { width: auto; height: 1; border: none; padding: 0; background: $surface; }
        Switch.rf-control:focus { background-tint: $foreground 15%; }
        .rf-switch-state { width: auto; padding-left: 1; color: $text-muted; }
        Select.rf-control:focus > SelectCurrent { background-tint: $foreground 8%; }
        .rf-empty { color: $text-muted; margin-bottom: 1; }
        .rf-params { height: auto; }
        .rf-gap { height: 1; }
        .rf-actions { height: auto; padding-left: 1; }
        .rf-actions Button { min-width: 9; }
        .rf-hint { color: $text-muted; padding-left: 2; width: auto; }
        SelectCurrent Static#label { text-wrap: nowrap; text-overflow: ellipsis; height: 1; }
        /* Narrow (-stacked): each label above its control, name and type on one line. */
        &.-stacked .rf-row { layout: vertical; }
        &.-stacked .rf-label { width: 1fr; layout: horizontal; height: 1; }
        &.-stacked .rf-label > Static { width: auto; margin-right: 1; }
    }
    """

    class Submitted(Message):
        """The user asked to run `ref` with `args` (already checked by the engine's rules)."""

        def __init__(self, form: RunForm, ref: str, args: dict[str, Any]):
            super().__init__()
            self.form = form
            self.ref = ref
            self.args = args

        @property
        def control(self) -> RunForm:
            return self.form

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self._skill: InstalledSkill | None = None
        self._tool_name: str | None = None
        self._instances: list[str] = [DEFAULT]
        self._instance = DEFAULT
        self._initial: dict[str, Any] = {}
        self._fields: list[ParamField] = []
        self._tried = False  # a submit was refused: also show "required" on empty fields
        self._tool_select: Select[str] | None = None
        self._instance_select: Select[str] | None = None
        self._params_box: VerticalGroup | None = None
        self._heading: Static | None = None
        self._tool_desc: Static | None = None
        self._rebuilding = asyncio.Lock()

    # ---- public API -----------------------------------------------------------------------

    def load(
        self,
        skill: InstalledSkill,
        tool: str | None = None,
        instances: list[str] | None = None,
        instance: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> AwaitComplete:
        """Show `skill`'s tool `tool` (first tool when None or unknown) for `instance` (default "default").

        `values` pre-fills the fields (re-run, search results); unknown names are ignored.
        Await the result to wait until the fields are mounted.
        """
        self._skill = skill
        names = [t.name for t in skill.tools]
        self._tool_name = tool if tool in names else (names[0] if names else None)
        listed = list(dict.fromkeys(instances or [])) or [DEFAULT]
        self._instance = instance or (DEFAULT if DEFAULT in listed else listed[0])
        if self._instance not in listed:
            listed.append(self._instance)
        self._instances = listed
        self._initial = dict(values or {})
        self._tried = False
        if not self.is_attached:
            return AwaitComplete.nothing()
        return AwaitComplete(self._reload()).call_next(self)

    async def _reload(self) -> None:
        # One rebuild at a time: a second recompose that starts while the first is still mounting
        # removes widgets mid-mount (a Select then fails to find its own label and the app dies).
        async with self._rebuilding:
            focused = self.screen.focused if self.is_attached else None
            had_focus = focused is not None and self in focused.ancestors_with_self
            await self.recompose()
        self._check_prefilled()
        if had_focus:  # the focused field is gone: stay inside the form
            self.focus_first_field()
            self.screen.refresh_bindings()  # the footer still showed the removed widget's keys

    @property
    def skill(self) -> InstalledSkill | None:
        return self._skill

    @property
    def tool(self) -> Tool | None:
        if self._skill is None or self._tool_name is None:
            return None
        return self._skill.tool(self._tool_name)

    @property
    def instance(self) -> str:
        return self._instance

    @property
    def current_ref(self) -> str | None:
        """`skill@instance:tool`, or None before `load` (or for a skill without tools)."""
        if self._skill is None or self._tool_name is None:
            return None
        return f"{self._skill.name}@{self._instance}:{self._tool_name}"

    def values(self) -> dict[str, Any]:
        """The arguments as the engine will get them; raises UsageError naming the first bad field."""
        tool, ref = self.tool, self.current_ref
        if tool is None or ref is None:
            raise UsageError("no tool to run: load a skill that has tools")
        args: dict[str, Any] = {}
        for field in self._fields:
            try:
                present, value = field.read(ref)
            except ArgumentError as e:
                raise ArgumentError(
                    f"{ref}: parameter {field.param.name!r}: {e.reason}", param=e.param, reason=e.reason
                ) from None
            if present:
                args[field.param.name] = value
        check_args(tool, args, ref)
        return args

    def set_instance(self, instance: str) -> None:
        """Run on `instance` from now on, keeping what was typed (the instances pane drives this)."""
        if instance not in self._instances:
            return
        self._instance = instance
        self._update_heading()
        if self._instance_select is not None:
            # Not now: the Select may be mid-(re)compose, without the children its value needs.
            self.call_after_refresh(self._show_instance, self._instance_select)

    def set_instances(self, names: list[str]) -> None:
        """The skill's instances changed (created, removed): offer `names`, keeping the chosen one."""
        listed = list(dict.fromkeys(names)) or [DEFAULT]
        if listed == self._instances:
            return
        self._instances = listed
        if self._instance not in listed:
            self._instance = DEFAULT if DEFAULT in listed else listed[0]
            self._update_heading()
        select = self._instance_select
        if select is not None and select.is_attached:
            select.set_options([(Text(i), i) for i in listed])
            select.value = self._instance

    def _show_instance(self, select: Select[str]) -> None:
        if select is self._instance_select and select.is_attached and select.value != self._instance:
            select.value = self._instance

    def field(self, name: str) -> Input | Select[int] | Switch | TextArea | None:
        """The control of parameter `name` (for focusing or tests)."""
        return next((f.control for f in self._fields if f.param.name == name), None)

    def focus_first_field(self) -> None:
        """Focus the first parameter (the Run button when there is none)."""
        if self._fields:
            focus_now(self._fields[0].control)
        else:
            for button in self.query(".rf-run").results(Button):
                focus_now(button)

    # ---- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        skill = self._skill
        self._fields = []
        self._tool_select = self._instance_select = None
        self._params_box = self._heading = self._tool_desc = None
        if skill is None:
            yield Static("Choose a skill to run one of its tools.", classes="rf-empty")
            return
        self._heading = Static(classes="rf-heading", markup=False)
        self._tool_desc = Static(classes="rf-tool-desc", markup=False)
        yield self._heading
        yield self._tool_desc
        if self._tool_name is None:
            yield Static(f"{skill.name} has no tools.", classes="rf-empty", markup=False)
            self._update_heading()
            return
        self._tool_select = FormSelect(
            [(Text(t.name), t.name) for t in skill.tools],
            allow_blank=False,
            value=self._tool_name,
            compact=True,
            classes="rf-control rf-tool",
        )
        self._instance_select = FormSelect(
            [(Text(i), i) for i in self._instances],
            allow_blank=False,
            value=self._instance,
            compact=True,
            classes="rf-control rf-instance",
        )
        for label, select in (("tool", self._tool_select), ("instance", self._instance_select)):
            with HorizontalGroup(classes="rf-row rf-field -pick"):
                with VerticalGroup(classes="rf-label"):
                    yield Static(label, classes="rf-name")
                with VerticalGroup(classes="rf-body"):
                    yield select
        self._params_box = VerticalGroup(*self._param_widgets(self._initial), classes="rf-params")
        yield Static(classes="rf-gap")
        yield self._params_box
        with HorizontalGroup(classes="rf-actions"):
            yield Button("Run", variant="primary", compact=True, classes="rf-run")
            yield Static("enter or ctrl+r", classes="rf-hint")
        self._update_heading()

    def _param_widgets(self, values: dict[str, Any]) -> list[Widget]:
        tool = self.tool
        self._fields = [ParamField(p, values.get(p.name), p.name in values) for p in (tool.params if tool else ())]
        if not self._fields:
            return [Static("no parameters", classes="rf-empty")]
        return list(self._fields)

    def _update_heading(self) -> None:
        tool = self.tool
        if self._heading is not None:
            self._heading.update(self.current_ref or (self._skill.name if self._skill else ""))
        if self._tool_desc is not None:
            self._tool_desc.update(tool.description if tool else "")
            self._tool_desc.display = bool(tool and tool.description)

    def on_mount(self) -> None:
        self.call_after_refresh(self._check_prefilled)

    def on_resize(self) -> None:
        self.set_class(self.size.width < STACK_BELOW, "-stacked")

    def _check_prefilled(self) -> None:
        ref = self.current_ref or ""
        for field in self._fields:
            if field.is_attached:
                field.check(ref)

    async def _rebuild_params(self) -> None:
        async with self._rebuilding:
            box = self._params_box
            if box is None or not box.is_attached:
                return
            async with self.batch():
                await box.remove_children()
                await box.mount_all(self._param_widgets({}))
        self.scroll_home(animate=False)

    def _field_of(self, widget: Widget) -> ParamField | None:
        for node in widget.ancestors_with_self:
            if isinstance(node, ParamField):
                return node
            if node is self:
                break
        return None

    # ---- events ---------------------------------------------------------------------------

    @on(Select.Changed, ".rf-tool")
    async def _tool_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select is not self._tool_select or event.value == Select.NULL or event.value == self._tool_name:
            return
        self._tool_name = str(event.value)
        self._tried = False
        self._update_heading()
        await self._rebuild_params()

    @on(Select.Changed, ".rf-instance")
    def _instance_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select is self._instance_select and event.value != Select.NULL:
            self._instance = str(event.value)
            self._update_heading()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = self._field_of(event.input)
        if field is not None:
            field.check(self.current_ref or "", show_missing=self._tried)

    @on(Select.Changed)
    @on(Switch.Changed)
    @on(TextArea.Changed)
    def _control_changed(self, event: Select.Changed | Switch.Changed | TextArea.Changed) -> None:
        field = self._field_of(event.control)
        if field is not None:
            field.check(self.current_ref or "", show_missing=self._tried)
            field.show_switch_state()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        if self._field_of(event.input) is not None:
            event.stop()
            self.action_submit()

    @on(Button.Pressed, ".rf-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Check every field; post Submitted, or show the errors and focus the first bad field."""
        ref = self.current_ref
        if ref is None:
            return
        bad = [f for f in self._fields if f.check(ref, show_missing=True) is not None]
        if bad:
            self._tried = True
            focus_now(bad[0].control)
            return
        try:
            args = self.values()
        except UsageError as e:  # a rule check_args has and the fields do not: say it, don't run
            self.notify(e.message, severity="error")
            return
        self.post_message(self.Submitted(self, ref, args))
