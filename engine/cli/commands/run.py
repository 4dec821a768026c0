"""`skill run NAME[@INSTANCE]:TOOL --arg K=V`: one call in the sandbox, its output on stdout.

The path every benchmark measures: it imports the engine facade, the argument reader
and, without --json, the run events, and nothing else.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from engine.cli.args import read_tool_args
from engine.cli.commands import open_engine
from engine.cli.output import print_json

if TYPE_CHECKING:
    from engine.api import Engine
    from engine.events import RunResult


def tool_args(a: argparse.Namespace, engine: Engine) -> dict[str, Any]:
    """The run's arguments, each `--arg` typed as the tool declares it."""
    given = read_tool_args(a.args, a.arg)
    tool = None
    if given.pairs:  # only `--arg` values need the tool's declared types
        ref = engine.tool_ref(a.ref)
        tool = engine.skill(ref.skill).tool(ref.tool)
    return given.for_tool(tool)


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    args = tool_args(a, engine)
    result = engine.run(a.ref, args, timeout=a.timeout, on_event=None if a.json else stream)
    return report(result, a.json)


def stream(event: Any) -> None:
    """A run's output lines and requests on stderr, as they happen (stdout is for the result)."""
    from engine.events import RunOutput, RunRequest

    if isinstance(event, RunOutput):
        print(event.text, file=sys.stderr, flush=True)
    elif isinstance(event, RunRequest):
        print(f"[http] {event.record.describe()}", file=sys.stderr, flush=True)


def report(result: RunResult, as_json: bool) -> int:
    """Print a run's result (or its JSON, with the error object of every --json failure); its exit code."""
    if as_json:
        print_json(result.reply())
    elif result.ok:
        print(result.output)
    else:
        print(f"error: {result.ref}: {result.error}", file=sys.stderr)
    return 0 if result.ok else 1
