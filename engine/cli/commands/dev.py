"""`skill dev [DIR]`: hot reload a skill folder, print each reload, run and release build as one line."""

from __future__ import annotations

import argparse
import gc
import threading
import time
from typing import Any

from engine.build import dev
from engine.cli.args import read_tool_args
from engine.cli.commands import open_engine
from engine.cli.output import megabytes, progress


def format_event(event: Any) -> str | None:
    """One line of `skill dev` output for a dev event (None: nothing to print)."""
    if isinstance(event, dev.Reloaded):
        return (
            f"reloaded in {event.ms:.0f} ms ({len(event.tools)} tool{'s' if len(event.tools) != 1 else ''}: "
            f"{', '.join(event.tools)})"
        )
    if isinstance(event, dev.ReloadFailed):
        keeps = "the previous version keeps serving" if event.serving else "no working version yet"
        return f"build error: {event.error} ({keeps})"
    if isinstance(event, dev.DevRunResult):
        head = f"  {event.tool} → "
        if event.ok:
            out = event.output if "\n" not in event.output else "\n    " + event.output.replace("\n", "\n    ")
            return f"{head}{out}"
        return f"{head}error: {event.error}"
    if isinstance(event, dev.ReleaseStarted):
        return "release build started (background)"
    if isinstance(event, dev.ReleaseInstalled):
        how = "cached" if event.cached else f"{event.seconds:.1f} s"
        return f"release build installed ({how}, {megabytes(event.size)}, {event.status})"
    if isinstance(event, dev.ReleaseFailed):
        return f"release build failed: {event.error} (the dev version keeps serving)"
    return None


def run(a: argparse.Namespace) -> int:
    from engine.runtime.pool import use_warm_slots

    gc.enable()  # a long-running command (see engine.cli.main.entry)
    use_warm_slots()
    engine = open_engine()
    run_args = read_tool_args(a.args, a.arg)
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        line = format_event(event)
        if line is not None:
            with lock:
                print(line, flush=True)

    session = dev.DevSession(
        engine,
        a.dir,
        instance=a.instance,
        on_event=on_event,
        release=not a.no_release,
        run_tool=a.run,
        run_args=run_args,
    )
    stop = threading.Event()
    timer = None
    if a.stop_after:
        timer = threading.Timer(a.stop_after, stop.set)
        timer.daemon = True
        timer.start()
    try:
        t0 = time.perf_counter()
        session.start(progress=progress)
        print(
            f"watching {session.folder} (dev host ready in {time.perf_counter() - t0:.1f} s); Ctrl+C stops", flush=True
        )
        session.watch(stop, max_reloads=a.max_reloads)
        if not a.no_release and (a.max_reloads or a.stop_after):
            session.wait_release()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        if timer:
            timer.cancel()
        session.close()
    return 0
