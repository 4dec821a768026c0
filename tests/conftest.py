"""Shared fixtures: an isolated engine home per test, one shared cache per session.

Caches (compiled components, builds, the npm toolchain) are keyed by content hash,
so sharing them between tests is safe and makes the suite fast; everything a
test could change (store, instances, history) lives in its own temporary home.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.api import Engine
from engine.home import Home
from fixtures import wat

REPO = Path(__file__).resolve().parent.parent
SHARED_CACHE = Path(os.environ.get("SKILL_ENGINE_CACHE") or REPO / ".cache")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    monkeypatch.setenv("SKILL_ENGINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SKILL_ENGINE_CACHE", str(SHARED_CACHE))
    return Home.from_env()


@pytest.fixture
def engine(home: Home) -> Engine:
    return Engine(home)


@pytest.fixture
def wat_skill(engine: Engine, tmp_path: Path):
    """Install a WAT-built skill: wat_skill("spin", name="spinner") → its name."""

    def install(mode: str = "echo", name: str | None = None, **kw) -> str:
        name = name or mode
        path = tmp_path / f"{name}.wasm"
        path.write_bytes(wat.component_bytes(mode, name=name, **kw))
        return engine.install(path).skill.name

    return install
