"""Authoring: skill init / build / test, the bundled SDK, and upstream-style skills.

Real builds (componentize ~5-15 s each) are cached by content hash in the shared
cache; each distinct component is built once per session by the `built` fixture and
every later build of the same source is a cache hit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.build.componentize import build_folder
from engine.build.scaffold import init_project
from engine.cli import main
from engine.home import Home
from fixtures.env import REPO, SHARED_CACHE, set_config

AUTHORING = REPO / "tests" / "fixtures" / "authoring"


@pytest.fixture(scope="session")
def projects(tmp_path_factory) -> dict[str, Path]:
    """The js and ts templates (as `skill init` writes them) and the two upstream-style fixtures."""
    root = tmp_path_factory.mktemp("authoring")
    out = {"demo": root / "demo", "tsdemo": root / "tsdemo"}
    init_project(out["demo"], "js", description="Demo skill")
    init_project(out["tsdemo"], "ts", description="Demo skill")
    for name in ("upstream-plain", "upstream-sdk"):
        out[name] = root / name
        shutil.copytree(AUTHORING / name, out[name])
    return out


@pytest.fixture(scope="session")
def built(projects) -> dict[str, Path]:
    """Build each project once (cache hits after the first session)."""
    SHARED_CACHE.mkdir(parents=True, exist_ok=True)
    home = Home(root=SHARED_CACHE / "build-home", cache=SHARED_CACHE)
    for folder in projects.values():
        build_folder(home, folder)
    return projects


# ---- from nothing: init → build → test → install → run ---------------------------------------------


@pytest.mark.parametrize("name", ["demo", "tsdemo"])
def test_from_nothing(built, engine, capsys, name):
    folder = built[name]
    assert main(["build", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "unchanged (cache)" in out and "tools: greet, word-count" in out and " MB)" in out
    assert main(["test", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("✔") == 4 and "4 passed, 0 failed" in out
    assert main(["install", str(folder)]) == 0
    assert main(["run", f"{name}:greet", "--arg", "name=Ada"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Hello, Ada!"
    r = engine.run(f"{name}:greet", {"name": "Ada", "excited": False})
    assert r.ok and r.output == "Hello, Ada." and r.data == {"greeting": "Hello", "name": "Ada"}
    set_config(engine, name, "default", {"greeting": "Hoi"})
    assert engine.run(f"{name}:greet", {"name": "Ada"}).output == "Hoi, Ada!"
    r = engine.run(f"{name}:word-count", {"text": "  "})
    assert not r.ok and r.error == "text is empty"


def test_skill_test_reports_failures(built, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- tool: greet\n  args: {name: Ada}\n  expect: {output: 'Bye, Ada!'}\n"
        "- tool: word-count\n  args: {text: a b}\n  expect: {error: nope}\n"
        "- tool: greet\n  args: {name: Bo}\n  expect: {contains: Bo, data: {name: Bo}}\n"
    )
    assert main(["test", str(built["demo"]), "--file", str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.count("✘") == 2 and out.count("✔") == 1 and "1 passed, 2 failed" in out
    assert "'Hello, Ada!' != expected 'Bye, Ada!'" in out and "expected an error containing 'nope'" in out


def test_build_error_points_at_file_and_line(tmp_path, capsys, monkeypatch):
    init_project(tmp_path / "broken")
    src = tmp_path / "broken" / "skill.js"
    lines = src.read_text().splitlines()
    lines[20] = lines[20] + " let = ;"
    src.write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "broken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: broken/skill.js:21:"), err


# ---- upstream-style skills run unmodified ---------------------------------------------------------


def test_upstream_plain_exports(built, engine):
    skill = engine.install(built["upstream-plain"]).skill
    assert [t.name for t in skill.tools] == ["hello", "divide"]
    r = engine.run("upstream-plain:hello", {"name": "Ada"})
    assert r.ok and r.output == "Hello, Ada!"
    r = engine.run("upstream-plain:divide", {"a": 1, "b": 0})
    assert not r.ok and r.error == "Cannot divide by zero"
    assert engine.run("upstream-plain:divide", {"a": 9, "b": 3}).output == "3"


def test_upstream_sdk_style(built, engine):
    engine.install(built["upstream-sdk"])
    r = engine.run("upstream-sdk:repeat", {"message": "hi"})
    assert r.ok and r.output == "hi hi"  # defaultValue "2" applied and coerced
    assert engine.run("upstream-sdk:repeat", {"message": "yo", "times": 3}).output == "yo yo yo"
    assert engine.run("upstream-sdk:key-status", {}).output == "no key"
    set_config(engine, "upstream-sdk", "default", {"api_key": "k-123"})
    assert engine.run("upstream-sdk:key-status", {}).output == "key set"
    r = engine.run("upstream-sdk:explode", {})
    assert not r.ok and r.error == "handler exploded" and r.stopped is None  # an error result, not a crash


def test_sdk_validate_config_and_stripped_handlers(built, engine):
    from engine.protocol import parse_validation
    from engine.runtime import SandboxPolicy

    rt = engine.runtime
    wasm = built["upstream-sdk"] / "dist" / "upstream-sdk.wasm"
    _sha, comp = rt.compile(wasm.read_bytes(), str(wasm))
    tools = rt.call(comp, SandboxPolicy(), "get-tools").value
    assert "handler" not in tools and '"repeat"' in tools
    assert (
        parse_validation(rt.call(comp, SandboxPolicy(), "validate-config", '{"api_key": "bad"}').value)
        == "api_key is bad"
    )
    assert parse_validation(rt.call(comp, SandboxPolicy(), "validate-config", '{"api_key": "ok"}').value) is None
    r = rt.call(comp, SandboxPolicy(), "execute-tool", "repeat", "{}")
    assert "missing required parameter 'message'" in r.value
