"""`skill script NAME PATH [ARGS...]`: an Agent Skill's scripts/PATH.py in the Python sandbox.

Only for a skill installed with `--allow-scripts`. The script's stdout and stderr stream as it writes
them; its exit code is the command's (or 1 when it did not finish: timeout, memory, cancelled). With
`--json`, one document: exit code, stdout, stderr, duration.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json


def run(a: argparse.Namespace) -> int:
    def echo(stream: str, text: str) -> None:
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()

    args = a.args[1:] if a.args[:1] == ["--"] else a.args
    result = open_engine().run_script(a.name, a.path, args, on_line=None if a.json else echo, timeout=a.timeout)
    if a.json:
        print_json(result.to_json())
    elif result.exit_code is None:
        print(f"error: {result.skill}: {result.path}: {result.error}", file=sys.stderr)
    elif result.error:
        print(f"error: {result.skill}: {result.error}", file=sys.stderr)
    return 1 if result.exit_code is None else result.exit_code
