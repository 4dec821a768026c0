"""The pinned JS toolchain and the build of JS skills into components.

Running the built skills is tested through the engine in test_examples.py and
test_sandbox.py. Builds are cached by content hash in the engine's cache
(``$SKILL_ENGINE_CACHE``, else ``~/.cache/skill-tui``), so only the first run pays for
npm ci (~6 s) and componentize-js (~5-15 s per skill); compiled components are cached
there too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.build import BuildError, ToolchainError, build_component, toolchain_status, world_dir
from engine.build.componentize import folder_plan as plan
from engine.home import Home
from fixtures.env import REPO, SHARED_CACHE, SKILL_DIRS

EXAMPLES = REPO / "examples"
PROBE = SKILL_DIRS["probe"]


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Home:
    """A home for build tests: its own root, the suite's shared cache."""
    return Home(root=tmp_path_factory.mktemp("build-home"), cache=SHARED_CACHE)


@pytest.fixture(scope="session")
def built(home, built_examples) -> dict[str, Path]:
    """name -> built component (the cache entry) for the three examples and the probe."""
    return {name: build_component(home, plan(folder)[1]).wasm_path for name, folder in built_examples.items()}


# ---------------------------------------------------------------------------------------------
# toolchain, world and build


def test_toolchain_pins_are_exact_and_lock_in_sync():
    tc = REPO / "engine" / "build" / "toolchain"
    deps = json.loads((tc / "package.json").read_text())["dependencies"]
    assert {"@bytecodealliance/componentize-js", "@bytecodealliance/jco", "esbuild"} <= set(deps)
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
    lock = json.loads((tc / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == deps
    for name, version in deps.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_missing_or_old_node_is_a_clear_error(tmp_path, monkeypatch):
    from engine.build.toolchain import ensure_toolchain

    home = Home(root=tmp_path / "home", cache=tmp_path / "cache")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolchainError, match="node was not found on PATH"):
        ensure_toolchain(home)
    assert toolchain_status(home)["ok"] is False

    old = tmp_path / "old"
    old.mkdir()
    (old / "node").write_text("#!/bin/sh\necho v16.20.0\n")
    (old / "node").chmod(0o755)
    monkeypatch.setenv("PATH", str(old))
    with pytest.raises(ToolchainError) as e:
        ensure_toolchain(home)
    assert "v16.20.0" in e.value.message and "too old" in e.value.message and "\n" not in e.value.message
    with pytest.raises(BuildError, match="too old"):
        build_component(home, SKILL_DIRS["textkit"] / "skill.js")
    assert not (tmp_path / "cache" / "toolchain").exists() or not any((tmp_path / "cache" / "toolchain").iterdir())


def test_toolchain_status(home, built):
    st = toolchain_status(home)
    assert st["ok"] and st["installed"], st
    assert st["node"].startswith("v") and st["npm"]
    assert Path(st["path"]).is_dir()


def test_world_uses_vendored_wasi_version():
    wit = world_dir()
    world = (wit / "skill.wit").read_text()
    assert "package skill-engine:skill@1.0.0;" in world and "world skill {" in world
    versions = set(re.findall(r"import wasi:[\w-]+/[\w-]+@([\d.]+);", world))
    assert len(versions) == 1
    (v,) = versions
    for pkg in ("cli", "clocks", "filesystem", "io", "random", "sockets"):
        text = (wit / "deps" / pkg / "package.wit").read_text()
        assert f"package wasi:{pkg}@{v};" in text


def test_components_import_no_http(built):
    from engine.runtime.wasm import WasmRuntime

    rt = WasmRuntime(Path(built["textkit"]).parent.parent / "compiled", Path(built["textkit"]).parent)
    for name, wasm in built.items():
        _sha, component = rt.compile(wasm.read_bytes(), str(wasm))
        names = list(component.type.imports(rt.engine))
        assert "get-config" in names and "get-all-config" in names, (name, names)
        assert not [i for i in names if i.startswith(("wasi:http", "wasi:sockets"))], (name, names)


def test_build_is_cached_and_copied(home, built, tmp_path):
    _, entry, _ = plan(SKILL_DIRS["textkit"])
    out = tmp_path / "dist" / "textkit.wasm"
    r = build_component(home, entry, out)
    assert r.cached and r.seconds < 10
    assert r.wasm_path == out and out.read_bytes() == built["textkit"].read_bytes()
    assert r.size == out.stat().st_size > 1_000_000
    assert not list(home.builds.glob(".tmp-*"))


def test_esbuild_error_names_file_and_line(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "skill.js").write_text('export function getMetadata() {\n  return "{" +;\n}\n')
    with pytest.raises(BuildError) as e:
        build_component(home, tmp_path / "skill.js")
    assert e.value.message.startswith("skill.js:2:"), e.value.message
    assert "\n" not in e.value.message


def test_init_error_is_mapped_to_source_line(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "skill.js").write_text(
        'export function getMetadata() { return "{}"; }\n'
        "function boom() {\n"
        '  throw new Error("top-level boom");\n'
        "}\n"
        "boom();\n"
        'export function getTools() { return "[]"; }\n'
        'export function executeTool(a, b) { return "{}"; }\n'
        'export function validateConfig(c) { return "{}"; }\n'
    )
    with pytest.raises(BuildError) as e:
        build_component(home, tmp_path / "skill.js")
    assert e.value.message.startswith("skill.js:3:"), e.value.message
    assert "top-level boom" in e.value.message


def test_examples_script(home, built, tmp_path):
    env = dict(os.environ, SKILL_ENGINE_HOME=str(tmp_path / "h"), SKILL_ENGINE_CACHE=str(home.cache))
    r = subprocess.run(
        [sys.executable, "-m", "engine.build.examples", str(PROBE)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    header, *lines = r.stdout.strip().splitlines()
    assert header.startswith(f"build cache: {home.cache} ")
    assert [ln.split()[0] for ln in lines] == ["greeter", "notes", "textkit", "probe"]
    assert all("cached" in ln and " MB " in ln for ln in lines), lines
    for name in ("greeter", "notes", "textkit"):
        assert (EXAMPLES / name / "dist" / f"{name}.wasm").read_bytes() == built[name].read_bytes()

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "skill.yaml").write_text("name: bad\nversion: 0.1.0\ndescription: x\n")
    (bad / "skill.js").write_text("export function getMetadata() { let a b = 1; }\n")
    r = subprocess.run(
        [sys.executable, "-m", "engine.build.examples", str(bad)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "skill.js:1:" in r.stderr, r.stderr


def test_a_rebuild_records_the_same_build_inputs_and_no_cache_path(built, rebuilt_textkit):
    """Two builds of one source differ byte-wise (componentize-js's wizer snapshot of the JS
    engine's start-up differs from run to run), so each carries its build inputs, the cache
    key; and neither carries the path of the cache it was built in."""
    from engine.provenance import build_inputs

    first, again = built["textkit"].read_bytes(), rebuilt_textkit.read_bytes()
    assert build_inputs(first) == build_inputs(again) == built["textkit"].stem
    for wasm, cache in ((first, SHARED_CACHE), (again, rebuilt_textkit.parent)):
        assert str(cache.resolve()).encode() not in wasm and b".tmp-build-" not in wasm


def test_build_inputs_survive_in_a_component_and_are_absent_elsewhere():
    from engine.provenance import build_inputs, stamp
    from fixtures import wat

    plain = wat.component_bytes()
    assert build_inputs(plain) is None and build_inputs(b"not wasm") is None
    stamped = stamp(plain, "ab" * 32, "lock")
    assert build_inputs(stamped) == "ab" * 32
    assert build_inputs(stamped[:-3]) is None  # a truncated file is not trusted
