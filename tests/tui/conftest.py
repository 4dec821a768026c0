"""Fixtures for the app's tests: a home with real skills installed, deterministic log prefixes."""

from __future__ import annotations

import pytest

from fixtures import wat
from fixtures.tui import KNOWLEDGE_SKILL, svg_rows
from skill_tui.screens import main as main_screen


@pytest.fixture
def snap_compare(snap_compare, request):
    """The plugin's snap_compare, plus the rows that differ on a mismatch (CI shows no HTML report)."""
    import pickle

    from pytest_textual_snapshot import node_to_report_path

    def compare(*args, **kwargs) -> bool:
        if snap_compare(*args, **kwargs):
            return True
        _, expected, actual, *_ = pickle.loads(node_to_report_path(request.node).read_bytes())
        want, got = svg_rows(expected or ""), svg_rows(actual)
        want += ["<none>"] * (len(got) - len(want))
        got += ["<none>"] * (len(want) - len(got))
        for n, (w, g) in enumerate(zip(want, got, strict=True)):
            if w != g:
                print(f"row {n:>2} expected: {w}\nrow {n:>2} actual:   {g}")
        return False

    return compare


@pytest.fixture
def tui_engine(engine, example, tmp_path):
    """textkit (a real jco-built skill) plus WAT skills that spin (1 s limit) and trap."""
    example("textkit")
    for mode, timeout in (("spin", 1), ("trap", 30)):
        folder = tmp_path / mode
        folder.mkdir()
        (folder / f"{mode}.wasm").write_bytes(wat.component_bytes(mode, name=mode))
        (folder / "skill.yaml").write_text(
            f"name: {mode}\nversion: 1.0.0\ndescription: {mode} test skill\ncapabilities:\n  timeout_s: {timeout}\n"
        )
        engine.install(folder)
    return engine


@pytest.fixture
def steady_log(monkeypatch):
    """Fixed clock and durations in the log, so snapshots do not depend on when they ran."""
    from skill_tui.screens import history

    monkeypatch.setattr(main_screen, "clock", lambda: "12:00:00")
    monkeypatch.setattr(main_screen, "format_duration", lambda ms: "3 ms")
    monkeypatch.setattr(history, "started", lambda ts: "12-04 12:00:00")
    monkeypatch.setattr(history, "milliseconds", lambda ms: "3")


TYPED_MANIFEST = """name: typed
version: 1.0.0
description: a skill with one config field of each kind
config:
  verbose:
    type: boolean
    default: true
    description: Log every call
  mode:
    enum: [fast, slow]
    description: How hard to try
  port:
    type: integer
    required: true
    max: 65535
    description: Port of the service
  token:
    secret: true
    required: true
    description: A secret token
  endpoint:
    type: url
    description: Where the service answers
  label:
    description: A name shown in reports
  color:
    description: Colour the output (auto, true or false)
    default: true
"""


@pytest.fixture
def typed_skill(engine, tmp_path):
    """A WAT skill whose config has every kind of field; optional ones listed first, as a
    manifest may well do, and nothing configured yet (so `port` and `token` are missing)."""
    folder = tmp_path / "typed"
    folder.mkdir()
    (folder / "typed.wasm").write_bytes(wat.component_bytes(name="typed"))
    (folder / "skill.yaml").write_text(TYPED_MANIFEST)
    engine.install(folder)
    return "typed"


@pytest.fixture
def knowledge_engine(tui_engine, tmp_path):
    """tui_engine plus code-review, a knowledge skill (SKILL.md, references/, scripts/, a PNG), installed
    from a copy of tests/fixtures/knowledge_tui (its source folder: the editor key may open it)."""
    import shutil

    folder = tmp_path / "sources" / "code-review"
    shutil.copytree(KNOWLEDGE_SKILL, folder)
    tui_engine.install(folder)
    return tui_engine
