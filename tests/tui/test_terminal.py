"""The real `skill-tui` entry point in a real terminal (tmux): start, run a tool, quit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is installed by scripts/setup.sh")]


class Tmux:
    def __init__(self, socket: str):
        self.base = ["tmux", "-L", socket]

    def __call__(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "app")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the terminal:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self("send-keys", "-t", "app", key)
            time.sleep(0.15)


def test_skill_tui_runs_a_tool_in_a_real_terminal(engine, example, tmp_path):
    example("textkit")
    entry = Path(sys.executable).with_name("skill-tui")
    assert entry.exists(), "the console script is installed by scripts/setup.sh"
    tmux = Tmux(f"skill-tui-test-{os.getpid()}")
    env = {"SKILL_ENGINE_HOME": str(engine.home.root), "SKILL_ENGINE_CACHE": str(engine.home.cache),
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    # COLUMNS/LINES would override the pane's real size (pytest's environment carries 80x24)
    command = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", *(f"{k}={v}" for k, v in env.items()), str(entry)])
    tmux("new-session", "-d", "-s", "app", "-x", "150", "-y", "42", command)
    try:
        tmux.wait_for("textkit")
        tmux.keys("/", "textkit", "Enter", "Tab", "Tab", "Down", "Enter")
        tmux.wait_for("textkit@default:slugify")
        tmux.keys("Hello Terminal World", "Enter")
        screen = tmux.wait_for("hello-terminal-world")
        assert "✔ textkit@default:slugify" in screen
        tmux.keys("C-q")
        end = time.monotonic() + 10
        while "app" in subprocess.run([*tmux.base, "ls"], capture_output=True, text=True).stdout:
            assert time.monotonic() < end, "skill-tui did not quit on ctrl+q"
            time.sleep(0.1)
    finally:
        subprocess.run([*tmux.base, "kill-server"], capture_output=True)
    (run,) = engine.history.read()
    assert (run["tool"], run["ok"], run["args"]) == ("slugify", True, {"text": "Hello Terminal World"})
