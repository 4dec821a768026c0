"""The pinned JS toolchain and the build of JS skills into components.

Running the built skills is tested through the engine in test_examples.py and
test_sandbox.py. Builds are cached by content hash in the engine's cache
(``$SKILL_ENGINE_CACHE``, else ``~/.cache/skill-tui``), so only the first run pays for
npm ci (~6 s) and componentize-js (~5-15 s per skill); compiled components are cached
there too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.build import BuildError, build_component, toolchain_status
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


def test_toolchain_status(home, built):
    st = toolchain_status(home)
    assert st["ok"] and st["installed"], st
    assert st["node"].startswith("v") and st["npm"]
    assert Path(st["path"]).is_dir()


def test_components_import_no_http(built):
    from engine.runtime.wasm import WasmRuntime

    rt = WasmRuntime(Path(built["textkit"]).parent.parent / "compiled", Path(built["textkit"]).parent)
    for name, wasm in built.items():
        _sha, component = rt.compile(wasm.read_bytes(), str(wasm))
        names = list(component.type.imports(rt.engine))
        assert "get-config" in names and "get-all-config" in names, (name, names)
        assert not [i for i in names if i.startswith("wasi:http")], (name, names)
        if name != "tables":  # componentize-py's libc imports wasi:sockets; no grant ever gives a socket
            assert not [i for i in names if i.startswith("wasi:sockets")], (name, names)


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
    assert [ln.split()[0] for ln in lines] == ["github", "greeter", "notes", "tables", "textkit", "probe"]
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
