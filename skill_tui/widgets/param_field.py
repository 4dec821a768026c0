"""One parameter of the run form: a control chosen by the parameter's declared type, checked with the
engine's own rules (`engine.values`), showing the engine's reason under it when a value is refused."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup, VerticalGroup
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Select, Static, Switch, TextArea
from textual.widgets._select import SelectCurrent

from engine import (
    PARAM_TYPES,
    ArgumentError,
    Param,
    as_text,
    check_value,
    coerce_cli_value,
)

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


class LineInput(Input):
    """A text parameter's one-line box. Input keeps only the first line of a paste; a paste with line
    breaks (a CSV table, a note) asks its field for a multi-line box holding all of it instead."""

    class Multiline(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def _on_paste(self, event: events.Paste) -> None:
        pasted = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in pasted.rstrip("\n"):
            return  # one line: Input's own paste
        event.prevent_default()  # not Input's: it would keep the first line only
        event.stop()
        start, end = sorted(self.selection)
        self.post_message(self.Multiline(self.value[:start] + pasted + self.value[end:]))


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
        return (LineInput if self.kind == "text" else Input)(
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

    def on_line_input_multiline(self, message: LineInput.Multiline) -> None:
        """Swap the one-line box for a multi-line one holding the pasted text, the cursor at its end."""
        message.stop()
        old = self.control
        area = TextArea(message.text, soft_wrap=True, compact=True, classes="rf-control")
        self.control = area
        old.parent.mount(area, after=old)  # type: ignore[union-attr]
        old.remove()
        area.move_cursor(area.document.end)
        area.focus()
        self.post_message(TextArea.Changed(area))  # checked and remembered like a typed change

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
