"""The background thread runs when the CPU is idle, and at once when someone waits for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from engine.background import Background


def test_a_flush_finishes_while_other_processes_keep_every_core_busy():
    """An idle-class thread gets no CPU while other work runs; a caller waiting in `flush` lifts it, so a
    history write is not lost (or a CLI exit held) on a busy machine."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        bg = Background()
        done: list[int] = []

        def job(n: int) -> None:  # ~5 ms of CPU each, like dropping a store and writing a history line
            end = time.thread_time() + 0.005
            while time.thread_time() < end:
                pass
            done.append(n)

        bg.submit(lambda: None)
        time.sleep(0.2)  # the thread has started and gone idle-class
        for n in range(50):
            bg.submit(lambda n=n: job(n))
        assert bg.flush(timeout=8), "the background thread got no CPU while the caller waited"
        assert done == list(range(50))
        bg.close()
    finally:
        for p in spinners:
            p.kill()
            p.wait()
