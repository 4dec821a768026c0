"""`skill config` in a real terminal (tmux) asks for each missing required field; secrets are not echoed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from fixtures.config.skills import install_typed

pytestmark = pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is installed by scripts/setup.sh")

KEY = "sk-abcd1234"


def test_prompts_for_missing_required_fields_with_hidden_secret_input(engine, tmp_path):
    install_typed(engine, tmp_path)
    tmux = ["tmux", "-L", f"cfg-tty-{os.getpid()}"]
    command = (
        f"env -u COLUMNS -u LINES SKILL_ENGINE_HOME={engine.home.root} SKILL_SECRETS=vault "
        f"{sys.executable} -m engine.cli config typed; echo EXIT=$?; sleep 30"
    )

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True).stdout

    def wait_for(text: str) -> str:
        end = time.monotonic() + 20
        while text not in (shown := screen()):
            assert time.monotonic() < end, f"{text!r} never appeared:\n{shown}"
            time.sleep(0.05)
        return shown

    subprocess.run([*tmux, "new-session", "-d", "-s", "t", "-x", "160", "-y", "40", command], check=True)
    try:
        wait_for("host (url) - Where to connect:")
        subprocess.run([*tmux, "send-keys", "-t", "t", "https://api.example.com", "Enter"], check=True)
        wait_for("api_key (string, secret):")
        subprocess.run([*tmux, "send-keys", "-t", "t", KEY, "Enter"], check=True)
        shown = wait_for("EXIT=")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert "EXIT=0" in shown and "typed@default: ready" in shown
    assert KEY not in shown, "the secret was echoed on the terminal"
    assert engine.config.get("typed", "default", "api_key") == KEY
    assert engine.config.get("typed", "default", "host") == "https://api.example.com"
