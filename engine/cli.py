"""`skill`: the scriptable front door. `--json` wherever it prints data.

Exit codes: 0 success, 1 the tool or run failed, 2 bad usage or input. With `--json` on
the command line every failure, a usage error included, is one JSON object on stdout:
{"ok": false, "error": {"code": ..., "message": ...}} (see `fail`).
Only what a command needs is imported (wasmtime only for commands that run
components), so `skill run` starts close to the bare interpreter.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from engine import __version__
from engine.background import background
from engine.errors import SkillError, UsageError, shown


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _engine():
    from engine.api import Engine

    return Engine()


def _progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr)


def fail(code: str, message: str, as_json: bool) -> None:
    """Report a failure: one `error:` line on stderr, or with --json the error object on stdout."""
    if as_json:
        _print_json({"ok": False, "error": {"code": code, "message": message}})
    else:
        print(f"error: {message}", file=sys.stderr)


# ---- commands -----------------------------------------------------------------------------


def cmd_install(a: argparse.Namespace) -> int:
    report = _engine().install(a.path, name=a.name, force=a.force, progress=None if a.json else _progress)
    s = report.skill
    if a.json:
        _print_json({"status": report.status, "previous_version": report.previous_version, **s.to_json()})
        return 0
    verb = {
        "installed": "installed",
        "upgraded": f"upgraded from {report.previous_version}",
        "replaced": "replaced",
        "unchanged": "already installed, unchanged",
    }[report.status]
    print(f"{s.name} {s.version} {verb}: {len(s.tools)} tool(s): {', '.join(t.name for t in s.tools)}")
    for w in s.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_list(a: argparse.Namespace) -> int:
    engine = _engine()
    skills = engine.skills()
    if a.json:
        _print_json(
            [
                {
                    "name": s.name,
                    "version": s.version,
                    "description": s.description,
                    "tools": [t.name for t in s.tools],
                    "instances": engine.instances.names(s.name),
                }
                for s in skills
            ]
        )
        return 0
    if not skills:
        print("no skills installed; install one with `skill install PATH`")
        return 0
    from engine.cli_table import print_table

    rows = [(s.name, s.version, len(s.tools), len(engine.instances.names(s.name)), s.description) for s in skills]
    print_table(("NAME", "VERSION", "TOOLS", "INSTANCES", "DESCRIPTION"), rows, right=(2, 3))
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    engine = _engine()
    s = engine.skill(a.name)
    if a.json:
        _print_json({**s.to_json(), "instances": engine.instances.names(s.name)})
        return 0
    print(f"{s.name} {s.version}  {s.description}")
    for label, value in (
        ("author", s.author),
        ("license", s.license),
        ("source", s.source),
        ("component", f"{s.component_size / 1e6:.1f} MB sha256:{s.component_sha256[:16]}"),
        ("limits", f"timeout {s.capabilities.timeout_s:g} s, memory {s.capabilities.memory_mb} MiB"),
        ("instances", ", ".join(engine.instances.names(s.name))),
    ):
        if value:
            print(f"  {label + ':':<11}{value}")
    if s.config:
        print("config:")
        for f in s.config:
            flags = ", ".join(
                x
                for x in (f.type, "required" if f.required else "", "secret" if f.secret else "", f"env {f.env_var}")
                if x
            )
            default = f" (default {shown(f.default)})" if f.default is not None else ""
            print(f"  {f.name}  [{flags}]{default}  {f.description}")
    print("tools:")
    for t in s.tools:
        print(f"  {t.name}  {t.description}")
        for p in t.params:
            flags = p.type + (", required" if p.required else "")
            default = f" (default {shown(p.default)})" if p.default is not None else ""
            print(f"      --arg {p.name}=…  [{flags}]{default}  {p.description}")
    return 0


def _parse_run_args(a: argparse.Namespace, engine: Any) -> dict[str, Any]:
    from engine.toolargs import read_tool_args

    given = read_tool_args(a.args, a.arg)
    tool = None
    if given.pairs:  # only `--arg` values need the tool's declared types
        skill_name, _instance, tool_name = engine.parse_ref(a.ref)
        tool = engine.skill(skill_name).tool(tool_name)
    return given.for_tool(tool)


def cmd_run(a: argparse.Namespace) -> int:
    engine = _engine()
    args = _parse_run_args(a, engine)
    on_event = None
    if not a.json:
        from engine.events import RunOutput

        def on_event(event: Any) -> None:
            if isinstance(event, RunOutput):
                print(event.text, file=sys.stderr, flush=True)

    result = engine.run(a.ref, args, timeout=a.timeout, on_event=on_event)
    if a.json:
        out = result.to_json()
        if not result.ok:  # the error object of every --json failure; `stopped` says why as before
            out["error"] = {"code": (result.stopped or "tool_error").replace("-", "_"), "message": result.error}
        _print_json(out)
    elif result.ok:
        print(result.output)
    else:
        print(f"error: {result.ref}: {result.error}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_remove(a: argparse.Namespace) -> int:
    engine = _engine()
    skill = engine.skill(a.name)
    if not a.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"not removing {a.name} without confirmation; pass --yes")
        answer = input(f"remove {skill.name} {skill.version}{' and its instances' if a.purge else ''}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return 0
    engine.remove(a.name, purge=a.purge)
    if a.json:
        _print_json({"removed": skill.name, "version": skill.version, "purged": a.purge})
    else:
        kept = (
            ""
            if a.purge
            else f" (instance config and data kept in {engine.instances.home.instances / a.name}; --purge deletes them)"
        )
        print(f"removed {skill.name} {skill.version}{kept}")
    return 0


def cmd_history(a: argparse.Namespace) -> int:
    rows = _engine().history.read(limit=a.limit)
    if a.json:
        _print_json(rows)
        return 0
    import time

    from engine.cli_table import print_table

    if not rows:
        print("no runs yet")
        return 0
    table = [
        (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.get("started_at", 0))),
            "ok" if r.get("ok") else "error",
            f"{r['skill']}@{r['instance']}:{r['tool']}",
            f"{r['duration_ms']:.0f} ms",
            (r.get("output") if r.get("ok") else r.get("error")) or "",
        )
        for r in rows
    ]
    print_table(("WHEN", "STATUS", "TOOL", "TIME", "RESULT"), table, right=(3,))
    return 0


def cmd_doctor(a: argparse.Namespace) -> int:
    from engine.cli_table import print_table
    from engine.doctor import checks

    results = checks(_engine())
    failed = [name for name, ok, _ in results if not ok]
    if a.json:
        out: dict[str, Any] = {
            "ok": not failed,
            "checks": [{"check": name, "ok": ok, "detail": detail} for name, ok, detail in results],
        }
        if failed:
            out["error"] = {"code": "doctor", "message": f"failed: {', '.join(failed)}"}
        _print_json(out)
    else:
        print_table(
            ("CHECK", "STATUS", "DETAIL"), [(name, "ok" if ok else "FAIL", detail) for name, ok, detail in results]
        )
    return 1 if failed else 0


# ---- parser ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a UsageError like every other: one line, or JSON with --json."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {_unrepr(message)} (see `{self.prog} --help`)")


def _unrepr(message: str) -> str:
    """argparse's messages with values as people type them, not Python reprs and type names:
    "invalid int value: 'x'" → 'expected an integer, got "x"'."""
    kinds = {"int": "an integer", "float": "a number"}
    message = re.sub(
        r"invalid (int|float) value: '(.*)'$", lambda m: f"expected {kinds[m[1]]}, got {shown(m[2])}", message
    )
    return re.sub(
        r"invalid choice: '(.*?)' \(choose from (.*)\)$",
        lambda m: f"invalid choice {shown(m[1])} (choose from {m[2].replace(chr(39), '')})",
        message,
    )


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="skill", description="Install, configure and run WebAssembly skills.")
    p.add_argument("--version", action="version", version=f"skill {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, json_flag: bool = True):
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        if json_flag:
            sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
        return sp

    sp = add("install", cmd_install, "install a skill from a folder or a .wasm component")
    sp.add_argument("path", help="skill folder (skill.yaml/SKILL.md + component) or .wasm file")
    sp.add_argument("--name", help="install under this name instead of the skill's own")
    sp.add_argument("--force", action="store_true", help="replace an installed skill of the same version")

    add("list", cmd_list, "list installed skills")

    sp = add("info", cmd_info, "show a skill's tools, config and limits")
    sp.add_argument("name")

    sp = add("run", cmd_run, "run a tool: skill run NAME[@INSTANCE]:TOOL --arg k=v")
    sp.add_argument("ref", metavar="NAME[@INSTANCE]:TOOL")
    sp.add_argument("--arg", action="append", metavar="K=V", help="a tool argument (repeatable)")
    sp.add_argument("--args", metavar="JSON", help="all arguments as one JSON object")
    sp.add_argument("--timeout", type=float, metavar="S", help="time limit in seconds for this run")

    sp = add("remove", cmd_remove, "remove an installed skill")
    sp.add_argument("name")
    sp.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    sp.add_argument("--purge", action="store_true", help="also delete the skill's instances and their data")

    sp = add("history", cmd_history, "show recent runs")
    sp.add_argument("--limit", type=int, default=20, metavar="N", help="show the last N runs (default 20)")

    add("doctor", cmd_doctor, "check the engine, its cache and the build toolchain")

    from engine.cli_config import add_parsers

    add_parsers(sub, add)
    from engine.cli_build import add_parsers as add_build_parsers

    add_build_parsers(sub, add)
    from engine.cli_search import add_parsers as add_search_parsers

    add_search_parsers(sub, add)
    from engine.cli_mcp import add_parsers as add_mcp_parsers

    add_mcp_parsers(sub, add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in (argv[: argv.index("--")] if "--" in argv else argv)
    try:
        parser = build_parser()
        a = parser.parse_args(argv)
        if not getattr(a, "func", None):
            if as_json:
                raise UsageError("give a command (see `skill --help`)")
            parser.print_help()
            return 2
        return a.func(a)
    except SkillError as e:
        fail(e.code, e.message, as_json)
        return e.exit_code
    except KeyboardInterrupt:
        fail("interrupted", "interrupted", as_json)
        return 130
    except BrokenPipeError:
        return 0


def entry() -> None:
    """The `skill` console script: `main` tuned for a short-lived process.

    The cyclic GC is off (no command here lives long enough to need it; it costs
    ~5 ms while the imports allocate), and the process exits without interpreter
    teardown: dropping wasmtime's engine and mapped code and the module graph costs
    ~15 ms, more than a whole tool call. Every file a command wrote is closed by
    then, so flushing the two streams is all that is left to do. A future
    long-running command (serve, dev) must call gc.enable() first.
    """
    gc.disable()
    code = main()
    background().flush()  # the run history is written off the run's path
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
