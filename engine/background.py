"""The work that follows a run but need not delay its result.

One daemon thread per process runs jobs in order, when the CPU is otherwise idle:
dropping a spent wasmtime store (its memory reset costs ~0.6 ms) and appending the
run to the history file. A caller that needs that work done (a reader of the
history, a process about to `os._exit`) calls `flush()`; at interpreter exit the
queue is drained. Whoever waits lifts the thread to normal priority meanwhile: on a machine busy
with other work an idle-class thread may not run for seconds, and then the wait is the delay.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Job = Callable[[], None]
_NORMAL, _IDLE = getattr(os, "SCHED_OTHER", 0), getattr(os, "SCHED_IDLE", 0)  # Linux's; elsewhere unused


class Background:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._waiters = 0  # callers waiting for the queue to drain: the thread runs at normal priority

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
        if done.wait(0.01):
            return True
        with self._waited_for():
            return done.wait(timeout)

    @contextmanager
    def _waited_for(self) -> Iterator[None]:
        """While someone waits, the thread runs at normal priority (SCHED_OTHER), then idle again."""
        with self._lock:
            self._waiters += 1
            if self._waiters == 1 and self._thread is not None:
                _set_policy(self._thread, _NORMAL)
        try:
            yield
        finally:
            with self._lock:
                self._waiters -= 1
                if self._waiters == 0 and self._thread is not None:
                    _set_policy(self._thread, _IDLE)

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
            _set_policy(thread, _NORMAL)  # the process is ending: finish now, whatever else runs
            thread.join(timeout=10)


def _only_when_idle() -> None:
    """Run this thread under SCHED_IDLE: its work yields to every other thread and process.

    Measured on 2 cores: the memory reset of a dropped store otherwise competes with
    the MCP server's transport and its client, and a quarter of calls got 0.5 ms slower.
    Callers that wait for it (in `flush`, at exit) lift it back to normal priority meanwhile.
    """
    _set_policy(threading.current_thread(), _IDLE)


def _set_policy(thread: threading.Thread, policy: int) -> None:
    try:
        if thread.native_id is not None:
            os.sched_setscheduler(thread.native_id, policy, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed: plain priority
        pass


_background = Background()
atexit.register(_background.close)


def background() -> Background:
    """This process's background thread."""
    return _background
