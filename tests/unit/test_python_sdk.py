"""The Python skill SDK's own logic, on the host's CPython: schemas from signatures, results from handlers.

The same module runs inside every Python skill component (tests/integration/test_python_skills.py
runs it there)."""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

import pytest

from engine.build.pybuild import PY_DIR

sys.path.insert(0, str(PY_DIR))
from skill_sdk import Result, SchemaError, Skill, ToolError, ok  # noqa: E402


def _skill() -> Skill:
    skill = Skill("demo", version="1.2.0", description="A demo")

    @skill.tool
    def word_count(text: str, unique: bool = False) -> dict[str, int]:
        """Count the words of a text.

        Args:
            text: The text to count,
                over two lines.
            unique: Count each word once.
        """
        words = text.split()
        return {"words": len(set(words) if unique else words)}

    @skill.tool(name="pick")
    def choose(colour: Literal["red", "green"], weights: list[float] | None = None, n: int = 1) -> str:
        """Pick a colour."""
        return f"{colour} {weights} {n}"

    @skill.tool
    def fail(kind: str) -> Result:
        """Fails."""
        if kind == "tool":
            raise ToolError("no such thing")
        if kind == "ok":
            return ok("fine", {"x": 1})
        return {}["missing"]

    @skill.tool
    async def later(n: int) -> int:
        """Async."""
        return n * 2

    return skill


def _run(skill: Skill, tool: str, **args: Any) -> dict[str, Any]:
    return json.loads(skill.execute_json(tool, json.dumps(args)))


def test_schema_comes_from_type_hints_defaults_and_the_docstring() -> None:
    tools = {t["name"]: t for t in json.loads(_skill().tools_json())}
    assert list(tools) == ["word-count", "pick", "fail", "later"]
    wc = tools["word-count"]
    assert wc["description"] == "Count the words of a text."
    assert wc["parameters"] == {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "The text to count, over two lines."},
            "unique": {"type": "boolean", "description": "Count each word once.", "default": False},
        },
        "required": ["text"],
    }
    pick = tools["pick"]["parameters"]
    assert pick["properties"]["colour"] == {"type": "string", "enum": ["red", "green"]}
    assert pick["properties"]["weights"] == {"type": "array", "items": {"type": "number"}}
    assert pick["required"] == ["colour"]
    assert json.loads(_skill().metadata_json()) == {"name": "demo", "version": "1.2.0", "description": "A demo"}


def test_results_errors_and_argument_checks() -> None:
    skill = _skill()
    assert _run(skill, "word-count", text="a b a") == {
        "success": True,
        "output": '{\n  "words": 3\n}',
        "data": {"words": 3},
    }
    assert _run(skill, "pick", colour="red", weights=[1, 2.5])["output"] == "red [1.0, 2.5] 1"
    assert _run(skill, "fail", kind="tool") == {"success": False, "output": "", "errorMessage": "no such thing"}
    assert _run(skill, "fail", kind="ok") == {"success": True, "output": "fine", "data": {"x": 1}}
    raised = _run(skill, "fail", kind="other")["errorMessage"]
    assert raised.startswith("KeyError: 'missing' (test_python_sdk.py:")
    assert (
        _run(skill, "pick", colour="blue")["errorMessage"]
        == "pick: parameter 'colour' must be one of red, green; got 'blue'"
    )
    assert _run(skill, "pick", colour="red", weights=["x"])["errorMessage"] == (
        "pick: parameter 'weights[0]' must be a number, not a string"
    )
    assert _run(skill, "word-count")["errorMessage"] == "word-count: missing required parameter 'text'"
    assert "has no parameter 'txt'" in _run(skill, "word-count", text="a", txt="b")["errorMessage"]
    assert "has no tool 'nope'" in _run(skill, "nope")["errorMessage"]


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("def f(when: datetime.date) -> str: ...", "f(): parameter 'when': date has no JSON form"),
        ("def f(x) -> str: ...", "f(): parameter 'x' has no type hint"),
        ("def f(*names: str) -> str: ...", "a tool takes named parameters only"),
        ("def f(x: dict[int, str]) -> str: ...", "parameter 'x': dict[int, str] has non-string keys"),
        ("def f(x: Literal['a', 1]) -> str: ...", "parameter 'x': Literal['a', 1] mixes types"),
        ("def f(x: Nope) -> str: ...", "f(): cannot read its type hints"),
    ],
)
def test_a_hint_without_a_json_form_names_the_parameter(signature: str, message: str) -> None:
    skill = Skill("bad")
    namespace: dict[str, Any] = {}
    exec(compile(f"import datetime\nfrom typing import Literal\n{signature}", "skill.py", "exec"), namespace)
    with pytest.raises(SchemaError) as raised:
        skill.tool(namespace["f"])
    assert message in str(raised.value)
    assert str(raised.value).startswith("skill.py:3: ")


def test_validate_config_refuses_with_the_message() -> None:
    skill = Skill("cfg")

    @skill.validate_config
    def check(config: dict[str, str]) -> str | None:
        return None if config.get("units") in (None, "metric", "imperial") else "units must be metric or imperial"

    assert json.loads(skill.validate_json('{"units": "metric"}')) == {"ok": None}
    assert json.loads(skill.validate_json('{"units": "kelvin"}')) == {"err": "units must be metric or imperial"}


def test_a_build_finds_the_imports_inside_functions_and_relative_ones(tmp_path) -> None:
    from skill_sdk._bundle import imported_names

    source = tmp_path / "mod.py"
    source.write_text(
        "import json\nfrom email import message\n\n"
        "def later():\n    import heapq\n    from . import sibling\n    from ..up import thing\n"
    )
    assert imported_names(str(source), "pkg.sub") == {
        "json", "email", "email.message", "heapq", "pkg.sub", "pkg.sub.sibling", "pkg.up", "pkg.up.thing",
    }  # fmt: skip
    source.write_text("def broken(:\n")
    assert imported_names(str(source), "") == set()
