"""The MCP server's parts without a server process: `skill mcp-config`, `serve`'s refusal, tool names,
input schemas, results, search, selection. The server over stdio and HTTP is tests/integration/test_mcp.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.events import RequestRecord, RunResult
from engine.mcp.catalog import Selection
from engine.mcp.results import bound_text, tool_result
from engine.mcp.schema import input_schema
from engine.protocol import Param, Tool
from engine.refs import MCP_NAME_LIMIT as NAME_LIMIT
from engine.refs import mcp_tool_name as tool_name

# ---- mcp-config -------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["claude-code", "claude-desktop", "cursor"])
def test_mcp_config(client, home, capsys):
    from engine.cli import main

    assert main(["mcp-config", "--client", client, "--skill", "echo"]) == 0
    entry = json.loads(capsys.readouterr().out)["mcpServers"]["skills"]
    assert Path(entry["command"]).is_absolute()
    assert entry["args"][-3:] == ["serve", "--skill", "echo"]
    assert entry["env"]["SKILL_ENGINE_HOME"] == str(home.root)
    assert ("type" in entry) == (client == "claude-code")


def test_mcp_config_url(capsys):
    from engine.cli import main

    assert main(["mcp-config", "--url", "http://127.0.0.1:8765/mcp"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "mcpServers": {"skills": {"type": "http", "url": "http://127.0.0.1:8765/mcp"}}
    }
    assert main(["mcp-config", "--client", "claude-desktop", "--url", "http://127.0.0.1:8765/mcp"]) == 2
    assert "stdio" in capsys.readouterr().err


def test_serve_refuses_unknown_skill(home, capsys):
    from engine.cli import main

    assert main(["serve", "--skill", "nope"]) == 2
    assert "no skill named 'nope'" in capsys.readouterr().err


# ---- units: names, schemas, results, search -------------------------------------------------------


def test_tool_names_are_valid_stable_and_unambiguous():
    assert tool_name("textkit", "default", "slugify") == "textkit__default__slugify"
    assert tool_name("my-kit", "work", "word_count") == "my-kit__work__word_count"
    weird = [tool_name("kit", "default", t) for t in ("a.b", "a b", "a:b", "ä", "x" * 80, "a/b")]
    long = tool_name("k" * 64, "i" * 64, "t")
    for name in [*weird, long]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name), name
        assert len(name) <= NAME_LIMIT
    assert len(set(weird)) == len(weird)
    assert tool_name("kit", "default", "a.b") == tool_name("kit", "default", "a.b")  # pure function
    assert tool_name("kit", "default", "a.b") != tool_name("kit", "default", "a_b")


def test_input_schema_from_params():
    tool = Tool(
        "t",
        "d",
        (
            Param("text", "string", "the text", True),
            Param("n", "integer", default=3),
            Param("mode", "string", enum=("a", "b"), default="a"),
            Param("any", "json"),
            Param("bad", "integer", default="1"),
        ),
    )
    schema = input_schema(tool)
    assert schema["required"] == ["text"] and schema["additionalProperties"] is False
    assert schema["properties"]["text"] == {"type": "string", "description": "the text"}
    assert schema["properties"]["n"] == {"type": "integer", "default": 3}
    assert schema["properties"]["mode"] == {"type": "string", "enum": ["a", "b"], "default": "a"}
    assert schema["properties"]["any"] == {}
    assert schema["properties"]["bad"] == {"type": "integer"}  # a default of the wrong type is left out
    assert input_schema(Tool("free")) == {"type": "object", "properties": {}}


def _result(**kw) -> RunResult:
    return RunResult(run_id="r", skill="s", instance="default", tool="t", **{"ok": True, **kw})


def test_results_text_structured_errors_and_truncation():
    r = tool_result(_result(output='{"a": 1}'))
    assert r.structured_content == {"a": 1} and len(r.content) == 1
    r = tool_result(_result(output="plain", data={"b": 2}))
    assert [c.text for c in r.content] == ["plain", '{"b": 2}'] and r.structured_content == {"b": 2}
    r = tool_result(_result(output="[1, 2]"))
    assert r.structured_content is None and r.content[0].text == "[1, 2]"
    r = tool_result(_result(ok=False, error="boom", stderr="line1\nline2"))
    assert r.is_error and r.content[0].text == "s@default:t failed: boom\nstderr (last lines):\nline1\nline2"
    big = tool_result(_result(output="é" * 50_000), limit=4096)
    assert big.content[0].text.endswith("[… 95904 more bytes truncated]")
    assert len(big.content[0].text.encode()) < 4096 + 40
    huge = tool_result(_result(output=json.dumps({"k": "v" * 10_000})), limit=4096)
    assert huge.structured_content is None and "truncated" in huge.content[0].text
    assert bound_text("short") == "short"


OK_REQUEST = RequestRecord(
    "GET", "https://api.github.com/user", True, status=200, received_bytes=2048, duration_ms=84.4
)
DENIED = RequestRecord(
    "POST",
    "https://evil.test/x",
    False,
    error="denied",
    reason="evil.test is not granted",
    hint="skill grant s --net evil.test",
)


def test_request_records_read_as_one_line():
    assert OK_REQUEST.describe() == "GET https://api.github.com/user 200 · 2.0 KB · 84 ms"
    assert DENIED.describe() == (
        "denied POST https://evil.test/x: evil.test is not granted (allow it with: skill grant s --net evil.test)"
    )
    timeout = RequestRecord("GET", "http://a.test/", True, error="timeout", reason="timed out after 1 s")
    assert timeout.describe() == "GET http://a.test/ failed (timeout): timed out after 1 s"


def test_results_carry_the_request_audit():
    r = tool_result(_result(output="plain", data={"b": 2}, requests=(OK_REQUEST,)))
    assert r.structured_content == {"b": 2, "requests": [OK_REQUEST.to_json()]}
    own = tool_result(_result(output="x", data={"requests": 3}, requests=(OK_REQUEST,)))
    assert own.structured_content == {"requests": 3, "_requests": [OK_REQUEST.to_json()]}
    failed = tool_result(_result(ok=False, error="cannot reach", requests=(OK_REQUEST, DENIED)))
    assert failed.is_error and failed.content[0].text == f"s@default:t failed: cannot reach\n{DENIED.describe()}"
    assert failed.structured_content == {"error": "cannot reach", "requests": [OK_REQUEST.to_json(), DENIED.to_json()]}
    assert tool_result(_result(output="plain")).structured_content is None


def test_selection():
    assert Selection().wants("a", "default")
    sel = Selection.of(["a"], ["work", "b@prod"])
    assert sel.wants("a", "work") and not sel.wants("a", "default") and not sel.wants("b", "prod")
    assert Selection.of([], ["b@prod"]).wants("b", "prod")


# ---- knowledge skills ------------------------------------------------------------------------------


def test_resources_are_bounded_per_skill_and_the_template_reaches_the_rest(engine, tmp_path):
    """A skill with more files than MAX_RESOURCES lists its SKILL.md and MAX_RESOURCES - 1 others; every
    recorded text file is still readable by URI (the template), and `--skill` narrows the library."""
    from engine.mcp import knowledge

    folder = tmp_path / "many-notes"
    (folder / "references").mkdir(parents=True)
    (folder / "SKILL.md").write_text("---\nname: many-notes\ndescription: Many short notes.\n---\n# Notes\n")
    for n in range(knowledge.MAX_RESOURCES + 20):
        (folder / "references" / f"note-{n:03}.md").write_text(f"# Note {n}\n")
    engine.install(folder)

    library = knowledge.build_library(engine, Selection())
    listed = [r.uri for r in knowledge.resources(library)]
    assert len(listed) == knowledge.MAX_RESOURCES and listed[0] == "skill://many-notes/SKILL.md"
    last = "skill://many-notes/references/note-119.md"
    assert last not in listed
    (contents,) = knowledge.read_resource(engine, library, last, 1000).contents
    assert contents.text == "# Note 119\n"
    assert knowledge.build_library(engine, Selection.of(skills=["other"])).skills == ()


def test_resource_types_by_name():
    """Text files are listed with their type; images and archives are not listed (reading checks the bytes)."""
    from engine.mcp.knowledge import mime_type

    assert [mime_type(p) for p in ("SKILL.md", "scripts/run.sh", "ref/schema.yaml", "LICENSE", "data.json")] == [
        "text/markdown",
        "text/x-sh",
        "application/yaml",
        "text/plain",
        "application/json",
    ]
    assert [mime_type(p) for p in ("assets/logo.png", "assets/font.woff2", "dist.tar.gz", "guide.pdf")] == [None] * 4
