"""What a person (or a script) reads from `skill`: aligned tables, JSON-style values, --json
errors as JSON, and errors and suggestions that are true. Each test runs the real command."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

import pytest

from fixtures import wat

LONG = "a-rather-long-instance-name-for-the-staging-account-of-our-team"  # 63 characters


@pytest.fixture
def echo(skill, tmp_path):
    """The WAT echo skill installed through the CLI; returns its name."""
    path = tmp_path / "echo.wasm"
    path.write_bytes(wat.component_bytes(name="echo"))
    skill("install", str(path))
    return "echo"


def assert_table(out: str, header: list[str], right: tuple[str, ...] = ()) -> list[str]:
    """`out` is a header row then rows whose cells start (or, right-aligned, end) under their heading."""
    lines = out.rstrip("\n").splitlines()
    assert lines[0].split() == header, lines[0]
    spans = [m.span() for m in re.finditer(r"\S+", lines[0])]
    for line in lines[1:]:
        assert line == line.rstrip(), f"trailing blanks: {line!r}"
        for name, (start, end) in zip(header, spans, strict=True):
            if name in right:
                assert line[end - 1] != " " and (end == len(line) or line[end] == " "), (name, line)
            elif start:
                assert line[start - 2 : start] == "  " and line[start] != " ", (name, line)
    return lines[1:]


# ---- tables ------------------------------------------------------------------------------------


def test_list_instances_history_print_aligned_tables_with_headers(skill, echo, tmp_path):
    trap = tmp_path / "trap.wasm"
    trap.write_bytes(wat.component_bytes("trap", name="trap"))
    skill("install", str(trap))
    skill("instance", "add", f"echo@{LONG}")
    skill("run", "echo:echo", "--arg", "text=hi")
    skill("run", f"echo@{LONG}:echo", "--args", '{"text": "multi\\nline"}')
    skill("run", "trap:echo", "--arg", "text=x", check=1)

    rows = assert_table(
        skill("list").stdout,
        ["NAME", "VERSION", "KIND", "TOOLS", "INSTANCES", "DESCRIPTION"],
        right=("TOOLS", "INSTANCES"),
    )
    assert [r.split() for r in rows] == [
        ["echo", "0.1.0", "tools", "2", "2", "echo", "test", "skill"],
        ["trap", "0.1.0", "tools", "2", "1", "trap", "test", "skill"],
    ]

    rows = assert_table(skill("instances").stdout, ["INSTANCE", "STATE"])
    assert [r.split() for r in rows] == [
        ["echo@default", "ready"],
        [f"echo@{LONG}", "ready"],
        ["trap@default", "ready"],
    ]

    rows = assert_table(skill("history").stdout, ["WHEN", "STATUS", "TOOL", "TIME", "RESULT"], right=("TIME",))
    cells = [r.split(None, 6) for r in rows]  # date, time, status, tool, ms, "ms", result
    assert [(c[2], c[3], c[5]) for c in cells] == [
        ("ok", "echo@default:echo", "ms"),
        ("ok", f"echo@{LONG}:echo", "ms"),
        ("error", "trap@default:echo", "ms"),
    ]
    assert cells[0][6] == "echo" and cells[2][6]  # each run's result on its own line


def test_doctor_and_init_templates_are_tables(skill):
    assert_table(skill("doctor", check=None).stdout, ["CHECK", "STATUS", "DETAIL"])
    rows = assert_table(skill("init", "--list").stdout, ["TEMPLATE", "DESCRIPTION"])
    assert [r.split()[0] for r in rows] == ["js", "knowledge", "python", "ts"]


def _in_terminal(args: list[str], columns: int) -> str:
    """Run `skill ARGS` with its stdout on a pseudo-terminal COLUMNS wide; what it showed."""
    main, sub = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", *args],
        stdout=sub,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(sub)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_tables_fit_the_terminal_and_are_never_cut_in_a_pipe(skill, echo, tmp_path):
    skill("instance", "add", f"echo@{LONG}")
    shown = _in_terminal(["instances"], columns=40)
    lines = shown.rstrip("\n").splitlines()
    assert all(len(line) <= 40 for line in lines), shown
    assert lines[2].startswith("echo@a-rather-long") and "…" in lines[2] and lines[2].endswith("  ready")
    assert f"echo@{LONG}  ready" in skill("instances", env={"COLUMNS": "40"}).stdout  # piped: whole

    folder = tmp_path / "wide"
    folder.mkdir()
    (folder / "wide.wasm").write_bytes(wat.component_bytes(name="wide"))
    (folder / "skill.yaml").write_text(
        "name: wide\nversion: 1.0.0\ndescription: 日本語のテキストを整形するツール集です\n", encoding="utf-8"
    )
    skill("install", str(folder))
    # 52: the narrowest terminal the six columns fit at their floors (DESCRIPTION keeps its header's width)
    (row,) = [line for line in _in_terminal(["list"], columns=52).splitlines() if line.startswith("wide")]
    cells = len(row) + sum(0x3000 <= ord(c) <= 0x9FFF for c in row)  # each CJK character takes two cells
    assert cells <= 52 and row.endswith("…") and "日本語" in row, row


# ---- values as JSON, not Python -----------------------------------------------------------------


def test_info_and_errors_show_json_values_not_python_reprs(skill, tmp_path):
    folder = tmp_path / "vals"
    folder.mkdir()
    (folder / "vals.wasm").write_bytes(wat.component_bytes(name="vals"))
    (folder / "skill.yaml").write_text(
        "name: vals\nversion: 1.0.0\nconfig:\n"
        "  loud: {type: boolean, default: true}\n"
        "  sep: {type: string, default: '-'}\n"
        "  level: {type: enum, enum: [1, 2], default: 1}\n"
    )
    skill("install", str(folder))
    info = skill("info", "vals").stdout
    assert "(default true)" in info and '(default "-")' in info, info
    assert "True" not in info and "'-'" not in info

    err = skill("run", "vals:echo", "--args", '{"text": 5}', check=2).stderr
    assert err.strip() == "error: vals:echo: parameter 'text' must be a string, got integer 5"
    err = skill("run", "vals:echo", "--args", '{"text": "x", "times": true}', check=2).stderr
    assert "must be an integer, got boolean true" in err
    err = skill("config", "vals", "--set", "loud=maybe", check=2).stderr
    assert err.strip() == 'error: loud: expected true or false, got "maybe"'
    err = skill("config", "vals", "--set", "level=3", check=2).stderr
    assert "level: " in err and "'" not in err

    err = skill("history", "--limit", "x", check=2).stderr
    assert err.startswith('error: skill history: argument --limit: expected an integer, got "x"'), err
    err = skill("run", "vals:echo", "--timeout", "soon", check=2).stderr
    assert 'argument --timeout: expected a number, got "soon"' in err

    skill("config", "vals", "--set", "loud=no")
    assert skill("config", "vals", "--get", "loud").stdout == "false\n"
    assert "loud = false  [config.toml]" in skill("config", "vals").stdout


# ---- --json: every failure is one JSON object on stdout ---------------------------------------


@pytest.mark.parametrize(
    "args, exit_code, code, message",
    [
        (["run", "--json"], 2, "usage", "the following arguments are required"),
        (["frobnicate", "--json"], 2, "usage", 'invalid choice "frobnicate" (choose from install, list, '),
        (["list", "--json", "--bogus"], 2, "usage", "unrecognized arguments: --bogus"),
        (["instance", "remove", "echo@x", "--json"], 2, "not_found", "echo has no instance 'x'"),
        (["instance", "remove", "echo@default", "--json"], 2, "usage", "cannot be removed"),
        (["init", "--json"], 2, "usage", "unrecognized arguments: --json"),
        (["info", "ghost", "--json"], 2, "not_found", "no skill named 'ghost'"),
        (["run", "echo:echo", "--args", "{oops", "--json"], 2, "usage", "--args is not valid JSON"),
        (["run", "echo:echo", "--arg", "text=x", "--timeout", "0.05", "--json"], 1, "timeout", "timed out"),
        (["install", "GARBAGE", "--json"], 2, "component", "is not a WebAssembly file"),
    ],
)
def test_json_failures_are_one_json_object_with_the_same_exit_code(skill, tmp_path, args, exit_code, code, message):
    spin = tmp_path / "spin.wasm"
    spin.write_bytes(wat.component_bytes("spin", name="echo"))
    skill("install", str(spin))
    garbage = tmp_path / "garbage.wasm"
    garbage.write_bytes(b"this is not webassembly at all")
    proc = skill(*[str(garbage) if a == "GARBAGE" else a for a in args], check=exit_code)
    out = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    assert out["ok"] is False and out["error"]["code"] == code, out
    assert message in out["error"]["message"], out
    assert proc.stderr == ""


def test_json_run_failure_keeps_the_run_fields(skill, tmp_path):
    path = tmp_path / "trap.wasm"
    path.write_bytes(wat.component_bytes("trap", name="trap"))
    skill("install", str(path))
    out = json.loads(skill("run", "trap:echo", "--arg", "text=x", "--json", check=1).stdout)
    assert out["ok"] is False and out["stopped"] == "trap" and out["error"]["code"] == "trap"
    assert out["error"]["message"] and {"duration_ms", "stdout", "stderr", "output"} <= out.keys()
    echo = tmp_path / "echo.wasm"
    echo.write_bytes(wat.component_bytes(name="echo"))
    skill("install", str(echo))
    ok = json.loads(skill("run", "echo:echo", "--arg", "text=x", "--json").stdout)
    assert ok["ok"] is True and ok["error"] is None and ok["output"] == "echo"


# ---- errors that tell the truth ---------------------------------------------------------------------


def test_removing_a_missing_instance_says_it_does_not_exist(skill, echo):
    proc = skill("instance", "remove", "echo@nope", check=2)  # no --yes, stdin not a terminal
    assert proc.stderr.strip() == "error: echo has no instance 'nope'; its instances are: default"
    assert "cannot be removed" in skill("instance", "remove", "echo@default", check=2).stderr
    assert json.loads(skill("instance", "add", "echo@real", "--json").stdout) == {"ok": True, "created": "echo@real"}
    assert "pass --yes" in skill("instance", "remove", "echo@real", check=2).stderr  # it exists: confirm
    assert json.loads(skill("instance", "remove", "echo@real", "--json", check=2).stdout)["error"] == {
        "code": "usage",
        "message": "not removing without confirmation; pass --yes",
    }  # no prompt on stdout
    assert skill("instance", "remove", "echo@real", "--yes").stdout == "removed echo@real\n"


def test_reference_suggestions_are_installed_tools(skill, echo):
    err = skill("run", "echo", check=2).stderr
    assert err.strip() == (
        "error: 'echo' is not a tool reference; write SKILL[@INSTANCE]:TOOL, e.g. echo:echo or echo:other"
    )
    err = skill("run", "no such thing", check=2).stderr
    assert "e.g. echo:echo or echo:other" in err and "word-count" not in err and "textkit" not in err


def test_reference_error_with_nothing_installed_suggests_no_tool(skill):
    err = skill("run", "slugify", check=2).stderr
    assert "word-count" not in err and "e.g." not in err and "`skill list`" in err


def test_refused_install_prints_no_progress_and_compiling_only_when_it_compiles(skill, tmp_path):
    garbage = tmp_path / "garbage.wasm"
    garbage.write_bytes(b"\x00\x01garbage")
    proc = skill("install", str(garbage), check=2)
    assert proc.stderr.splitlines() == [f"error: {garbage} is not a WebAssembly file (it does not start with \\0asm)"]
    path = tmp_path / "fresh.wasm"
    path.write_bytes(wat.component_bytes(name="fresh"))
    cache = {"SKILL_ENGINE_CACHE": str(tmp_path / "empty-cache")}  # nothing compiled yet
    first = skill("install", str(path), env=cache).stderr
    assert "compiling fresh.wasm" in first and "validating" not in first
    again = skill("install", str(path), "--force", env=cache).stderr
    assert "compiling" not in again and "reading the skill's metadata" in again


def test_a_damaged_store_entry_is_a_failure_not_bad_usage(skill, echo, engine, tmp_path):
    """Exit 1 (the engine's own files are broken), never 2 ("bad usage"): the command was right."""
    component = engine.skill("echo").component_path
    component.chmod(0o644)
    component.write_bytes(component.read_bytes() + b"\0")
    fresh_cache = {"SKILL_ENGINE_CACHE": str(tmp_path / "empty-cache")}  # so the .wasm itself is read
    proc = skill("run", "echo:echo", "--arg", "text=x", env=fresh_cache, check=1)
    assert (
        proc.stderr == f"error: the installed component {component} was modified after install; reinstall the skill\n"
    )
    out = json.loads(skill("run", "echo:echo", "--arg", "text=x", "--json", env=fresh_cache, check=1).stdout)
    assert out["error"]["code"] == "store_damaged", out

    (component.parent / "skill.json").write_text("{ not json")
    proc = skill("run", "echo:echo", "--arg", "text=x", check=1)
    assert "is damaged; reinstall it with `skill install PATH --force`" in proc.stderr, proc.stderr


@pytest.mark.parametrize("command", ["build", "dev"])
def test_a_folder_without_skill_yaml_is_one_line_naming_it(skill, tmp_path, command):
    """`skill build` printed a FileNotFoundError traceback for a folder with no skill.yaml. A skill.js
    alone builds (tests/integration/test_upstream_skill.py); a folder with neither is one line."""
    for folder in (tmp_path / "missing", tmp_path):
        proc = skill(command, str(folder), check=2)
        assert proc.stderr.strip().count("\n") == 0, proc.stderr
        assert (
            f"{folder} has no skill.yaml and no skill.js or skill.py; create a skill with `skill init DIR`"
            in proc.stderr
        )


def test_remove_json_on_a_terminal_refuses_instead_of_asking_into_the_json(skill, echo):
    """With --json stdout is one JSON document, so `skill remove` may not put a question there even when
    a person is at the keyboard (stdin a terminal): it refuses and says to pass --yes."""
    import os
    import subprocess
    import sys

    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "engine.cli", "remove", "echo", "--json"],
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    out = json.loads(proc.stdout)
    assert out["ok"] is False and "pass --yes" in out["error"]["message"]
    assert [s["name"] for s in json.loads(skill("list", "--json").stdout)] == ["echo"]  # still installed
