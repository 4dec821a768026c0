"""Worker failures, shown in one place.

Every worker runs with exit_on_error=False so no failure takes the app down, and Textual posts
`Worker.StateChanged` only to the node that started the worker (it does not bubble). Each class
that starts workers mixes this in; all of them hand failures to `SkillTui.worker_failed`.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class ShowsWorkerFailures:
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.app.worker_failed(event.worker)  # type: ignore[attr-defined]
