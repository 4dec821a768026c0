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
import json
from dataclasses import replace
from typing import Any, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalGroup, VerticalScroll
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch, TextArea
from textual.widgets._select import SelectCurrent

from engine import (
    PARAM_TYPES,
    ArgumentError,
    InstalledSkill,
    Param,
    Tool,
    UsageError,
    as_text,
    check_args,
    check_value,
    coerce_cli_value,
)
from skill_tui.focus import focus_now
from skill_tui.typing_keys import KeepsTypedKeys

DEFAULT_INSTANCE = "default"
STACK_BELOW = 64  # columns: a narrower form puts each label above its control
JSON_KINDS = ("array", "object", "json")
_JSON_HINTS = {
    "array": 'JSON array, e.g. ["a", "b"]',
    "object": 'JSON object, e.g. {"key": "value"}',
    "json": 'any JSON value, e.g. 42, "text", [1, 2]',
}


def _kind(param: Param) -> str:
    """Which control a parameter gets: enum, boolean, integer, number, json or text."""
    if param.enum:
        return "enum"
    if param.type in ("boolean", "integer", "number"):
        return param.type
    if param.type in JSON_KINDS:
        return "json"
    return "text"  # string, file and anything unknown


def _as_text(param: Param, value: Any) -> str:
    """A Python value (default, history, search result) as the text a user would type."""
    if value is None:
        return ""
    if param.type in JSON_KINDS:  # a string in a JSON field is typed with its quotes
        return json.dumps(value, ensure_ascii=False)
    return as_text(value)


def convert(param: Param, text: str, ref: str = "") -> Any:
    """The engine's reading of one field: `coerce_cli_value`, then `check_value`.

    Raises ArgumentError; its `reason` fits under the field ("expected an integer").
    """
    if param.type not in PARAM_TYPES:  # the engine reads unknown types as strings (parse_tools)
        param = replace(param, type="string")
    value = coerce_cli_value(param, text)
    check_value(param, value, ref)
    return value


def _missing(param: Param, ref: str, reason: str) -> ArgumentError:
    return ArgumentError(f"{ref}: parameter {param.name!r}: {reason}", param=param.name, reason=reason)


class FormSelect(Select):
    """A Select that survives being removed while it mounts (a form rebuild racing a click):
    Textual's own `_on_mount` then fails to find the label its removed child no longer has."""

    def _on_mount(self, event: events.Mount) -> None:
        current = self.query(SelectCurrent)
        if not current or not current.first().query("#label"):
            event.prevent_default()  # Textual then skips Select's own _on_mount


class _EngineRule(Validator):
    """Textual validator wrapping `convert`, so the Input's own -invalid styling agrees."""

    def __init__(self, param: Param):
        super().__init__()
        self.param = param

    def validate(self, value: str) -> ValidationResult:
        if not value:
            return self.success()
        try:
            convert(self.param, value)
        except ArgumentError as e:
            return self.failure(e.reason, value)
        return self.success()


