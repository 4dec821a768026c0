"""Shared fixtures: an isolated engine home per test, one shared cache per session.

Caches (compiled components, builds, the npm toolchain) are keyed by content hash,
so sharing them between tests is safe and makes the suite fast; everything a
test could change (store, instances, history) lives in its own temporary home.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import Engine
from engine.home import Home
from fixtures import wat
from fixtures.env import SHARED_CACHE, SKILL_DIRS

# Folders say what a test needs: tests/unit runs on WAT components and plain Python (no npm, no
# `skill` subprocess, no D-Bus, no tmux); tests/integration and tests/tui need the set-up of
# scripts/setup.sh (jco-built skills, the real CLI, a keyring, a terminal; tests/distribution: a
# registry, git). The marker follows
# the folder, so `pytest -m "not integration"` and `pytest tests/unit` pick the same fast loop.
HEAVY_FOLDERS = ("integration", "tui", "distribution")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        if any(tests / folder in item.path.parents for folder in HEAVY_FOLDERS):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def warm_slots():
    """The test process runs skills as the app and the server do (pooled, warm slots);
    the `skill` subprocesses of CLI tests run as one-shot commands do (no pool)."""
    from engine.runtime.pool import use_warm_slots

    use_warm_slots()


@pytest.fixture(scope="session", autouse=True)
def no_writes_to_the_user_home(tmp_path_factory):
    """onnxruntime (search) writes a device id under $XDG_CACHE_HOME; no test may touch ~/.cache.

    HF_HUB_OFFLINE: the search model is local, the hub is never asked.
    """
    import os

    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "HF_HUB_OFFLINE")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    monkeypatch.setenv("SKILL_ENGINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SKILL_ENGINE_CACHE", str(SHARED_CACHE))
    return Home.from_env()


@pytest.fixture
def vault(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets go to the encrypted vault under the test's home, whatever the machine has
    (`pytestmark = pytest.mark.usefixtures("vault")` in the configuration tests)."""
    monkeypatch.setenv("SKILL_SECRETS", "vault")


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


@pytest.fixture(scope="session")
def built_examples() -> dict[str, Path]:
    """Build the JS example skills and the probe once (cached by content hash): name → folder."""
    from engine.build import build_folder

    SHARED_CACHE.mkdir(parents=True, exist_ok=True)
    home = Home(root=SHARED_CACHE / "build-home", cache=SHARED_CACHE)
    for folder in SKILL_DIRS.values():
        build_folder(home, folder)
    return SKILL_DIRS


@pytest.fixture(scope="session")
def rebuilt_textkit(tmp_path_factory, built_examples: dict[str, Path]) -> Path:
    """examples/textkit built a second time, from the same source with the same toolchain, in
    a cache of its own (only the npm toolchain is shared): what another cache folder or
    machine makes of it. componentize-js does not give the same bytes twice."""
    from engine.build import build_folder
    from engine.build.toolchain import lock_hash

    cache = tmp_path_factory.mktemp("other-cache")
    (cache / "toolchain").mkdir()
    (cache / "toolchain" / lock_hash()).symlink_to(SHARED_CACHE / "toolchain" / lock_hash())
    out = cache / "textkit.wasm"
    build_folder(Home(root=cache / "home", cache=cache), built_examples["textkit"], out=out)
    return out


@pytest.fixture
def example(engine: Engine, built_examples: dict[str, Path]):
    """Install a real jco-built skill into this test's engine: example("notes") → InstalledSkill."""

    def install(name: str):
        return engine.install(built_examples[name]).skill

    return install


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (Textual's Pilot) run on asyncio through anyio's pytest plugin."""
    return "asyncio"


@pytest.fixture
def skill(home):
    """Run `skill ARGS` as a real process in the test's home; check the exit code unless check=None."""
    from fixtures.env import run_skill

    return run_skill


@pytest.fixture
def typed(engine, tmp_path) -> str:
    """A WAT skill whose manifest has one config field of every type (tests/fixtures/config/typed.yaml)."""
    from fixtures.config.skills import install_typed

    return install_typed(engine, tmp_path)


@pytest.fixture
def probe(engine, built_examples, tmp_path) -> str:
    """The jco-built sandbox probe with extra config fields (tests/fixtures/config/probe.yaml)."""
    from fixtures.config.skills import install_probe

    return install_probe(engine, built_examples, tmp_path)


@pytest.fixture
def search_engine(engine, example):
    """An engine with the three example skills installed, for the search tests (real model)."""
    for name in ("textkit", "notes", "greeter"):
        example(name)
    return engine
