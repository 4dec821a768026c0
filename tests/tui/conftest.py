"""Fixtures for the app's tests: a home with real skills installed, deterministic log prefixes."""

from __future__ import annotations

import pytest

from fixtures import wat
from skill_tui.screens import main as main_screen

@pytest.fixture
def tui_engine(engine, example, tmp_path):
    """textkit (a real jco-built skill) plus WAT skills that spin (1 s limit) and trap."""
    example("textkit")
    for mode, timeout in (("spin", 1), ("trap", 30)):
        folder = tmp_path / mode
        folder.mkdir()
        (folder / f"{mode}.wasm").write_bytes(wat.component_bytes(mode, name=mode))
        (folder / "skill.yaml").write_text(f"name: {mode}\nversion: 1.0.0\ndescription: {mode} test skill\n"
                                           f"capabilities:\n  timeout_s: {timeout}\n")
        engine.install(folder)
    return engine


@pytest.fixture
def steady_log(monkeypatch):
    """Fixed clock and durations in the log, so snapshots do not depend on when they ran."""
    monkeypatch.setattr(main_screen, "clock", lambda: "12:00:00")
    monkeypatch.setattr(main_screen, "format_duration", lambda ms: "3 ms")
