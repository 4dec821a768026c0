"""The `skill` CLI as a user runs it: a real process, exit codes, one-line errors, --json."""

from __future__ import annotations

import json

import pytest

from fixtures import wat


@pytest.fixture
def echo_wasm(tmp_path):
    path = tmp_path / "echo.wasm"
    path.write_bytes(wat.component_bytes(name="echo"))
    return path


def test_install_list_info_run_history_remove(skill, echo_wasm):
    assert "echo 0.1.0 installed: 2 tool(s)" in skill("install", str(echo_wasm)).stdout
    listed = json.loads(skill("list", "--json").stdout)
    assert listed == [
        {
            "name": "echo",
            "version": "0.1.0",
            "kind": "tools",
            "description": "echo test skill",
            "tools": ["echo", "other"],
            "instances": ["default"],
        }
    ]
    assert "--arg times=…  [integer]" in skill("info", "echo").stdout
    assert json.loads(skill("info", "echo", "--json").stdout)["component_sha256"]
    run = json.loads(skill("run", "echo:echo", "--arg", "text=hi", "--arg", "times=3", "--json").stdout)
    assert {k: run[k] for k in ("ok", "output", "error", "data")} == {
        "ok": True,
        "output": "echo",
        "error": None,
        "data": {"text": "hi", "times": 3},
    }
    assert {"duration_ms", "stdout", "stderr"} <= run.keys()
    assert skill("run", "echo:echo", "--args", '{"text": "plain"}').stdout == "echo\n"
    history = json.loads(skill("history", "--json").stdout)
    assert [h["args"] for h in history] == [{"text": "hi", "times": 3}, {"text": "plain"}]
    assert "refusing" not in skill("remove", "echo", "--yes").stdout
    assert skill("list").stdout.startswith("no skills installed")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["run", "echo:echo", "--args", "{not json"], 2, "--args is not valid JSON"),
        (["run", "echo:echo", "--args", "[1]"], 2, "--args must be a JSON object"),
        (["run", "echo:echo", "--arg", "novalue"], 2, "write --arg NAME=VALUE"),
        (["run", "echo:echo", "--arg", "text=x", "--arg", "times=lots"], 2, "expected an integer"),
        (["run", "echo:echo"], 2, "missing required parameter 'text'"),
        (["run", "echo:missing"], 2, "has no tool 'missing'"),
        (["run", "ghost:echo"], 2, "no skill named 'ghost'"),
        (["run", "echo"], 2, "not a tool reference"),
        (["run", "echo:echo", "--arg", "text=x", "--timeout", "-1"], 2, "--timeout -1"),
        (["info", "ghost"], 2, "no skill named 'ghost'"),
        (["remove", "echo"], 2, "pass --yes"),
        (["install", "/nonexistent/x.wasm"], 2, "does not exist"),
        (["run"], 2, "the following arguments are required"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(skill, echo_wasm, args, code, message):
    skill("install", str(echo_wasm))
    proc = skill(*args, check=code)
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr


def test_run_failure_exits_1_and_history_records_it(skill, tmp_path):
    path = tmp_path / "spin.wasm"
    path.write_bytes(wat.component_bytes("spin", name="spin"))
    skill("install", str(path))
    proc = skill("run", "spin:echo", "--arg", "text=x", "--timeout", "0.2", check=1)
    assert proc.stderr.strip() == "error: spin@default:echo: timed out after 0.2 s (the run's time limit)"
    out = json.loads(skill("run", "spin:echo", "--arg", "text=x", "--timeout", "0.2", "--json", check=1).stdout)
    assert (out["ok"], out["stopped"]) == (False, "timeout")
    assert len(json.loads(skill("history", "--json").stdout)) == 2


def test_help_and_version(skill):
    assert skill("--version").stdout.startswith("skill ")
    for command in ("install", "list", "info", "run", "remove", "history", "doctor"):
        assert "usage: skill " + command in skill(command, "--help").stdout


def test_bad_skill_folder_names_file_line_and_fix(skill, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "skill.yaml").write_text("name: broken\nversion: 1.0.0\ndescription: [unclosed\n")
    proc = skill("install", str(folder), check=2)
    assert proc.stderr.startswith(f"error: {folder / 'skill.yaml'}:4: invalid YAML (expected ',' or ']'")
    (folder / "skill.yaml").write_text("name: broken\nversion: 1.0.0\ncomponent: dist/broken.wasm\n")
    proc = skill("install", str(folder), check=2)
    assert "field 'component': dist/broken.wasm does not exist; build the skill first" in proc.stderr
    assert json.loads(skill("list", "--json").stdout) == []


def test_install_refuses_limits_that_are_not_numbers(skill, tmp_path):
    """YAML `true` is not a 1 s timeout and 64.9 MiB is not 64: one error line, nothing installed."""
    folder = tmp_path / "limits"
    folder.mkdir()
    for limits, message in (
        ("timeout_s: true", "capabilities.timeout_s must be a number from 0.01 to 3600, got True"),
        ("memory_mb: 64.9", "capabilities.memory_mb must be a whole number of MiB, got 64.9"),
    ):
        (folder / "skill.yaml").write_text(f"name: limits\nversion: 1.0.0\ncapabilities:\n  {limits}\n")
        proc = skill("install", str(folder), check=2)
        assert proc.stderr == f"error: {folder / 'skill.yaml'}: {message}\n"
    assert json.loads(skill("list", "--json").stdout) == []
