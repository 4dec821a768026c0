"""Authoring commands: `skill init`, `skill build`, `skill test`, `skill dev`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from engine.errors import UsageError


def _engine():
    from engine.api import Engine

    return Engine()


def _progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


# ---- init ---------------------------------------------------------------------------------------


def cmd_init(a: argparse.Namespace) -> int:
    from engine.build.scaffold import init_project, templates

    if a.list:
        from engine.cli_table import print_table

        print_table(("TEMPLATE", "DESCRIPTION"), list(templates().items()))
        return 0
    if not a.dir:
        raise UsageError("give the folder to create: skill init DIR [--template js|ts]")
    files = init_project(a.dir, a.template, name=a.name, description=a.description, force=a.force)
    folder = Path(a.dir)
    name = next(
        ln.split(":", 1)[1].strip() for ln in (folder / "skill.yaml").read_text().splitlines() if ln.startswith("name:")
    )
    print(f"created {name} ({a.template}) in {folder}: {', '.join(p.name for p in files)}")
    print("next:")
    print(f"  skill build {folder} && skill test {folder}")
    print(f"  skill install {folder} && skill run {name}:greet --arg name=Ada")
    print(f'  skill dev {folder} --run greet --args \'{{"name": "Ada"}}\'')
    return 0


# ---- build --------------------------------------------------------------------------------------


def check_component(engine: Any, wasm: Path) -> tuple[str, list[str]]:
    """Compile the component (cached for install) and call get-metadata/get-tools: (name, tool names)."""
    from engine.protocol import parse_metadata, parse_tools
    from engine.runtime import SandboxPolicy

    rt = engine.runtime
    _sha, component = rt.compile(wasm.read_bytes(), str(wasm))
    names = []
    for export in ("get-metadata", "get-tools"):
        o = rt.call(component, SandboxPolicy(timeout_s=10), export)
        if o.value is None:
            first = next((ln for ln in o.stderr.splitlines() if ln.strip()), "")
            raise UsageError(f"{wasm}: {export} failed: {first or o.failure}")
        names.append(o.value)
    meta = parse_metadata(names[0])
    return meta.name, [t.name for t in parse_tools(names[1])]


def cmd_build(a: argparse.Namespace) -> int:
    from engine.build.componentize import build_component, folder_plan

    engine = _engine()
    path = Path(a.dir)
    if path.is_file():
        entry, out = path, Path(a.out) if a.out else path.with_suffix(".wasm")
    else:
        _name, entry, out = folder_plan(path)
        out = Path(a.out) if a.out else out
    t0 = time.perf_counter()
    r = build_component(engine.home, entry, out, progress=None if a.json else _progress)
    tools: list[str] = []
    if not a.no_check:
        _n, tools = check_component(engine, r.wasm_path)
    total = time.perf_counter() - t0
    if a.json:
        print(
            json.dumps(
                {
                    "component": str(r.wasm_path),
                    "size": r.size,
                    "seconds": round(total, 3),
                    "cached": r.cached,
                    "tools": tools,
                }
            )
        )
    else:
        how = "unchanged (cache)" if r.cached else "built"
        checked = f"; exports ok, tools: {', '.join(tools)}" if not a.no_check else ""
        print(f"{how} {r.wasm_path} ({_mb(r.size)}) in {total:.1f} s{checked}")
    return 0


# ---- test ---------------------------------------------------------------------------------------


def cmd_test(a: argparse.Namespace) -> int:
    from engine.build.testing import run_tests

    engine = _engine()
    use_color = sys.stdout.isatty()
    green, red, dim, reset = ("\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[0m") if use_color else ("",) * 4

    def show(res) -> None:
        if a.json:
            return
        mark = f"{green}✔{reset}" if res.passed else f"{red}✘{reset}"
        print(f"{mark} {res.case.label} {dim}{res.ms:.0f} ms{reset}")
        for p in res.problems:
            print(f"    {p}")

    report = run_tests(
        engine,
        a.dir,
        tests=Path(a.file) if a.file else None,
        progress=None if a.json else _progress,
        on_result=show,
        only=a.k,
    )
    if a.json:
        out: dict[str, Any] = {
            "ok": report.ok,
            "passed": report.passed,
            "failed": report.failed,
            "cases": [
                {
                    "case": r.case.label,
                    "passed": r.passed,
                    "problems": r.problems,
                    "ms": round(r.ms, 1),
                    "output": r.output,
                    "error": r.error,
                }
                for r in report.results
            ],
        }
        if not report.ok:  # the error object of every --json failure (see engine.cli.fail)
            out["error"] = {
                "code": "tests_failed",
                "message": f"{report.failed} of {len(report.results)} test case(s) failed"
                if report.results
                else f"{report.file} has no test cases to run",
            }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        color = green if report.ok else red
        print(
            f"{color}{report.passed} passed, {report.failed} failed{reset} "
            f"({report.file.name}; build {'cached' if report.cached else f'{report.build_seconds:.1f} s'})"
        )
    return 0 if report.ok else 1


# ---- dev ----------------------------------------------------------------------------------------


def format_event(event: Any) -> str | None:
    """One line of `skill dev` output for a dev event (None: nothing to print)."""
    from engine.build import dev

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
        return f"release build installed ({how}, {_mb(event.size)}, {event.status})"
    if isinstance(event, dev.ReleaseFailed):
        return f"release build failed: {event.error} (the dev version keeps serving)"
    return None


def cmd_dev(a: argparse.Namespace) -> int:
    import gc
    import threading

    from engine.build.dev import DevSession
    from engine.runtime.pool import use_warm_slots

    gc.enable()  # a long-running command (see engine.cli.entry)
    use_warm_slots()
    engine = _engine()
    from engine.toolargs import read_tool_args

    run_args = read_tool_args(a.args, a.arg)
    lock = threading.Lock()

    def on_event(event: Any) -> None:
        line = format_event(event)
        if line is not None:
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
        session.start(progress=_progress)
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


# ---- parsers --------------------------------------------------------------------------------------


def add_parsers(sub: argparse._SubParsersAction, add) -> None:
    sp = add("init", cmd_init, "create a skill project: skill init DIR [--template js|ts]", json_flag=False)
    sp.add_argument("dir", nargs="?", metavar="DIR")
    sp.add_argument("--template", "-t", default="js", metavar="NAME", help="js (default) or ts; see --list")
    sp.add_argument("--name", help="skill name (default: the folder's name)")
    sp.add_argument("--description", help="one-line description")
    sp.add_argument("--list", action="store_true", help="list the templates")
    sp.add_argument("--force", action="store_true", help="write into a non-empty folder, overwriting files")

    sp = add("build", cmd_build, "build a JS/TS skill folder into a WebAssembly component")
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR", help="skill folder (default .) or a .js/.ts file")
    sp.add_argument(
        "-o",
        "--out",
        metavar="OUT",
        help="where to write the component (default: skill.yaml's component:, else dist/NAME.wasm)",
    )
    sp.add_argument("--no-check", action="store_true", help="skip compiling it and checking its exports")

    sp = add("test", cmd_test, "build a skill and run its tests.yaml against the component")
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR")
    sp.add_argument("--file", metavar="YAML", help="the test file (default DIR/tests.yaml)")
    sp.add_argument("-k", metavar="TEXT", help="only the cases whose tool or label contains TEXT")

    sp = add("dev", cmd_dev, "watch a skill folder and hot-reload it on every save", json_flag=False)
    sp.add_argument("dir", nargs="?", default=".", metavar="DIR")
    sp.add_argument("--instance", "-i", default="default", metavar="I", help="instance whose config/data to use")
    sp.add_argument("--run", metavar="TOOL", help="run this tool after every reload and print the result")
    sp.add_argument("--args", metavar="JSON", help="arguments for --run as one JSON object")
    sp.add_argument("--arg", action="append", metavar="K=V", help="one argument for --run (repeatable)")
    sp.add_argument(
        "--no-release", action="store_true", help="do not build and install the real component in the background"
    )
    sp.add_argument("--max-reloads", type=int, metavar="N", help="stop after N reloads (scripts, tests)")
    sp.add_argument("--stop-after", type=float, metavar="S", help="stop after S seconds (scripts, tests)")