class ParamField(VerticalGroup):
    """One parameter: label (name, type, required), its control, description and inline error."""

    def __init__(self, param: Param, value: Any = None, has_value: bool = False):
        super().__init__(classes="rf-field")
        self.param = param
        self.kind = _kind(param)
        self.control: Input | Select[int] | Switch | TextArea = self._make_control(value, has_value)
        self.control.add_class("rf-control")
        self.error_line = Static("", classes="rf-error", markup=False)
        self.error: str | None = None
        self.switch_state = Static(self._on_off(), classes="rf-switch-state")

    # ---- building -------------------------------------------------------------------------

    def _make_control(self, value: Any, has_value: bool) -> Input | Select[int] | Switch | TextArea:
        p = self.param
        # Required parameters are pre-filled with their default (they must be sent anyway);
        # optional ones show it as a hint and are left out when empty.
        if not has_value and p.required and p.default is not None:
            value, has_value = p.default, True
        if self.kind == "enum":
            options = [(Text(as_text(v)), i) for i, v in enumerate(p.enum)]
            index = next((i for i, v in enumerate(p.enum) if has_value and _same(v, value)), None)
            prompt = (
                f"default: {_as_text(p, p.default)}"
                if p.default is not None
                else ("choose one" if p.required else "not set")
            )
            return FormSelect(
                options, prompt=prompt, allow_blank=True, value=Select.NULL if index is None else index, compact=True
            )
        if self.kind == "boolean":
            return Switch(self._bool(value) if has_value else self._bool_default(), animate=False)
        text = _as_text(p, value) if has_value else ""
        # Every box shows something while empty, so a required one is never an invisible blank line.
        if p.default is not None and not p.required:
            placeholder = f"default: {_as_text(p, p.default)}"
        elif self.kind == "json":
            placeholder = _JSON_HINTS.get(p.type, _JSON_HINTS["json"])
        else:
            placeholder = "required" if p.required else "optional"
        if "\n" in text and self.kind == "text":
            # Input cannot hold a line break (a re-run of a multi-line note): edit it as text.
            return TextArea(text, soft_wrap=True, compact=True)
        input_type: Literal["integer", "number", "text"] = (
            "integer" if self.kind == "integer" else "number" if self.kind == "number" else "text"
        )
        return Input(
            text, placeholder=placeholder, type=input_type, validators=[_EngineRule(p)], valid_empty=True, compact=True
        )

    def _on_off(self) -> str:
        return ("on" if self.control.value else "off") if isinstance(self.control, Switch) else ""

    def show_switch_state(self) -> None:
        self.switch_state.update(self._on_off())

    def _bool(self, value: Any) -> bool:
        if isinstance(value, str):
            try:
                return bool(coerce_cli_value(self.param, value))
            except ArgumentError:
                return False
        return bool(value)

    def _bool_default(self) -> bool:
        return self._bool(self.param.default) if self.param.default is not None else False

    def compose(self) -> ComposeResult:
        p = self.param
        with HorizontalGroup(classes="rf-row"):
            with VerticalGroup(classes="rf-label"):
                yield Static(p.name, classes="rf-name", markup=False)
                kind = p.type + (" (enum)" if p.enum else "")
                yield Static(
                    kind + (" · required" if p.required else ""),
                    markup=False,
                    classes="rf-type -required" if p.required else "rf-type",
                )
            with VerticalGroup(classes="rf-body"):
                if isinstance(self.control, Switch):  # a switch says what it is set to, not only its colour
                    with HorizontalGroup():
                        yield self.control
                        yield self.switch_state
                else:
                    yield self.control
                if p.description:
                    yield Static(p.description, classes="rf-desc", markup=False)
                yield self.error_line

    # ---- reading --------------------------------------------------------------------------

    def read(self, ref: str = "") -> tuple[bool, Any]:
        """(present, value) by the engine's rules; raises ArgumentError on invalid or missing input."""
        p, control = self.param, self.control
        if isinstance(control, Switch):
            value = control.value
            return (p.required or value != self._bool_default()), value
        if isinstance(control, Select):
            index = control.value
            if not isinstance(index, int):  # blank: nothing chosen
                if p.required:
                    raise _missing(p, ref, "required: choose one of " + ", ".join(map(as_text, p.enum)))
                return False, None
            value = p.enum[index]
            check_value(p, value, ref)  # an enum that contradicts its own type is refused, as by the CLI
            return True, value
        text = control.text if isinstance(control, TextArea) else control.value
        if not text:
            if p.required:
                raise _missing(p, ref, "required")
            return False, None
        return True, convert(p, text, ref)

    def check(self, ref: str = "", show_missing: bool = False) -> str | None:
        """Validate, show the result under the field, return the error (None when fine)."""
        try:
            self.read(ref)
            error = None
        except ArgumentError as e:
            error = e.reason
            if not show_missing and self._is_empty():
                error = None
        self.show_error(error)
        return error

    def _is_empty(self) -> bool:
        control = self.control
        if isinstance(control, Select):
            return control.is_blank()
        if isinstance(control, Input):
            return not control.value
        if isinstance(control, TextArea):
            return not control.text
        return False

    def show_error(self, error: str | None) -> None:
        self.error = error
        self.error_line.update(error or "")
        self.set_class(error is not None, "-invalid")


def _same(a: Any, b: Any) -> bool:
    """Enum value `a` matches `b`; `1` matches a "1" default but never `True`."""
    if type(a) is type(b):
        return bool(a == b)
    return as_text(a) == as_text(b)


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
        self._instances: list[str] = [DEFAULT_INSTANCE]
        self._instance = DEFAULT_INSTANCE
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
        listed = list(dict.fromkeys(instances or [])) or [DEFAULT_INSTANCE]
        self._instance = instance or (DEFAULT_INSTANCE if DEFAULT_INSTANCE in listed else listed[0])
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
        listed = list(dict.fromkeys(names)) or [DEFAULT_INSTANCE]
        if listed == self._instances:
            return
        self._instances = listed
        if self._instance not in listed:
            self._instance = DEFAULT_INSTANCE if DEFAULT_INSTANCE in listed else listed[0]
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
