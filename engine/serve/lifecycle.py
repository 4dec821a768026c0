"""Whether the server takes new work: `/ready` answers from it, the gate refuses runs from it."""

from __future__ import annotations

import threading


class Lifecycle:
    """starting -> ready -> draining. Thread-safe: runs finish in worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: set[str] = {"starting"}
        self.draining = False

    def not_ready(self, reason: str) -> None:
        with self._lock:
            self._reasons.add(reason)

    def ready(self, reason: str = "starting") -> None:
        with self._lock:
            self._reasons.discard(reason)

    def drain(self) -> None:
        """SIGTERM: stop taking new work; runs in flight go on to their end."""
        with self._lock:
            self.draining = True
            self._reasons.add("draining")

    @property
    def reasons(self) -> list[str]:
        with self._lock:
            return sorted(self._reasons)

    @property
    def is_ready(self) -> bool:
        with self._lock:
            return not self._reasons
