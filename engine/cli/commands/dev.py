"""`skill dev [DIR]`: hot reload a skill folder, print each reload, run and release build as one line."""

from __future__ import annotations

import argparse
import gc
import threading
import time

from engine import DevEvent, DevRunResult, DevSession, describe_dev_event, use_warm_slots
from engine.cli.args import read_tool_args
from engine.cli.commands import open_engine
from engine.cli.output import progress


def format_event(event: DevEvent) -> str:
    """One line of `skill dev` output; a run's lines are indented under the reload that served it."""
    if isinstance(event, DevRunResult) and event.ok and "\n" in event.output:
        return f"  {event.tool} → \n    " + event.output.replace("\n", "\n    ")
    return f"  {describe_dev_event(event)}" if isinstance(event, DevRunResult) else describe_dev_event(event)


def run(a: argparse.Namespace) -> int:
    gc.enable()  # a long-running command (see engine.cli.main.entry)
    use_warm_slots()
    engine = open_engine()
    run_args = read_tool_args(a.args, a.arg)
    lock = threading.Lock()

    def on_event(event: DevEvent) -> None:
        line = format_event(event)
        with lock:
            print(line, flush=True)

    session = DevSession(
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
