"""The work that follows a run but need not delay its result.

One daemon thread per process runs jobs in order, when the CPU is otherwise idle:
dropping a spent wasmtime store (its memory reset costs ~0.6 ms) and appending the
run to the history file. A caller that needs that work done (a reader of the
history, a process about to `os._exit`) calls `flush()`; at interpreter exit the
queue is drained.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from collections.abc import Callable

Job = Callable[[], None]


class Background:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="skill-background", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every job submitted so far has run; False if that took longer than `timeout`."""
        with self._lock:
            if self._thread is None:
                return True
        done = threading.Event()
        self._queue.put(done.set)
        return done.wait(timeout)

    def _run(self) -> None:
        _only_when_idle()
        while (job := self._queue.get()) is not None:
            try:
                job()
            except Exception:  # one failed job must not stop the ones after it (they free slots)
                import logging  # not at import time: every CLI command imports this module

                logging.getLogger(__name__).exception("background job failed")
            del job  # the job may hold the last reference to what it drops

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)


def _only_when_idle() -> None:
    """Run this thread under SCHED_IDLE: its work yields to every other thread and process.

    Measured on 2 cores: the memory reset of a dropped store otherwise competes with
    the MCP server's transport and its client, and a quarter of calls got 0.5 ms slower.
    Waiting callers sleep (on a free slot, in `flush`), so the thread always gets its turn.
    """
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: plain priority
        pass


_background = Background()
atexit.register(_background.close)


def background() -> Background:
    """This process's background thread."""
    return _background
