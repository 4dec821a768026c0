"""`RunRate`: the served runs of the last minute by door (MCP, REST), for the control panel.

A `RunObserver` on the gate: each run that finished or was refused is a request. `publish` writes the
counts into the server's registration file (`engine.mcp.registry`), which the panel reads, every few
seconds and only when they changed, so a busy server does not rewrite the file per run and an idle one
does not rewrite it at all.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.errors import Refused
    from engine.events import RunResult
    from engine.mcp.registry import Registration

WINDOW_S = 60.0
PUBLISH_S = 2.0


class RunRate:
    def __init__(self, window: float = WINDOW_S) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._seen: deque[tuple[float, str]] = deque()  # (monotonic time, source), oldest first

    def finished(self, result: RunResult) -> None:
        self._add(result.source)

    def refused(self, refusal: Refused, source: str) -> None:
        self._add(source)

    def _add(self, source: str) -> None:
        with self._lock:
            self._seen.append((time.monotonic(), source))

    def per_minute(self) -> dict[str, int]:
        """Requests in the last `window` seconds by source, e.g. {"mcp": 3, "rest": 12}."""
        since = time.monotonic() - self.window
        counts: dict[str, int] = {}
        with self._lock:
            while self._seen and self._seen[0][0] < since:
                self._seen.popleft()
            for _, source in self._seen:
                counts[source] = counts.get(source, 0) + 1
        return counts

    async def publish(self, registration: Registration, every: float = PUBLISH_S) -> None:
        """Keep the registration's `per_minute` current (runs until cancelled)."""
        import anyio

        shown: dict[str, int] = {}
        while True:
            await anyio.sleep(every)
            counts = self.per_minute()
            if counts != shown:
                await anyio.to_thread.run_sync(partial(registration.write, per_minute=counts))
                shown = counts
