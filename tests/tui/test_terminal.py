"""The real `skill-tui` entry point in a real terminal (tmux): start, run a tool, quit."""

from __future__ import annotations

import os
import time

import pytest

from fixtures.tmux import HAVE_TMUX, Tmux, skill_tui_argv, terminal_env

pytestmark = [
    pytest.mark.skipif(not HAVE_TMUX, reason="tmux is installed by scripts/setup.sh"),
]


def test_skill_tui_runs_a_tool_in_a_real_terminal(engine, example, tmp_path):
    example("textkit")
    tmux = Tmux(f"skill-tui-test-{os.getpid()}")
    app = tmux.start(skill_tui_argv(), terminal_env(engine.home), 150, 42)
    try:
        tmux.wait_for("textkit@default:text-stats")  # loaded, as a person sees it before typing
        app.wait_idle(within=10)
        tmux.keys("/", "textkit", "Enter", "Tab", "Tab", "Down", "Enter")
        tmux.wait_for("textkit@default:slugify")
        tmux.keys("Hello Terminal World", "Enter")
        screen = tmux.wait_for("hello-terminal-world")
        assert "✔ textkit@default:slugify" in screen
        tmux.keys("C-q")
        end = time.monotonic() + 10
        while tmux.running():
            assert time.monotonic() < end, "skill-tui did not quit on ctrl+q"
            time.sleep(0.1)
    finally:
        tmux.kill()
    (run,) = engine.history()
    assert (run["tool"], run["ok"], run["args"]) == ("slugify", True, {"text": "Hello Terminal World"})
