"""RunForm: one field per parameter, the engine's argument rules, Enter posts Submitted(ref, args)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, Select, Static, Switch

from engine.errors import UsageError
from engine.protocol import Param, Tool
from engine.store import InstalledSkill
from skill_tui.widgets.param_field import ParamField
from skill_tui.widgets.run_form import RunForm

pytestmark = pytest.mark.anyio

RESIZE = Tool(
    "resize",
    "Resize an image to a given width; keeps the aspect ratio.",
    (
        Param("path", "file", "Image file inside /data", required=True),
        Param("width", "integer", "Target width in pixels", required=True),
        Param("sharpen", "boolean", "Sharpen after resizing"),
        Param("mode", "string", "Resampling filter", enum=("fast", "good", "best"), default="good"),
        Param("ratio", "number", "Scale factor (instead of width)"),
        Param("tags", "array", "Labels to add to the result"),
    ),
)
PING = Tool("ping", "Answers pong.", ())
ODD = Tool(
    "odd",
    "",
    (
        Param("blob", "weird-type", "An unknown type falls back to text"),
        Param("shape", "object", "x " * 120),
        Param("pick", "json", "", enum=([1, 2], {"a": 1}, 3)),
    ),
)


def make_skill(*tools: Tool) -> InstalledSkill:
    return InstalledSkill(
        name="img",
        version="1.0.0",
        description="Images",
        tools=tools or (RESIZE, PING, ODD),
        component_sha256="0" * 64,
        component_size=1,
        package_dir=Path("/nonexistent"),
        source="/nonexistent",
        installed_at=0.0,
    )


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[tuple[str, dict[str, Any]]] = []

    def compose(self) -> ComposeResult:
        yield RunForm()
        yield Footer()

    def on_run_form_submitted(self, event: RunForm.Submitted) -> None:
        self.submitted.append((event.ref, event.args))


def field(form: RunForm, name: str) -> ParamField:
    return next(f for f in form.query(ParamField) if f.param.name == name)


def error_of(form: RunForm, name: str) -> str | None:
    """The inline error the user sees under a field (None when hidden)."""
    f = field(form, name)
    return str(f.error_line.render()) if f.error_line.display and f.error_line.region.height else None


async def start(pilot, tool: str | None = "resize", **kw) -> RunForm:
    form = pilot.app.query_one(RunForm)
    await form.load(make_skill(), tool, kw.pop("instances", ["default", "work"]), **kw)
    await pilot.pause()
    return form


async def test_one_field_per_parameter_by_type(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        controls = {name: form.field(name) for name in ("path", "width", "sharpen", "mode", "ratio", "tags")}
        assert isinstance(controls["path"], Input) and controls["path"].type == "text"
        assert isinstance(controls["width"], Input) and controls["width"].type == "integer"
        assert isinstance(controls["ratio"], Input) and controls["ratio"].type == "number"
        assert isinstance(controls["sharpen"], Switch)
        assert isinstance(controls["mode"], Select)
        assert isinstance(controls["tags"], Input) and "JSON array" in controls["tags"].placeholder
        assert controls["mode"].is_blank()  # optional: left out, the skill applies "good"
        texts = [str(s.render()) for s in field(form, "width").query(Static)]
        assert "width" in texts and "integer · required" in texts and "Target width in pixels" in texts
        assert "boolean" in [str(s.render()) for s in field(form, "sharpen").query(Static)]
        assert form.current_ref == "img@default:resize"


async def test_integer_field_refuses_letters_and_shows_the_engines_error(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        width = form.field("width")
        width.focus()
        await pilot.press("a", "b", "c")
        assert width.value == ""
        await pilot.press("-")
        await pilot.pause()
        assert width.value == "-"
        assert error_of(form, "width") == "expected an integer"
        assert width.has_class("-invalid")
        await pilot.press("4", "2")
        await pilot.pause()
        assert error_of(form, "width") is None
        assert not width.has_class("-invalid")


async def test_json_field_is_validated_as_json_of_the_right_kind(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        tags = form.field("tags")
        tags.focus()
        await pilot.press(*"[1,")
        await pilot.pause()
        assert (error_of(form, "tags") or "").startswith("expected JSON")
        tags.value = '{"a": 1}'
        await pilot.pause()
        assert (error_of(form, "tags") or "").startswith("must be an array, got object")
        tags.value = '["x", 2]'
        await pilot.pause()
        assert error_of(form, "tags") is None


async def test_required_missing_refuses_submit_and_focuses_it(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        assert error_of(form, "path") is None  # not nagging before the first try
        form.field("width").focus()
        await pilot.press("7", "enter")
        await pilot.pause()
        assert app.submitted == []
        assert error_of(form, "path") == "required"
        assert error_of(form, "width") is None
        assert app.focused is form.field("path")
        with pytest.raises(UsageError, match="'path': required"):
            form.values()
        await pilot.press(*"a.png")
        await pilot.pause()
        assert error_of(form, "path") is None
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.submitted == [("img@default:resize", {"path": "a.png", "width": 7})]


async def test_enter_submits_typed_arguments_with_the_chosen_instance(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        form.focus_first_field()
        await pilot.press("c", "tab", *"64", "tab", "space", "tab")  # path, width, sharpen on
        assert app.focused is form.field("mode")
        await pilot.press("enter", "down", "down", "down", "enter")  # blank, fast, good, best
        await pilot.press("tab", *"1.5", "tab")
        form.field("tags").insert_text_at_cursor('["a"]')
        instance = form.query_one(".rf-instance", Select)
        instance.focus()
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert form.current_ref == "img@work:resize"
        form.field("tags").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.submitted == [
            (
                "img@work:resize",
                {"path": "c", "width": 64, "sharpen": True, "mode": "best", "ratio": 1.5, "tags": ["a"]},
            )
        ]
        ref, args = app.submitted[0]
        assert type(args["width"]) is int and type(args["ratio"]) is float and args["sharpen"] is True


async def test_empty_optional_fields_are_left_out(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot, instance="work")
        form.field("path").value = "x"
        form.field("width").value = "+3"
        await pilot.pause()
        assert form.values() == {"path": "x", "width": 3}
        form.focus_first_field()  # ctrl+r belongs to the form: it works while focus is inside it
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.submitted == [("img@work:resize", {"path": "x", "width": 3})]


async def test_switching_tool_rebuilds_the_fields(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        tool = form.query_one(".rf-tool", Select)
        tool.focus()
        await pilot.press("enter", "down", "enter")  # resize → ping
        await pilot.pause()
        assert form.current_ref == "img@default:ping"
        assert list(form.query(ParamField)) == [] and form.field("path") is None
        assert "no parameters" in [str(s.render()) for s in form.query(".rf-empty").results(Static)]
        assert app.focused is tool
        tool.value = "odd"
        await pilot.pause()
        assert [f.param.name for f in form.query(ParamField)] == ["blob", "shape", "pick"]
        tool.value = "resize"
        await pilot.pause()
        assert [f.param.name for f in form.query(ParamField)][:2] == ["path", "width"]
        assert form.field("path").value == ""


async def test_prefilled_values(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        values = {"path": "cat.png", "width": 80, "sharpen": True, "mode": "fast", "tags": ["a", "b"], "not-a-param": 1}
        form = await start(pilot, instance="work", values=values)
        form.focus_first_field()
        assert form.field("width").value == "80"
        assert form.field("sharpen").value is True
        assert form.field("tags").value == '["a", "b"]'
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.submitted == [
            ("img@work:resize", {"path": "cat.png", "width": 80, "sharpen": True, "mode": "fast", "tags": ["a", "b"]})
        ]
        form = await start(pilot, values={"path": "p", "width": "eighty"})
        assert error_of(form, "width") == "expected an integer"  # bad pre-fill shows at once
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert len(app.submitted) == 1
        assert app.focused is form.field("width")


async def test_no_parameter_tool_submits_empty_args(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot, "ping")
        assert "no parameters" in [str(s.render()) for s in form.query(".rf-empty").results(Static)]
        assert form.values() == {}
        form.query_one(".rf-tool", Select).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.submitted == [("img@default:ping", {})]
        form.focus_first_field()
        await pilot.press("enter")  # the Run button
        await pilot.pause()
        assert app.submitted[-1] == ("img@default:ping", {})
        await pilot.pause(0.3)  # a Button ignores clicks during its 0.2 s "pressed" effect
        await pilot.click(".rf-run")
        await pilot.pause()
        assert len(app.submitted) == 3


async def test_long_forms_scroll_to_the_focused_field(anyio_backend) -> None:
    app = Host()
    many = Tool("many", "", tuple(Param(f"p{i}", "string", f"parameter {i}") for i in range(8)))
    async with app.run_test(size=(100, 16)) as pilot:
        form = pilot.app.query_one(RunForm)
        await form.load(make_skill(many), "many", [])
        await pilot.pause()
        form.focus_first_field()
        await pilot.press(*["tab"] * 7)
        await pilot.pause()
        assert app.focused is form.field("p7")
        assert form.scroll_y > 0 and form.field("p7").region.bottom <= form.region.bottom
        await pilot.click(form.field("p6"))  # the mouse focuses a field too
        assert app.focused is form.field("p6")


async def test_odd_schemas_do_not_crash(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot, "odd")
        form.focus_first_field()
        assert isinstance(form.field("blob"), Input) and form.field("blob").type == "text"
        assert field(form, "shape").query_one(".rf-desc").region.height > 1  # long description wraps
        form.field("blob").value = "not json"
        form.field("pick").value = 0  # unhashable enum values work: the Select holds indices
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.submitted == [("img@default:odd", {"blob": "not json", "pick": [1, 2]})]
        await form.load(replace(make_skill(), tools=()))  # a skill without tools
        await pilot.pause()
        assert form.current_ref is None
        await pilot.press("ctrl+r")
        with pytest.raises(UsageError):
            form.values()


def test_snapshot(snap_compare) -> None:
    async def fill(pilot) -> None:
        form = pilot.app.query_one(RunForm)
        skill = make_skill(
            Tool("resize", "Resize an image to a given width; keeps the aspect ratio.", RESIZE.params[:4])
        )
        await form.load(skill, "resize", ["default", "work"])
        await pilot.pause()
        form.field("path").value = "cat.png"
        form.field("width").focus()
        await pilot.press("-")
        await pilot.press("tab")  # focus on the switch: no blinking cursor in the picture
        await pilot.pause()

    assert snap_compare(Host(), terminal_size=(100, 30), run_before=fill)


async def test_multiline_value_is_edited_as_text_and_kept(anyio_backend) -> None:
    from textual.widgets import TextArea

    note = Tool("note", "Add a note", (Param("body", "string", "Text", required=True),))
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = app.query_one(RunForm)
        await form.load(make_skill(note), "note", ["default"], values={"body": "line one\nline two"})
        await pilot.pause()
        assert isinstance(form.field("body"), TextArea)
        assert form.values() == {"body": "line one\nline two"}
        form.field("body").focus()
        await pilot.press("ctrl+r")
        assert app.submitted == [("img@default:note", {"body": "line one\nline two"})]


async def test_a_pasted_table_keeps_its_lines_in_a_multi_line_box(anyio_backend) -> None:
    """A one-line box keeps only the first line of a paste: a CSV table pasted into it became its header."""
    from textual import events
    from textual.widgets import TextArea

    summarize = Tool("summarize", "Describe a CSV table", (Param("csv", "string", "The CSV text", required=True),))
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = app.query_one(RunForm)
        await form.load(make_skill(summarize), "summarize", ["default"])
        await pilot.pause()
        form.field("csv").focus()
        await pilot.press(*"# ")
        app.post_message(events.Paste("city,pop\r\nOslo,700000\r\nBergen,290000\r\n"))
        await pilot.pause()
        box = form.field("csv")
        assert isinstance(box, TextArea) and app.focused is box
        await pilot.press(*"Trondheim,210000")  # typing goes on where the paste ended
        assert form.values() == {"csv": "# city,pop\nOslo,700000\nBergen,290000\nTrondheim,210000"}
        await pilot.press("ctrl+r")
        assert app.submitted[-1][1]["csv"].splitlines()[-1] == "Trondheim,210000"
        app.post_message(events.Paste("one line"))  # a TextArea takes any paste as it is
        await pilot.pause()
        assert form.values()["csv"].endswith("Trondheim,210000one line")


async def test_a_switch_says_on_or_off_and_every_empty_box_shows_a_placeholder(anyio_backend) -> None:
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        form = await start(pilot)
        sharpen = field(form, "sharpen")
        assert str(sharpen.switch_state.render()) == "off"
        form.field("sharpen").focus()
        await pilot.press("space")
        assert str(sharpen.switch_state.render()) == "on"
        for name in ("path", "width", "ratio", "tags"):  # required or not, an empty box is never blank
            assert form.field(name).placeholder, name
