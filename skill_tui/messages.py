"""Messages from worker threads to the UI. Workers never touch widgets; they post these."""

from __future__ import annotations

from textual.message import Message

from engine import RunEvent


class RunEventPosted(Message):
    """One engine run event (started, an output line, finished)."""

    def __init__(self, event: RunEvent) -> None:
        super().__init__()
        self.event = event


class RunRefused(Message):
    """The engine refused a run before it started (bad ref or arguments): one clear line."""

    def __init__(self, ref: str, error: str) -> None:
        super().__init__()
        self.ref = ref
        self.error = error


class SkillsChanged(Message):
    """Installed skills or instances changed: panes reload from the engine.

    `select_instance`: the instance the user just created or configured, shown selected after the reload.
    """

    def __init__(self, select_instance: str | None = None) -> None:
        super().__init__()
        self.select_instance = select_instance
