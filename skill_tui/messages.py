"""Messages from worker threads to the UI. Workers never touch widgets; they post these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from engine import RunEvent

if TYPE_CHECKING:
    from skill_tui.screens.runs import ActiveRun


class RunEventPosted(Message):
    """One engine run event (started, an output line, finished)."""

    def __init__(self, event: RunEvent) -> None:
        super().__init__()
        self.event = event


class RunEnded(Message):
    """A run's worker is done. Posted after its events on the same queue, so the count of runs in
    flight drops only once the run's last line is in the log."""

    def __init__(self, run: ActiveRun) -> None:
        super().__init__()
        self.run = run


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
