"""The real `skill-tui` entry point in a real terminal (tmux): start, run a tool, quit."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from fixtures.tmux import Tmux

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is installed by scripts/setup.sh")]


def test_skill_tui_runs_a_tool_in_a_real_terminal(engine, example, tmp_path):
    example("textkit")
    entry = Path(sys.executable).with_name("skill-tui")
    assert entry.exists(), "the console script is installed by scripts/setup.sh"
    tmux = Tmux(f"skill-tui-test-{os.getpid()}")
    env = {"SKILL_ENGINE_HOME": str(engine.home.root), "SKILL_ENGINE_CACHE": str(engine.home.cache),
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    tmux.start([str(entry)], 150, 42, env)
    try:
        tmux.wait_for("textkit")
        tmux.keys("/", "textkit", "Enter", "Tab", "Tab", "Down", "Enter", delay=0.15)
        tmux.wait_for("textkit@default:slugify")
        tmux.keys("Hello Terminal World", "Enter", delay=0.15)
        screen = tmux.wait_for("hello-terminal-world")
        assert "✔ textkit@default:slugify" in screen
        tmux.keys("C-q")
        end = time.monotonic() + 10
        while tmux.alive():
            assert time.monotonic() < end, "skill-tui did not quit on ctrl+q"
            time.sleep(0.1)
    finally:
        tmux.kill()
    (run,) = engine.history.read()
    assert (run["tool"], run["ok"], run["args"]) == ("slugify", True, {"text": "Hello Terminal World"})
