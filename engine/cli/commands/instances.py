"""`skill instances [NAME]`: every instance and whether it is ready to run."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.commands import open_engine
from engine.cli.output import print_json, print_table

if TYPE_CHECKING:
    from engine.configuration import ConfigReport


def run(a: argparse.Namespace) -> int:
    engine = open_engine()
    names = [a.name] if a.name else [s.name for s in engine.skills()]
    reports = [
        (name, engine.config.report(name, inst, with_skill=a.check))
        for name in names
        for inst in engine.instance_names(engine.skill(name).name)
    ]
    if a.json:
        print_json(
            [
                {
                    "skill": name,
                    "instance": r.instance,
                    "ready": r.ready,
                    "missing": list(r.missing),
                    "problems": list(r.problems),
                }
                for name, r in reports
            ]
        )
        return 0
    if not reports:
        print(
            "no instances: knowledge skills have none (no config, nothing to run)" if names else "no skills installed"
        )
        return 0
    print_table(("INSTANCE", "STATE"), [(f"{name}@{r.instance}", state(r)) for name, r in reports])
    return 0


def state(report: ConfigReport) -> str:
    """An instance's state in one cell: ready, or what keeps it from being ready."""
    if report.ready:
        return "ready"
    return "not ready: " + report.why_not_ready
