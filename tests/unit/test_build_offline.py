"""Build checks that need no npm toolchain: exact pins, a missing or old node, the vendored WASI world,
build inputs stamped into a component. Builds themselves are tests/integration/test_build.py.
"""

from __future__ import annotations

import json
import re

import pytest

from engine.build import BuildError, ToolchainError, build_component, toolchain_status, world_dir
from engine.home import Home
from fixtures.env import REPO, SKILL_DIRS


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


def test_world_uses_vendored_wasi_version():
    wit = world_dir()
    world = (wit / "skill.wit").read_text()
    assert "package skill-engine:skill@1.1.0;" in world and "world skill {" in world
    versions = set(re.findall(r"import wasi:[\w-]+/[\w-]+@([\d.]+);", world))
    assert len(versions) == 1
    (v,) = versions
    for pkg in ("cli", "clocks", "filesystem", "io", "random", "sockets"):
        text = (wit / "deps" / pkg / "package.wit").read_text()
        assert f"package wasi:{pkg}@{v};" in text


def test_build_inputs_survive_in_a_component_and_are_absent_elsewhere():
    from engine.provenance import build_inputs, stamp
    from fixtures import wat

    plain = wat.component_bytes()
    assert build_inputs(plain) is None and build_inputs(b"not wasm") is None
    stamped = stamp(plain, "ab" * 32, "lock")
    assert build_inputs(stamped) == "ab" * 32
    assert build_inputs(stamped[:-3]) is None  # a truncated file is not trusted
