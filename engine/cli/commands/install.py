"""`skill install PATH`: validate a skill folder or .wasm, compile it once, install it."""

from __future__ import annotations

import argparse
import sys

from engine.cli.commands import open_engine
from engine.cli.output import print_json, progress


def run(a: argparse.Namespace) -> int:
    report = open_engine().install(a.path, name=a.name, force=a.force, progress=None if a.json else progress)
    s = report.skill
    if a.json:
        print_json({"status": report.status, "previous_version": report.previous_version, **s.to_json()})
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
