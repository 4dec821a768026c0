"""The install dialog: one line for any source the engine takes, and what the install is doing.

Below the box, "let its scripts run" is `skill install --allow-scripts`: an Agent Skill's scripts/*.py
may then run in the Python sandbox, and the capability review shows it before anything is installed.

The engine reports its steps (resolve, download, verify, build, compile, install, lock); a download
carries its bytes, shown as a bar with the amount and the speed. Everything else keeps
TextPrompt's behaviour: a refusal shows under the box with the text kept, Escape leaves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.widgets import Checkbox, ProgressBar

from engine import Step, byte_size
from skill_tui.screens.prompts import DIALOG_CSS, TextPrompt

ALLOW_SCRIPTS = "let its scripts/*.py run, sandboxed (Agent Skills; shift+tab)"
SOURCES = "a folder or .wasm, oci://HOST/REPO:TAG, NAME@VERSION, github:USER/REPO@REF#PATH, git+URL, https://….tar.gz"


def transfer_line(step: Step, seconds: float) -> str:
    """'downloading component.wasm: 4.2 MB of 12.8 MB · 31 MB/s' (the step's own message, then the figures)."""
    if step.done is None:
        return step.message
    amount = byte_size(step.done) + (f" of {byte_size(step.total)}" if step.total else "")
    speed = f" · {byte_size(int(step.done / seconds))}/s" if seconds > 0.05 else ""
    return f"{step.message}: {amount}{speed}"


class InstallPrompt(TextPrompt):
    DEFAULT_CSS = DIALOG_CSS.format(cls="InstallPrompt") + (
        "InstallPrompt ProgressBar { display: none; margin-top: 1; }\nInstallPrompt ProgressBar Bar { width: 48; }\n"
        "InstallPrompt Checkbox { border: none; padding: 0; margin-top: 1; background: transparent; }\n"
    )

    def __init__(self, install: Callable[[str, bool, Callable[[Step], None]], Any]) -> None:
        super().__init__(
            "Install a skill from " + SOURCES + ":",
            placeholder="path/to/skill or oci://… or github:…",
            verb="install",
            busy="installing… (a first install compiles for a few seconds)",
            submit=lambda text: install(text, self.query_one(Checkbox).value, self.report),
            paths=True,
        )
        self._started: float | None = None

    def on_mount(self) -> None:
        box = self.query_one("Input")
        self.query_one("Vertical").mount(Checkbox(ALLOW_SCRIPTS), ProgressBar(show_eta=False), after=box)

    def report(self, step: Step) -> None:
        """Called in the install's worker: shows the step on the UI thread."""
        self.app.call_from_thread(self._show, step)

    def _show(self, step: Step) -> None:
        if not self.is_attached or not self.working:
            return
        bar = self.query_one(ProgressBar)
        if step.done is not None:
            self._started = self._started or time.monotonic()
            bar.display = True
            bar.update(total=step.total, progress=step.done)
        else:
            self._started = None
            bar.display = step.stage in ("build", "compile")
            bar.update(total=None)
        self.note(transfer_line(step, time.monotonic() - (self._started or time.monotonic())))

    def _refused(self, message: str) -> None:
        if self.is_attached:
            self.query_one(ProgressBar).display = False
        super()._refused(message)
