"""`skill list`: the installed skills, one row each, with their kind (tools, knowledge or both)."""

from __future__ import annotations

import argparse

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    skills = engine.skills()
    if a.json:
        print_json(
            [
                {
                    "name": s.name,
                    "version": s.version,
                    "kind": s.kind,
                    "description": s.description,
                    "tools": [t.name for t in s.tools],
                    "instances": engine.instance_names(s.name),
                }
                for s in skills
            ]
        )
        return 0
    if not skills:
        print("no skills installed; install one with `skill install PATH`")
        return 0
    rows = [
        (
            s.name,
            s.version,
            s.kind,
            len(s.tools),
            len(engine.instance_names(s.name)),
            s.description,
        )
        for s in skills
    ]
    print_table(("NAME", "VERSION", "KIND", "TOOLS", "INSTANCES", "DESCRIPTION"), rows, right=(3, 4))
    return 0
